"""PATCH /api/v1/subscription and PUT /api/v1/subscription/payment-method: plan, interval, payment method and PO
number change at once; the unused part of the old plan is credited, the new one charged from now."""

from __future__ import annotations

from datetime import timedelta

from tests.api.billing.conftest import AMEX, BANK_TRANSFER, DAY, DECLINED, DISCOVER, FAILS_LATER, START, VISA, z
from tests.api.conftest import assert_error
from tests.conftest import Api, Person

PERIOD_END = START.replace(month=2, day=28)


def test_upgrading_to_enterprise_credits_regular_and_charges_enterprise(
    api: Api, alice: Person, frozen, regular
) -> None:
    frozen.advance(14 * DAY)

    response = api.as_(alice).patch("/subscription", {"plan": "enterprise"})

    assert response.status_code == 200, response
    body = response.json()
    note, invoice = body["credit_note"], body["invoice"]
    assert (note["reason"], note["total_minor"], note["invoice_number"]) == ("plan_change", 900, "INV-2026-000001")
    assert body["credit_notes"] == [note]
    assert (invoice["billing_reason"], invoice["total_minor"]) == ("plan_change", 1500)
    assert (invoice["balance_applied_minor"], invoice["amount_due_minor"], invoice["status"]) == (900, 600, "paid")
    [line] = invoice["lines"]
    assert (line["period_start"], line["period_end"], line["proration"]) == (z(frozen.now()), z(PERIOD_END), "1/2")
    subscription = body["subscription"]
    assert (subscription["edition"], subscription["plan"], subscription["interval"]) == (
        "enterprise",
        "enterprise",
        "month",
    )
    assert subscription["credit_balance_minor"] == 0
    assert subscription["current_period_end"] == z(PERIOD_END)


def test_annual_by_bank_transfer_in_one_change_starts_a_new_year(api: Api, alice: Person, frozen, regular) -> None:
    frozen.advance(14 * DAY)
    now = frozen.now()

    response = api.as_(alice).patch("/subscription", {"interval": "year", "payment_method": BANK_TRANSFER})

    assert response.status_code == 200, response
    body = response.json()
    assert body["credit_note"]["total_minor"] == 900
    invoice = body["invoice"]
    assert (invoice["total_minor"], invoice["balance_applied_minor"], invoice["amount_due_minor"]) == (
        18000,
        900,
        17100,
    )
    assert (invoice["status"], invoice["due_at"]) == ("open", z(now + timedelta(days=30)))
    subscription = body["subscription"]
    assert (subscription["interval"], subscription["payment_method"]["type"]) == ("year", "bank_transfer")
    assert (subscription["current_period_start"], subscription["current_period_end"]) == (
        z(now),
        z(now.replace(year=2027)),
    )


def test_monthly_by_bank_transfer_is_refused_and_changes_nothing(api: Api, alice: Person, regular) -> None:
    response = api.as_(alice).patch("/subscription", {"payment_method": BANK_TRANSFER})

    assert_error(response, 422, "payment_method_not_available", field="payment_method")
    assert api.as_(alice).get("/subscription").json()["payment_method"]["type"] == "card"


def test_a_failed_charge_undoes_the_whole_change(api: Api, alice: Person, frozen, regular) -> None:
    frozen.advance(14 * DAY)

    response = api.as_(alice).patch("/subscription", {"plan": "enterprise", "payment_method": FAILS_LATER})

    assert_error(response, 402, "card_declined")
    subscription = api.as_(alice).get("/subscription").json()
    assert (subscription["plan"], subscription["payment_method"]["last4"]) == ("regular", "4242")
    assert subscription["credit_balance_minor"] == 0
    assert api.as_(alice).get("/credit-notes").json()["items"] == []


def test_nothing_to_change_on_a_trial(api: Api, alice: Person) -> None:
    assert_error(api.as_(alice).patch("/subscription", {"plan": "enterprise"}), 409, "no_subscription")


def test_a_po_number_on_a_trial_is_refused(api: Api, alice: Person) -> None:
    response = api.as_(alice).patch("/subscription", {"po_number": "PO-1"})

    body = assert_error(response, 422, "po_not_available", field="po_number")
    assert "Regular" in body["detail"]


def test_the_po_number_is_changed_and_printed_on_later_invoices(api: Api, alice: Person, frozen, regular) -> None:
    response = api.as_(alice).patch("/subscription", {"po_number": "PO-2026-17"})

    assert response.status_code == 200, response
    assert response.json()["subscription"]["po_number"] == "PO-2026-17"
    assert (response.json()["invoice"], response.json()["credit_note"]) == (None, None)
    frozen.advance(DAY)
    api.as_(alice).post("/users", {"email": "dana@example.net", "name": "Dana Diaz"})
    assert api.as_(alice).get("/invoices").json()["items"][0]["po_number"] == "PO-2026-17"
    events = [e["type"] for e in api.as_(alice).get("/account/events").json()["items"]]
    assert "po.changed" in events


def test_bob_cannot_change_the_subscription(api: Api, bob: Person, regular) -> None:
    assert_error(api.as_(bob).patch("/subscription", {"plan": "enterprise"}), 403, "admin_only")


# --- PUT /subscription/payment-method ---


def test_the_card_is_replaced(api: Api, alice: Person, regular) -> None:
    response = api.as_(alice).put("/subscription/payment-method", AMEX)

    assert response.status_code == 200, response
    assert response.json()["payment_method"] == {
        "type": "card",
        "brand": "amex",
        "last4": "0005",
        "exp_month": 12,
        "exp_year": 2030,
    }
    assert api.as_(alice).get("/subscription").json()["payment_method"]["brand"] == "amex"
    events = [e["type"] for e in api.as_(alice).get("/account/events").json()["items"]]
    assert "payment_method.changed" in events


def test_a_refused_card_is_not_saved(api: Api, alice: Person, regular) -> None:
    assert_error(
        api.as_(alice).put("/subscription/payment-method", DISCOVER),
        422,
        "card_brand_not_accepted",
        field="payment_method.number",
    )
    assert_error(api.as_(alice).put("/subscription/payment-method", DECLINED), 402, "card_declined")
    assert api.as_(alice).get("/subscription").json()["payment_method"]["last4"] == "4242"


def test_bank_transfer_needs_an_annual_plan(api: Api, alice: Person, regular) -> None:
    response = api.as_(alice).put("/subscription/payment-method", BANK_TRANSFER)

    assert_error(response, 422, "payment_method_not_available")


def test_an_annual_plan_can_switch_to_check(api: Api, alice: Person) -> None:
    api.as_(alice).post("/subscription", {"plan": "regular", "interval": "year", "payment_method": VISA})

    response = api.as_(alice).put("/subscription/payment-method", {"type": "check"})

    assert response.status_code == 200, response
    assert response.json()["payment_method"] == {
        "type": "check",
        "brand": None,
        "last4": None,
        "exp_month": None,
        "exp_year": None,
    }


def test_an_unknown_type_is_refused_naming_the_field(api: Api, alice: Person, regular) -> None:
    response = api.as_(alice).put("/subscription/payment-method", {"type": "paypal"})

    assert_error(response, 422, "unknown_payment_method", field="payment_method.type")


def test_a_trial_has_no_payment_method_to_set(api: Api, alice: Person) -> None:
    assert_error(api.as_(alice).put("/subscription/payment-method", VISA), 409, "no_subscription")


def test_bob_cannot_set_the_payment_method(api: Api, bob: Person, regular) -> None:
    assert_error(api.as_(bob).put("/subscription/payment-method", AMEX), 403, "admin_only")


def test_an_unpaid_annual_invoice_does_not_become_credit_when_switching_to_monthly_by_card(
    api: Api, alice: Person, frozen
) -> None:
    api.as_(alice).post("/subscription", {"plan": "regular", "interval": "year", "payment_method": BANK_TRANSFER})
    frozen.advance(DAY)

    body = api.as_(alice).patch("/subscription", {"interval": "month", "payment_method": VISA}).json()

    # Nothing was paid for the year yet: its unused part only lowers that invoice (to the one day used, 0.25), it is
    # no money to spend on the new month. 0.25 is under the minimum charge, so it is carried to the new invoice.
    assert body["subscription"]["credit_balance_minor"] == 0
    assert (body["invoice"]["amount_due_minor"], body["invoice"]["amount_paid_minor"]) == (925, 925)
    assert body["invoice"]["balance_applied_minor"] == -25
    (year,) = [i for i in api.as_(alice).get("/invoices").json()["items"] if i["billing_reason"] == "purchase"]
    assert (year["status"], year["amount_paid_minor"]) == ("paid", 0)
    (note,) = api.as_(alice).get("/credit-notes").json()["items"]
    assert (note["total_minor"], note["credit_minor"], note["refund_minor"]) == (8975, 0, 0)
