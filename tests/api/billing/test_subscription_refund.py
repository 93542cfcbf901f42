"""POST /api/v1/subscription/refund: within 30 days of a purchase, everything paid for the period is refunded and
the account is on Free at once; otherwise 409."""

from __future__ import annotations

from stint.billing.models import SandboxRefund
from tests.api.billing.conftest import BANK_TRANSFER, DAY, bought
from tests.api.conftest import assert_error
from tests.conftest import Api, Person


def test_a_refund_within_30_days_pays_everything_back_and_goes_to_free(
    api: Api, alice: Person, frozen, regular
) -> None:
    frozen.advance(10 * DAY)
    api.as_(alice).post("/users", {"email": "dana@example.net", "name": "Dana Diaz"})
    frozen.advance(DAY)

    response = api.as_(alice).post("/subscription/refund")

    assert response.status_code == 200, response
    notes = response.json()["credit_notes"]
    assert {note["reason"] for note in notes} == {"refund"}
    paid = sum(i["amount_paid_minor"] for i in api.as_(alice).get("/invoices").json()["items"])
    assert paid > 1800
    assert sum(note["refund_minor"] for note in notes) == paid
    assert all(note["credit_minor"] == 0 for note in notes)
    assert sum(r.amount_minor for r in SandboxRefund.objects.all()) == paid
    subscription = response.json()["subscription"]
    assert (subscription["edition"], subscription["plan"], subscription["status"]) == ("free", "free", "free")
    assert subscription == api.as_(alice).get("/subscription").json()
    assert subscription["refundable_until"] is None


def test_a_second_refund_answers_409(api: Api, alice: Person, regular) -> None:
    api.as_(alice).post("/subscription/refund")

    assert_error(api.as_(alice).post("/subscription/refund"), 409, "nothing_refundable")
    assert SandboxRefund.objects.count() == 1


def test_after_30_days_nothing_is_refundable(api: Api, alice: Person, frozen) -> None:
    bought(api, alice, interval="year")
    frozen.advance(30 * DAY + 1)

    body = assert_error(api.as_(alice).post("/subscription/refund"), 409, "nothing_refundable")
    assert "2026-03-02" in body["detail"]
    assert api.as_(alice).get("/subscription").json()["edition"] == "regular"


def test_an_unpaid_bank_transfer_invoice_is_voided_not_refunded(api: Api, alice: Person) -> None:
    bought(api, alice, interval="year", payment_method=BANK_TRANSFER)

    response = api.as_(alice).post("/subscription/refund")

    assert response.status_code == 200, response
    assert response.json()["credit_notes"] == []
    [invoice] = api.as_(alice).get("/invoices").json()["items"]
    assert invoice["status"] == "void"
    assert api.as_(alice).get("/subscription").json()["edition"] == "free"


def test_a_trial_has_nothing_to_refund(api: Api, alice: Person) -> None:
    assert_error(api.as_(alice).post("/subscription/refund"), 409, "nothing_refundable")


def test_bob_cannot_refund(api: Api, alice: Person, bob: Person, regular) -> None:
    assert_error(api.as_(bob).post("/subscription/refund"), 403, "admin_only")
    assert api.as_(alice).get("/subscription").json()["edition"] == "regular"


def test_a_refund_after_an_upgrade_pays_back_everything_paid(api: Api, alice: Person, frozen, regular) -> None:
    frozen.advance(14 * DAY)
    api.as_(alice).patch("/subscription", {"plan": "enterprise"})
    paid = sum(i["amount_paid_minor"] for i in api.as_(alice).get("/invoices").json()["items"])

    response = api.as_(alice).post("/subscription/refund")

    assert response.status_code == 200, response
    assert paid == 1800 + 600
    assert sum(note["refund_minor"] for note in response.json()["credit_notes"]) == paid
    assert response.json()["subscription"]["credit_balance_minor"] == 0
