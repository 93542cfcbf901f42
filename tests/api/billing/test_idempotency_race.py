"""Ten identical POST /subscription with one `Idempotency-Key` at once: one purchase, one charge.

On PostgreSQL the ten race in threads, each with a database connection of its own. SQLite takes one writer at a
time (and the test database is one file shared by the threads' connections), so there the same ten run one after
another: the outcome must be the same either way.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection, connections
from django.test import Client

from stint.billing.models import IdempotentRequest, Invoice, SandboxCharge
from tests.api.billing.conftest import VISA
from tests.conftest import Api, Person, Response

COPIES = 10
KEY = {"Idempotency-Key": "race-2026-01-31"}
BODY = {"plan": "regular", "interval": "month", "payment_method": VISA}


@pytest.mark.django_db(transaction=True)
def test_ten_identical_purchases_at_once_charge_once(alice: Person) -> None:
    parallel = connection.vendor == "postgresql"
    start = threading.Barrier(COPIES)

    def send() -> Response:
        return Api(Client(), alice.token).post("/subscription", BODY, headers=KEY)

    def send_together() -> Response:
        try:
            start.wait(timeout=30)
            return send()
        finally:
            connections.close_all()  # this thread's connection, so the test database can be dropped

    if parallel:
        with ThreadPoolExecutor(max_workers=COPIES) as pool:
            responses = list(pool.map(lambda _: send_together(), range(COPIES)))
    else:
        responses = [send() for _ in range(COPIES)]
    settled = send()

    answered = [r for r in responses if r.status_code == 201]
    waiting = [r for r in responses if r.status_code != 201]
    assert answered, responses
    assert all(r.status_code == 409 and r.json()["code"] == "idempotency_key_in_progress" for r in waiting), waiting
    assert all(r.json() == answered[0].json() for r in [*answered, settled])
    assert settled.status_code == 201
    assert Invoice.objects.count() == 1
    assert SandboxCharge.objects.count() == 1
    assert IdempotentRequest.objects.get().status_code == 201
