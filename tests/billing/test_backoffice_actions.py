"""What sales and support do in the back-office when a customer writes: every action goes through the services and
lands in the admin history."""

from __future__ import annotations

import pytest
from django.contrib.admin.models import LogEntry
from django.test import Client

from stint.accounts.models import Account, User
from stint.billing.models import CreditNote, Invoice, Payment, Subscription
from stint.billing.services import subscription_purchase
from stint.core.clock import FrozenClock
from stint.core.models import OutboxMessage
from stint.notifications.models import AccountEvent
from tests.billing.conftest import VISA
from tests.conftest import Person, deliver


@pytest.fixture
def sales(db: None) -> Client:
    staff = User.objects.create_superuser("sales@stint.localhost", "correct horse battery", name="Sam Sales")
    client = Client()
    client.force_login(staff)
    return client


def subscription_of(person: Person) -> Subscription:
    return Subscription.objects.get(account=person.account)


def test_sales_sells_an_annual_plan_by_bank_transfer_with_a_po(
    frozen: FrozenClock, sales: Client, alice: Person
) -> None:
    pk = subscription_of(alice).pk
    response = sales.post(
        f"/backoffice/billing/subscription/{pk}/sell/",
        {"plan": "enterprise", "interval": "year", "payment_method": "bank_transfer", "po_number": "PO-2026-17"},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    sub = subscription_of(alice)
    assert (sub.edition, sub.interval, sub.payment_method_type, sub.po_number) == (
        "enterprise", "year", "bank_transfer", "PO-2026-17",
    )  # fmt: skip
    invoice = Invoice.objects.get()
    assert (invoice.status, invoice.total_minor, invoice.po_number) == ("open", 15000, "PO-2026-17")
    assert "PO-2026-17" in LogEntry.objects.get().get_change_message()
    assert AccountEvent.objects.filter(account=alice.account, type="subscription.purchased").exists()


def test_a_monthly_bank_transfer_is_refused_next_to_the_field(
    frozen: FrozenClock, sales: Client, alice: Person
) -> None:
    pk = subscription_of(alice).pk
    response = sales.post(
        f"/backoffice/billing/subscription/{pk}/sell/",
        {"plan": "regular", "interval": "month", "payment_method": "check", "po_number": ""},
    )
    assert response.status_code == 200
    assert "annual plans only" in response.content.decode()
    assert subscription_of(alice).edition == "trial" and not Invoice.objects.exists()


def test_sales_cancels_and_resumes_at_the_customers_request(frozen: FrozenClock, sales: Client, alice: Person) -> None:
    subscription_purchase(
        account=alice.account, actor=alice.user, plan="regular", interval="month", payment_method=VISA
    )
    pk = subscription_of(alice).pk
    changelist = "/backoffice/billing/subscription/"
    sales.post(changelist, {"action": "cancel_at_period_end", "_selected_action": [pk]})
    assert subscription_of(alice).cancel_at_period_end is True
    sales.post(changelist, {"action": "resume", "_selected_action": [pk]})
    assert subscription_of(alice).cancel_at_period_end is False
    types = list(AccountEvent.objects.filter(account=alice.account).values_list("type", flat=True))
    assert types.count("subscription.cancelled") == 1 and types.count("subscription.resumed") == 1
    assert LogEntry.objects.count() == 2


def test_sales_refunds_a_purchase(frozen: FrozenClock, sales: Client, alice: Person) -> None:
    subscription_purchase(
        account=alice.account, actor=alice.user, plan="regular", interval="month", payment_method=VISA
    )
    pk = subscription_of(alice).pk
    assert b"Refund USD 9.00 and move to Free" in sales.get(f"/backoffice/billing/subscription/{pk}/refund/").content
    sales.post(f"/backoffice/billing/subscription/{pk}/refund/")
    assert subscription_of(alice).edition == "free"
    assert CreditNote.objects.get().refund_minor == 900


def test_support_issues_a_partial_credit_note_with_a_reason(frozen: FrozenClock, sales: Client, alice: Person) -> None:
    _, invoice = subscription_purchase(
        account=alice.account, actor=alice.user, plan="regular", interval="month", payment_method=VISA
    )
    response = sales.post(
        f"/backoffice/billing/invoice/{invoice.pk}/credit/",
        {"amount": "2.50", "reason": "Outage on 3 February: goodwill credit", "refund": "on"},
    )
    assert response.status_code == 302
    note = CreditNote.objects.get()
    assert (note.total_minor, note.refund_minor, note.memo) == (250, 250, "Outage on 3 February: goodwill credit")
    assert Payment.objects.filter(kind="refund", amount_minor=250).exists()
    too_much = sales.post(
        f"/backoffice/billing/invoice/{invoice.pk}/credit/", {"amount": "9.00", "reason": "again", "refund": ""}
    )
    assert "at most the USD 6.50" in too_much.content.decode()


def test_sales_changes_the_owner(frozen: FrozenClock, sales: Client, alice: Person, bob: Person) -> None:
    response = sales.post(f"/backoffice/accounts/account/{alice.account.pk}/owner/", {"membership": bob.membership.pk})
    assert response.status_code == 302
    assert Account.objects.get(pk=alice.account.pk).owner_id == bob.user.pk


def test_support_sends_an_email_again(frozen: FrozenClock, sales: Client, alice: Person) -> None:
    subscription_purchase(
        account=alice.account, actor=alice.user, plan="regular", interval="month", payment_method=VISA
    )
    deliver()
    invoice_mail = OutboxMessage.objects.filter(payload__subject__startswith="New invoice").get()
    sales.post("/backoffice/core/outboxmessage/", {"action": "send_again", "_selected_action": [invoice_mail.pk]})
    assert OutboxMessage.objects.filter(dedupe_key=f"{invoice_mail.dedupe_key}:again:1", status="pending").exists()


def test_customers_cannot_use_the_back_office_actions(frozen: FrozenClock, alice: Person) -> None:
    client = Client()
    client.force_login(alice.user)
    pk = subscription_of(alice).pk
    response = client.post(f"/backoffice/billing/subscription/{pk}/sell/", {"plan": "regular"})
    assert response.status_code == 302 and "/login/" in response["Location"]
    assert subscription_of(alice).edition == "trial"
