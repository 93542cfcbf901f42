"""Sales records bank transfers and checks in the back-office."""

from __future__ import annotations

import pytest
from django.contrib.admin.models import LogEntry
from django.test import Client

from stint.accounts.models import User
from stint.billing.models import Invoice, Payment
from stint.billing.services import subscription_purchase, subscription_refund
from stint.core.clock import FrozenClock
from stint.notifications.models import AccountEvent
from tests.billing.conftest import VISA
from tests.conftest import Person


@pytest.fixture
def sales(db: None) -> Client:
    staff = User.objects.create_superuser("sales@stint.localhost", "correct horse battery", name="Sam Sales")
    client = Client()
    client.force_login(staff)
    return client


@pytest.fixture
def open_invoice(frozen: FrozenClock, alice: Person) -> Invoice:
    subscription_purchase(
        account=alice.account,
        actor=alice.user,
        plan="regular",
        interval="year",
        payment_method={"type": "bank_transfer"},
        po_number="PO-77",
    )
    frozen.advance(10 * 86400)
    return Invoice.objects.get()


def test_sales_marks_a_bank_transfer_paid(sales: Client, open_invoice: Invoice) -> None:
    page = sales.get(f"/backoffice/billing/invoice/{open_invoice.pk}/change/")
    assert b"Record a payment" in page.content
    response = sales.post(
        f"/backoffice/billing/invoice/{open_invoice.pk}/record-payment/",
        {"amount": "90.00", "paid_on": "2026-02-09", "reference": "BANK-REF-1"},
    )
    assert response.status_code == 302
    open_invoice.refresh_from_db()
    assert (open_invoice.status, open_invoice.amount_paid_minor) == ("paid", 9000)
    payment = Payment.objects.get()
    assert (payment.kind, payment.reference, payment.recorded_by.email) == (
        "manual",
        "BANK-REF-1",
        "sales@stint.localhost",
    )
    assert AccountEvent.objects.filter(type="payment.succeeded").count() == 1
    assert "BANK-REF-1" in LogEntry.objects.get().get_change_message()


def test_a_payment_over_what_is_owed_is_refused_next_to_the_amount(sales: Client, open_invoice: Invoice) -> None:
    response = sales.post(
        f"/backoffice/billing/invoice/{open_invoice.pk}/record-payment/",
        {"amount": "90.01", "paid_on": "2026-02-09", "reference": "BANK-REF-1"},
    )
    assert response.status_code == 200
    assert "at most the USD 90.00 still owed" in response.content.decode()
    open_invoice.refresh_from_db()
    assert open_invoice.status == "open" and not Payment.objects.exists()


def test_a_part_payment_leaves_the_invoice_open(sales: Client, open_invoice: Invoice) -> None:
    sales.post(
        f"/backoffice/billing/invoice/{open_invoice.pk}/record-payment/",
        {"amount": "40", "paid_on": "2026-02-09", "reference": "CHECK 1001"},
    )
    open_invoice.refresh_from_db()
    assert (open_invoice.status, open_invoice.amount_paid_minor) == ("open", 4000)


def test_customers_cannot_reach_the_back_office(alice: Person, open_invoice: Invoice) -> None:
    client = Client()
    client.force_login(alice.user)
    response = client.get(f"/backoffice/billing/invoice/{open_invoice.pk}/record-payment/")
    assert response.status_code == 302 and "/login/" in response["Location"]


@pytest.fixture
def refund_owed(frozen: FrozenClock, sales: Client, open_invoice: Invoice) -> Payment:
    """The bank transfer arrived; then the customer cancelled the purchase within 30 days: 90.00 is owed back."""
    sales.post(
        f"/backoffice/billing/invoice/{open_invoice.pk}/record-payment/",
        {"amount": "90.00", "paid_on": "2026-02-09", "reference": "BANK-REF-1"},
    )
    subscription_refund(account=open_invoice.account, actor=open_invoice.account.owner)
    return Payment.objects.get(kind="manual_refund")


def test_a_refund_by_bank_transfer_is_owed_until_sales_records_it_sent(
    frozen: FrozenClock, sales: Client, refund_owed: Payment
) -> None:
    assert (refund_owed.status, refund_owed.amount_minor, refund_owed.reference) == ("pending", 9000, "")
    page = sales.get(f"/backoffice/billing/payment/{refund_owed.pk}/change/")
    assert b"Record the refund as sent" in page.content

    frozen.advance(86400)
    response = sales.post(
        f"/backoffice/billing/payment/{refund_owed.pk}/refund-sent/",
        {"paid_on": "2026-02-11", "reference": "OUT-REF-9"},
    )
    assert response.status_code == 302
    refund_owed.refresh_from_db()
    assert (refund_owed.status, refund_owed.reference, refund_owed.recorded_by.email) == (
        "succeeded",
        "OUT-REF-9",
        "sales@stint.localhost",
    )
    assert refund_owed.paid_back_at is not None and refund_owed.paid_back_at.date().isoformat() == "2026-02-11"
    assert "OUT-REF-9" in LogEntry.objects.filter(object_id=str(refund_owed.pk)).get().get_change_message()
    assert (
        b"Record the refund as sent" not in sales.get(f"/backoffice/billing/payment/{refund_owed.pk}/change/").content
    )


def test_a_refund_is_recorded_as_sent_once(frozen: FrozenClock, sales: Client, refund_owed: Payment) -> None:
    url = f"/backoffice/billing/payment/{refund_owed.pk}/refund-sent/"
    sales.post(url, {"paid_on": "2026-02-10", "reference": "OUT-REF-9"})
    again = sales.post(url, {"paid_on": "2026-02-10", "reference": "OUT-REF-10"})
    assert again.status_code == 200
    assert "already recorded as sent on 2026-02-10 (reference OUT-REF-9)" in again.content.decode()
    refund_owed.refresh_from_db()
    assert refund_owed.reference == "OUT-REF-9"


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"paid_on": "2030-01-01", "reference": "X"}, "cannot be sent in the future"),
        ({"paid_on": "2026-01-01", "reference": "X"}, "cannot have been sent before that"),
        ({"paid_on": "2026-02-10", "reference": " "}, "This field is required"),
        ({"paid_on": "soon", "reference": "X"}, "Enter a valid date"),
    ],
)
def test_a_bad_date_or_reference_is_refused_next_to_the_field(
    sales: Client, refund_owed: Payment, fields: dict[str, str], message: str
) -> None:
    response = sales.post(f"/backoffice/billing/payment/{refund_owed.pk}/refund-sent/", fields)
    assert response.status_code == 200
    assert message in response.content.decode()
    refund_owed.refresh_from_db()
    assert refund_owed.status == "pending"


def test_a_card_refund_cannot_be_recorded_as_sent(frozen: FrozenClock, sales: Client, alice: Person) -> None:
    subscription_purchase(
        account=alice.account, actor=alice.user, plan="regular", interval="month", payment_method=VISA
    )
    subscription_refund(account=alice.account, actor=alice.user)
    card_refund = Payment.objects.get(kind="refund")
    response = sales.post(
        f"/backoffice/billing/payment/{card_refund.pk}/refund-sent/", {"paid_on": "2026-01-31", "reference": "X"}
    )
    assert "card refunds go back through the card network" in response.content.decode()


def test_customers_cannot_record_refunds(alice: Person, refund_owed: Payment) -> None:
    browser = Client()
    browser.force_login(alice.user)
    response = browser.post(
        f"/backoffice/billing/payment/{refund_owed.pk}/refund-sent/", {"paid_on": "2026-02-10", "reference": "X"}
    )
    assert response.status_code == 302 and "/backoffice/login/" in response["Location"]
    refund_owed.refresh_from_db()
    assert refund_owed.status == "pending"


def test_a_payment_received_in_the_future_is_refused(sales: Client, open_invoice: Invoice) -> None:
    response = sales.post(
        f"/backoffice/billing/invoice/{open_invoice.pk}/record-payment/",
        {"amount": "90.00", "paid_on": "2030-02-09", "reference": "BANK-REF-1"},
    )
    assert response.status_code == 200
    assert "A payment cannot be received in the future." in response.content.decode()
    assert not Payment.objects.exists()
