"""`Idempotency-Key` on the writes that cost money: the same key replays the first answer (status and body, a
refusal included) and never charges twice; a different request with the key is refused."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest

from stint.api.idempotency import request_fingerprint
from stint.billing import services
from stint.billing.models import IdempotentRequest, Invoice, SandboxCharge, SandboxRefund
from stint.core import clock
from tests.api.billing.conftest import AMEX, DAY, FAILS_LATER, VISA, bought, purchase
from tests.api.conftest import assert_error
from tests.conftest import Api, Person, Response

KEY = {"Idempotency-Key": "8e0f0c52-4a55-4d0e-9d4b-1b1e3c7f2a10"}
BODY = {"plan": "regular", "interval": "month", "payment_method": VISA}


def charges() -> int:
    return SandboxCharge.objects.filter(succeeded=True).count()


def test_the_same_key_twice_buys_once_and_answers_the_same(api: Api, alice: Person) -> None:
    first = purchase(api, alice, headers=KEY)
    again = purchase(api, alice, headers=KEY)

    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json() == first.json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first.headers
    assert Invoice.objects.count() == 1
    assert charges() == 1


def test_without_a_key_a_second_purchase_is_refused_as_a_duplicate(api: Api, alice: Person) -> None:
    purchase(api, alice)

    assert_error(purchase(api, alice), 409, "already_subscribed")
    assert charges() == 1


def test_the_same_key_with_a_different_body_is_refused(api: Api, alice: Person) -> None:
    purchase(api, alice, headers=KEY)

    response = purchase(api, alice, payment_method=AMEX, headers=KEY)

    assert_error(response, 422, "idempotency_key_reused")
    assert api.as_(alice).get("/subscription").json()["payment_method"]["brand"] == "visa"
    assert charges() == 1


def test_the_same_key_on_another_endpoint_is_refused(api: Api, alice: Person) -> None:
    purchase(api, alice, headers=KEY)

    response = api.as_(alice).patch("/subscription", {"plan": "enterprise"}, headers=KEY)

    assert_error(response, 422, "idempotency_key_reused")
    assert api.as_(alice).get("/subscription").json()["plan"] == "regular"


def test_spacing_and_key_order_do_not_make_a_different_request(api: Api, alice: Person) -> None:
    first = purchase(api, alice, headers=KEY)
    reordered = json.dumps(dict(reversed(list(BODY.items()))), indent=4)

    again = api.as_(alice).post("/subscription", raw=reordered, headers=KEY)

    assert (again.status_code, again.json()) == (201, first.json())


def test_a_refusal_is_replayed_even_once_the_request_would_succeed(api: Api, alice: Person) -> None:
    refused = api.as_(alice).patch("/subscription", {"po_number": "PO-1"}, headers=KEY)
    bought(api, alice)

    again = api.as_(alice).patch("/subscription", {"po_number": "PO-1"}, headers=KEY)

    assert_error(refused, 422, "po_not_available", field="po_number")
    assert (again.status_code, again.json()) == (422, refused.json())
    assert again.headers["Idempotent-Replayed"] == "true"
    assert api.as_(alice).get("/subscription").json()["po_number"] == ""


def test_a_declined_charge_is_replayed_without_charging_again(api: Api, alice: Person) -> None:
    first = purchase(api, alice, payment_method=FAILS_LATER, headers=KEY)
    again = purchase(api, alice, payment_method=FAILS_LATER, headers=KEY)

    assert_error(first, 402, "card_declined")
    assert (again.status_code, again.json()) == (402, first.json())
    assert SandboxCharge.objects.count() == 1
    assert [i["status"] for i in api.as_(alice).get("/invoices").json()["items"]] == ["void"]


def test_keys_belong_to_one_account(api: Api, alice: Person, charlie: Person) -> None:
    assert purchase(api, alice, headers=KEY).status_code == 201
    assert purchase(api, charlie, headers=KEY).status_code == 201
    assert charges() == 2


def test_a_refused_caller_does_not_spend_the_key(api: Api, alice: Person, bob: Person) -> None:
    assert_error(purchase(api, bob, headers=KEY), 403, "admin_only")

    assert purchase(api, alice, headers=KEY).status_code == 201


def test_a_second_admin_cannot_replay_someone_elses_answer(api: Api, alice: Person, frank: Person) -> None:
    purchase(api, alice, headers=KEY)

    assert_error(purchase(api, frank, headers=KEY), 422, "idempotency_key_reused")


def test_a_request_still_in_flight_answers_409(api: Api, alice: Person, monkeypatch: pytest.MonkeyPatch) -> None:
    real = services.subscription_purchase
    during: list[Response] = []

    def slow_purchase(**kwargs: Any) -> Any:
        during.append(purchase(api, alice, headers=KEY))  # the client retries while the first is still running
        return real(**kwargs)

    monkeypatch.setattr(services, "subscription_purchase", slow_purchase)
    first = purchase(api, alice, headers=KEY)
    monkeypatch.setattr(services, "subscription_purchase", real)
    later = purchase(api, alice, headers=KEY)

    assert first.status_code == 201, first
    assert_error(during[0], 409, "idempotency_key_in_progress")
    assert (later.status_code, later.json()) == (201, first.json())
    assert charges() == 1


def _left_by_a_crashed_request(alice: Person, *, minutes_ago: int) -> None:
    fingerprint = request_fingerprint(
        method="POST", path="/api/v1/subscription", user_id=alice.id, body=json.dumps(BODY).encode()
    )
    IdempotentRequest.objects.create(
        account=alice.account,
        key=KEY["Idempotency-Key"],
        fingerprint=fingerprint,
        created_at=clock.now() - timedelta(minutes=minutes_ago),
    )


def test_the_key_of_a_request_that_died_is_taken_over_after_five_minutes(api: Api, alice: Person) -> None:
    _left_by_a_crashed_request(alice, minutes_ago=6)

    response = purchase(api, alice, headers=KEY)

    assert response.status_code == 201, response
    assert purchase(api, alice, headers=KEY).json() == response.json()
    assert charges() == 1


def test_the_key_of_a_request_that_may_still_run_is_not_taken_over(api: Api, alice: Person) -> None:
    _left_by_a_crashed_request(alice, minutes_ago=1)

    assert_error(purchase(api, alice, headers=KEY), 409, "idempotency_key_in_progress")
    assert charges() == 0


def test_an_error_on_our_side_frees_the_key_for_a_retry(
    api: Api, alice: Person, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(**kwargs: Any) -> Any:
        raise RuntimeError("the gateway's client library crashed")

    monkeypatch.setattr(services, "subscription_purchase", broken)
    failed = purchase(api, alice, headers=KEY)
    monkeypatch.undo()

    assert_error(failed, 500, "server_error")
    assert purchase(api, alice, headers=KEY).status_code == 201
    assert charges() == 1


@pytest.mark.parametrize("key", ["", "   ", "x" * 256, "line\tbreak"])
def test_a_key_that_is_not_printable_ascii_up_to_255_characters_is_malformed(api: Api, alice: Person, key: str) -> None:
    response = purchase(api, alice, headers={"Idempotency-Key": key})

    assert_error(response, 400, "invalid_idempotency_key")
    assert Invoice.objects.count() == 0


def test_a_plan_change_is_made_once(api: Api, alice: Person, frozen, regular) -> None:
    frozen.advance(14 * DAY)

    first = api.as_(alice).patch("/subscription", {"plan": "enterprise"}, headers=KEY)
    again = api.as_(alice).patch("/subscription", {"plan": "enterprise"}, headers=KEY)

    assert (first.status_code, again.status_code) == (200, 200)
    assert again.json() == first.json()
    assert Invoice.objects.filter(billing_reason="plan_change").count() == 1


def test_a_payment_method_is_set_once(api: Api, alice: Person, regular) -> None:
    first = api.as_(alice).put("/subscription/payment-method", AMEX, headers=KEY)
    again = api.as_(alice).put("/subscription/payment-method", AMEX, headers=KEY)

    assert (first.status_code, again.json()) == (200, first.json())
    events = [e["type"] for e in api.as_(alice).get("/account/events").json()["items"]]
    assert events.count("payment_method.changed") == 1


def test_a_refund_is_paid_once_and_replayed(api: Api, alice: Person, regular) -> None:
    first = api.as_(alice).post("/subscription/refund", headers=KEY)
    again = api.as_(alice).post("/subscription/refund", headers=KEY)

    assert (first.status_code, again.status_code) == (200, 200)
    assert again.json() == first.json()
    assert SandboxRefund.objects.count() == 1


def test_the_card_number_is_not_stored_with_the_key(api: Api, alice: Person) -> None:
    purchase(api, alice, headers=KEY)

    stored = IdempotentRequest.objects.get()
    assert "4242424242424242" not in json.dumps(stored.body) + stored.fingerprint
