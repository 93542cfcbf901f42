"""Sales records bank transfers and checks in the back-office."""

from __future__ import annotations

import pytest
from django.contrib.admin.models import LogEntry
from django.test import Client

from stint.accounts.models import User
from stint.billing.models import Invoice, Payment
from stint.billing.services import subscription_purchase
from stint.core.clock import FrozenClock
from stint.notifications.models import AccountEvent
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
