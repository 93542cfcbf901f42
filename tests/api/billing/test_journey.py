"""Issue 4's acceptance, through the API alone: sign up, trial, buy, seats, a renewal moved by the test clock with the
balance applied, cancel, refund, back to free; the owner gets an email for each step."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from django.test import Client

from stint.core.test_clock import offset_clock_install, offset_clock_remove
from tests.conftest import Api, Mailbox, deliver

VISA = {"type": "card", "number": "4242 4242 4242 4242", "exp_month": 12, "exp_year": 2030, "cvc": "123"}
REAL = datetime(2026, 1, 31, 9, 0, tzinfo=UTC)
DAY = 86400


@pytest.fixture(autouse=True)
def frozen() -> Iterator[None]:
    """Overrides the package's frozen clock: this journey runs on the test clock of API.md instead."""
    yield


@pytest.fixture
def test_clock(settings: Any, time_machine: Any) -> Iterator[None]:
    time_machine.move_to(REAL, tick=False)
    settings.STINT_TEST_CLOCK = True
    previous = offset_clock_install()
    yield
    offset_clock_remove(previous)


@pytest.mark.usefixtures("test_clock")
@pytest.mark.django_db
def test_a_customer_buys_changes_renews_cancels_and_refunds_through_the_api(mailbox: Mailbox) -> None:
    signup = Client().post(
        "/api/v1/signup",
        {"account_name": "Acme", "name": "Ann Owner", "email": "ann@acme.example", "password": "a long pass phrase 42"},
        content_type="application/json",
    )
    assert signup.status_code == 201, signup.content
    ann = Api(Client(), signup.json()["token"])

    trial = ann.get("/subscription").json()
    assert (trial["edition"], trial["status"], trial["trial_ends_at"]) == ("trial", "trialing", "2026-03-02T09:00:00Z")

    bought = ann.post("/subscription", {"plan": "regular", "interval": "month", "payment_method": VISA})
    assert bought.status_code == 201, bought
    assert bought.json()["invoice"]["number"] == "INV-2026-000001"
    assert bought.json()["invoice"]["total_minor"] == 900

    ann.post("/test-clock", {"advance_s": 14 * DAY})
    assert ann.get("/subscription/preview", users_delta=1).json()["amount_minor"] == 450
    bob = ann.post("/users", {"email": "bob@acme.example", "name": "Bob", "role": "member"})
    assert bob.status_code == 201
    ann.post("/test-clock", {"advance_s": 7 * DAY})
    assert ann.delete(f"/users/{bob.json()['id']}").status_code == 204
    notes = ann.get("/credit-notes").json()["items"]
    assert [(n["number"], n["total_minor"], n["credit_minor"]) for n in notes] == [("CN-2026-000001", 225, 225)]
    assert ann.get("/subscription").json()["credit_balance_minor"] == 225

    ann.post("/test-clock", {"now": "2026-02-28T09:00:00Z"})  # the renewal instant: the tick renews
    renewal = ann.get("/invoices").json()["items"][0]
    assert (renewal["billing_reason"], renewal["total_minor"], renewal["balance_applied_minor"]) == (
        "renewal",
        900,
        225,
    )
    assert (renewal["amount_due_minor"], renewal["amount_paid_minor"], renewal["status"]) == (675, 675, "paid")
    assert ann.get("/subscription").json()["current_period_end"] == "2026-03-31T09:00:00Z"

    assert ann.post("/subscription/cancel").json()["cancel_at_period_end"] is True
    refund = ann.post("/subscription/refund")
    assert refund.status_code == 200, refund
    assert sum(n["refund_minor"] for n in refund.json()["credit_notes"]) == 675
    after = ann.get("/subscription").json()
    assert (after["edition"], after["status"]) == ("free", "free")
    assert ann.post("/subscription/refund").status_code == 409

    deliver()
    subjects = mailbox.subjects("ann@acme.example")
    for expected in (
        "You bought Regular (monthly) for Acme",
        "New invoice INV-2026-000001: USD 9.00",
        "Credit note CN-2026-000001",
        "Regular renewed until 2026-03-31",
        "Purchase cancelled: USD 6.75 refunded",
        "Acme is now on the Free edition",
    ):
        assert any(expected in subject for subject in subjects), (expected, subjects)
