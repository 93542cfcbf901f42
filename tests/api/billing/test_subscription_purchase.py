"""POST /api/v1/subscription: buy a plan for every named user; cards are charged at once, bank transfer and check
(annual only) leave the invoice open with 30-day terms."""

from __future__ import annotations

from datetime import timedelta

from stint.billing.models import SandboxCharge
from tests.api.billing.conftest import (
    AMEX,
    BANK_TRANSFER,
    DECLINED,
    DISCOVER,
    FAILS_LATER,
    MASTERCARD,
    START,
    VISA,
    bought,
    pdf_attachments,
    purchase,
    z,
)
from tests.api.conftest import assert_error
from tests.conftest import Api, Mailbox, Person, deliver

PERIOD_END = START.replace(month=2, day=28)


def test_buying_regular_monthly_with_visa_charges_9_per_named_user(api: Api, alice: Person, bob: Person) -> None:
    response = purchase(api, alice)

    assert response.status_code == 201, response
    invoice = response.json()["invoice"]
    assert invoice["number"] == "INV-2026-000001"
    assert (invoice["status"], invoice["billing_reason"]) == ("paid", "purchase")
    assert (invoice["subtotal_minor"], invoice["tax_minor"], invoice["total_minor"]) == (1800, 0, 1800)
    assert (invoice["balance_applied_minor"], invoice["amount_due_minor"], invoice["amount_paid_minor"]) == (
        0,
        1800,
        1800,
    )
    assert invoice["currency"] == "USD"
    assert invoice["issued_at"] == invoice["due_at"] == z(START)
    [line] = invoice["lines"]
    assert (line["quantity"], line["unit_amount_minor"], line["amount_minor"]) == (2, 900, 1800)
    assert (line["period_start"], line["period_end"], line["proration"]) == (z(START), z(PERIOD_END), "1")
    assert "Regular" in line["description"]


def test_after_buying_the_subscription_is_active_on_regular(api: Api, alice: Person, bob: Person) -> None:
    subscription = bought(api, alice)["subscription"]

    assert subscription == api.as_(alice).get("/subscription").json()
    assert (subscription["edition"], subscription["plan"], subscription["interval"]) == ("regular", "regular", "month")
    assert (subscription["status"], subscription["seats"]) == ("active", 2)
    assert (subscription["current_period_start"], subscription["current_period_end"]) == (z(START), z(PERIOD_END))
    assert subscription["payment_method"] == {
        "type": "card",
        "brand": "visa",
        "last4": "4242",
        "exp_month": 12,
        "exp_year": 2030,
    }
    assert subscription["refundable_until"] == z(START + timedelta(days=30))
    assert api.as_(bob).get("/me").json()["account"]["edition"] == "regular"


def test_the_owner_is_emailed_the_invoice_as_pdf(api: Api, alice: Person, mailbox: Mailbox) -> None:
    bought(api, alice)

    deliver()

    attached = [pdf_attachments(m) for m in mailbox.to(alice.email)]
    invoices = [files["INV-2026-000001.pdf"] for files in attached if "INV-2026-000001.pdf" in files]
    assert len(invoices) == 1
    assert invoices[0].startswith(b"%PDF")


def test_buying_with_american_express_works(api: Api, alice: Person) -> None:
    body = bought(api, alice, payment_method=AMEX)

    assert body["subscription"]["payment_method"]["brand"] == "amex"
    assert body["subscription"]["payment_method"]["last4"] == "0005"
    assert body["invoice"]["status"] == "paid"


def test_buying_enterprise_annually_with_mastercard(api: Api, alice: Person) -> None:
    body = bought(api, alice, plan="enterprise", interval="year", payment_method=MASTERCARD)

    assert body["invoice"]["total_minor"] == 15000
    assert body["subscription"]["current_period_end"] == z(START.replace(year=2027))
    assert body["subscription"]["payment_method"]["brand"] == "mastercard"


def test_a_card_declined_when_charged_changes_nothing_but_a_void_invoice(api: Api, alice: Person) -> None:
    response = purchase(api, alice, payment_method=FAILS_LATER)

    assert_error(response, 402, "card_declined")
    subscription = api.as_(alice).get("/subscription").json()
    assert (subscription["edition"], subscription["status"], subscription["plan"]) == ("trial", "trialing", None)
    assert subscription["payment_method"]["type"] == "none"
    [invoice] = api.as_(alice).get("/invoices").json()["items"]
    assert (invoice["status"], invoice["amount_paid_minor"]) == ("void", 0)


def test_a_card_declined_when_saved_answers_402_and_changes_nothing(api: Api, alice: Person) -> None:
    response = purchase(api, alice, payment_method=DECLINED)

    assert_error(response, 402, "card_declined")
    assert api.as_(alice).get("/subscription").json()["edition"] == "trial"
    assert SandboxCharge.objects.count() == 0


def test_a_discover_card_is_refused_naming_the_field(api: Api, alice: Person) -> None:
    response = purchase(api, alice, payment_method=DISCOVER)

    body = assert_error(response, 422, "card_brand_not_accepted", field="payment_method.number")
    assert "Visa" in body["detail"]
    assert api.as_(alice).get("/invoices").json()["items"] == []


def test_bank_transfer_is_not_available_monthly(api: Api, alice: Person) -> None:
    response = purchase(api, alice, payment_method=BANK_TRANSFER)

    assert_error(response, 422, "payment_method_not_available", field="payment_method")
    assert api.as_(alice).get("/subscription").json()["edition"] == "trial"


def test_bank_transfer_annually_leaves_the_invoice_open_for_30_days(api: Api, alice: Person) -> None:
    body = bought(api, alice, interval="year", payment_method=BANK_TRANSFER)

    invoice = body["invoice"]
    assert (invoice["status"], invoice["amount_due_minor"], invoice["amount_paid_minor"]) == ("open", 9000, 0)
    assert invoice["due_at"] == z(START + timedelta(days=30))
    subscription = body["subscription"]
    assert (subscription["edition"], subscription["status"]) == ("regular", "active")
    assert subscription["payment_method"]["type"] == "bank_transfer"
    assert subscription["payment_method"]["brand"] is None
    assert SandboxCharge.objects.count() == 0


def test_a_po_number_is_printed_on_the_invoice(api: Api, alice: Person) -> None:
    body = bought(api, alice, po_number="PO-4711")

    assert body["invoice"]["po_number"] == body["subscription"]["po_number"] == "PO-4711"


def test_an_unknown_plan_is_refused_naming_the_field(api: Api, alice: Person) -> None:
    assert_error(purchase(api, alice, plan="platinum"), 422, "unknown_plan", field="plan")
    assert_error(purchase(api, alice, plan="free"), 422, "unknown_plan", field="plan")
    assert_error(purchase(api, alice, interval="week"), 422, "unknown_interval", field="interval")


def test_a_missing_payment_method_answers_400(api: Api, alice: Person) -> None:
    response = api.as_(alice).post("/subscription", {"plan": "regular", "interval": "month"})

    body = assert_error(response, 400, "invalid_request")
    assert "payment_method" in body["detail"]


def test_buying_twice_answers_409_and_charges_once(api: Api, alice: Person) -> None:
    bought(api, alice)

    assert_error(purchase(api, alice), 409, "already_subscribed")
    assert len(api.as_(alice).get("/invoices").json()["items"]) == 1


def test_bob_cannot_buy(api: Api, alice: Person, bob: Person) -> None:
    assert_error(purchase(api, bob), 403, "admin_only")
    assert api.as_(alice).get("/subscription").json()["edition"] == "trial"


def test_a_second_admin_can_buy(api: Api, alice: Person, frank: Person) -> None:
    assert purchase(api, frank).status_code == 201


HOSTILE = [
    {"plan": "regular\u202e", "interval": "month", "payment_method": VISA},
    {"plan": "regular", "interval": "x" * 10_000, "payment_method": VISA},
    {"plan": "regular", "interval": "year", "payment_method": {**VISA, "exp_month": 10**30}},
    {"plan": "regular", "interval": "year", "payment_method": {**VISA, "exp_year": -(10**30)}},
    {"plan": "regular", "interval": "year", "payment_method": {**VISA, "number": "4" * 100_000}},
    {"plan": "regular", "interval": "year", "payment_method": {**VISA, "cvc": "'; DROP TABLE billing_invoice; --"}},
    {"plan": "regular", "interval": "year", "payment_method": {"type": ["card"]}},
    {"plan": "regular", "interval": "year", "payment_method": VISA, "po_number": "x" * 10_000},
    {"plan": "regular", "interval": "year", "payment_method": VISA, "po_number": "PO\r\n1"},
    {"plan": 9, "interval": "year", "payment_method": "card"},
]


def test_hostile_input_is_answered_with_a_4xx(api: Api, alice: Person) -> None:
    for body in HOSTILE:
        response = api.as_(alice).post("/subscription", body)
        assert 400 <= response.status_code < 500, (body, response)
        assert_error(response, response.status_code)
    assert api.as_(alice).get("/invoices").json()["items"] == []


def test_an_on_prem_customer_buys_the_seats_its_server_needs(api: Api, alice: Person, bob: Person) -> None:
    response = purchase(api, alice, seats=12)

    assert response.status_code == 201, response
    [line] = response.json()["invoice"]["lines"]
    assert (line["quantity"], line["amount_minor"]) == (12, 12 * 900)
    assert response.json()["subscription"]["seats"] == 12


def test_seats_below_the_named_users_buy_a_seat_for_each_named_user(api: Api, alice: Person, bob: Person) -> None:
    response = purchase(api, alice, seats=1)

    assert response.json()["subscription"]["seats"] == 2


def test_a_seat_count_out_of_range_is_refused_and_buys_nothing(api: Api, alice: Person) -> None:
    for seats in (0, -3, 100_001):
        response = purchase(api, alice, seats=seats)
        assert_error(response, 422, "seats_invalid")
    assert not SandboxCharge.objects.exists()
