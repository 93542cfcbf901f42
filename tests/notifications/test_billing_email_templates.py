"""Every billing event's email tells the owner, at a glance, what happened, the amounts, what to do and where.

Each test drives the real service that records the events, delivers the outbox through the real SMTP server and
reads what arrived. Every test also checks, for every event of the account, that exactly one email went to the owner,
and that no template placeholder, `None` or empty list leaked into any email.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from datetime import timedelta
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from stint.accounts.models import User
from stint.accounts.services import named_user_add, named_user_deactivate
from stint.billing.models import Invoice
from stint.billing.services import (
    billing_tick,
    subscription_cancel,
    subscription_change,
    subscription_purchase,
    subscription_refund,
    subscription_resume,
)
from stint.billing.services.collection import invoice_payment_record
from stint.billing.services.subscriptions import subscription_po_document_set
from stint.core.clock import FrozenClock
from stint.core.errors import PaymentRequired
from stint.notifications.models import AccountEvent
from tests.billing import conftest as billing
from tests.billing.conftest import FAILS_LATER, VISA
from tests.conftest import Mailbox, Person, body_html, body_text, deliver

frozen = billing.frozen  # the clock at 2026-01-31 09:00 UTC (declare it before the people)
DAY = 86400
LEAKS = ("{{", "}}", "{%", "%}", "None", "[]")


@dataclass
class Email:
    subject: str
    text: str
    html: str
    message: EmailMessage

    @property
    def pdfs(self) -> list[str]:
        return [
            part.get_filename() or ""
            for part in self.message.iter_attachments()
            if part.get_content_type() == "application/pdf"
        ]

    def says(self, *fragments: str) -> None:
        """Both parts carry each fragment, as a person reads them (the HTML part without its tags and escapes)."""
        text = " ".join(self.text.split())
        shown = " ".join(html.unescape(re.sub(r"<[^>]+>", " ", self.html)).split())
        shown = re.sub(r" ([.,:;)])", r"\1", shown)
        links = " ".join(re.findall(r'href="([^"]+)"', self.html))
        for fragment in fragments:
            assert fragment in text, f"{fragment!r} not in the text part:\n{self.text}"
            assert fragment in shown or fragment in links, f"{fragment!r} not in the HTML part:\n{shown}"


class Inbox:
    """The owner's emails, by the event that caused them."""

    def __init__(self, mailbox: Mailbox, owner: Person) -> None:
        self.mailbox = mailbox
        self.owner = owner

    def of(self, type: str) -> list[Email]:
        """Deliver what is queued, check every email of the account, and answer those of one event type, oldest
        first."""
        deliver()
        by_event: dict[int, list[EmailMessage]] = {}
        for message in self.mailbox.messages:
            for part in (str(message["Subject"]), body_text(message), body_html(message)):
                assert not [leak for leak in LEAKS if leak in part], f"A leak in {message['Subject']}:\n{part}"
            key = str(message["X-Stint-Key"] or "")
            if key.startswith("event:"):
                by_event.setdefault(int(key.split(":")[1]), []).append(message)
        events = AccountEvent.objects.filter(account=self.owner.account).order_by("id")
        for event in events:
            received = by_event.get(event.pk, [])
            assert [str(m["To"]) for m in received] == [self.owner.email], (event.type, event.summary)
        return [
            Email(str(m["Subject"]).strip(), body_text(m), body_html(m), m)
            for event in events
            if event.type == type
            for m in by_event[event.pk]
        ]

    def one(self, type: str) -> Email:
        emails = self.of(type)
        assert len(emails) == 1, [e.subject for e in emails]
        return emails[0]


@pytest.fixture
def inbox(mailbox: Mailbox, alice: Person) -> Inbox:
    return Inbox(mailbox, alice)


def buy(person: Person, *, payment_method: dict[str, object] = VISA, interval: str = "month", po: str = "") -> None:
    subscription_purchase(
        account=person.account,
        actor=person.user,
        plan="regular",
        interval=interval,
        payment_method=payment_method,
        po_number=po,
    )


def pdf_link(number: str) -> str:
    return f"/settings/account/invoices/{Invoice.objects.get(number=number).pk}/pdf/"


# --- buying --------------------------------------------------------------------------------------------------------


def test_a_card_purchase_emails_what_was_bought_its_invoice_and_its_payment(
    frozen: FrozenClock, alice: Person, inbox: Inbox
) -> None:
    buy(alice, po="PO-1")

    bought = inbox.one("subscription.purchased")
    assert bought.subject == "You bought Regular (monthly) for Account A"
    bought.says(
        "Regular (monthly)",
        "1 at USD 9.00 each a month",
        "USD 9.00",
        "INV-2026-000001",
        "2026-02-28 09:00 UTC",
        "Visa •••• 4242",
        "PO-1",
        "Paid on 2026-01-31",
        "full refund",
    )
    bought.says(pdf_link("INV-2026-000001"))
    invoice = inbox.one("invoice.created")
    assert invoice.subject == "New invoice INV-2026-000001: USD 9.00"
    invoice.says(
        "USD 9.00",
        "2026-01-31 to 2026-02-28",
        "new subscription",
        "Paid on 2026-01-31 (Visa •••• 4242). Nothing to do.",
        "PO-1",
        pdf_link("INV-2026-000001"),
    )
    assert "Amount due: USD 9.00" in invoice.text
    assert invoice.pdfs == ["INV-2026-000001.pdf"]
    paid = inbox.one("payment.succeeded")
    assert paid.subject == "Invoice INV-2026-000001: USD 9.00 paid"
    paid.says("we received USD 9.00", "Visa •••• 4242", "paid in full")


def test_a_bank_transfer_purchase_asks_for_a_transfer_quoting_the_invoice_by_its_due_date(
    frozen: FrozenClock, alice: Person, inbox: Inbox
) -> None:
    buy(alice, payment_method={"type": "bank_transfer"}, interval="year")

    bought = inbox.one("subscription.purchased")
    assert bought.subject == "You bought Regular (annual) for Account A"
    bought.says("1 at USD 90.00 each a year", "Bank transfer", "2027-01-31 09:00 UTC")
    invoice = inbox.one("invoice.created")
    assert invoice.subject == "New invoice INV-2026-000001: USD 90.00"
    invoice.says("pay USD 90.00 by bank transfer, quoting", "INV-2026-000001", "as the payment reference", "2026-03-02")
    assert inbox.of("payment.succeeded") == []


def test_a_check_purchase_asks_for_a_check_to_the_seller(frozen: FrozenClock, alice: Person, inbox: Inbox) -> None:
    buy(alice, payment_method={"type": "check"}, interval="year")

    inbox.one("invoice.created").says("send a check for USD 90.00 to the order of", "INV-2026-000001 written on it")


def test_a_declined_purchase_emails_that_nothing_was_bought(frozen: FrozenClock, alice: Person, inbox: Inbox) -> None:
    with pytest.raises(PaymentRequired):
        buy(alice, payment_method=FAILS_LATER)

    failed = inbox.one("payment.failed")
    assert failed.subject == "Payment failed for invoice INV-2026-000001 (USD 9.00)"
    failed.says(
        "We could not charge USD 9.00 to Visa •••• 0341",
        "declined",
        "Nothing was bought",
        "buy again with another card in Settings / My Account",
    )
    assert inbox.of("invoice.created") == []


# --- named users ---------------------------------------------------------------------------------------------------


def test_adding_a_named_user_in_a_paid_period_emails_the_prorated_charge(
    frozen: FrozenClock, alice: Person, inbox: Inbox
) -> None:
    buy(alice)
    frozen.advance(14 * DAY)  # half of the 28-day period

    named_user_add(account=alice.account, actor=alice.user, email="bob@example.com", name="Bob Baker")

    added = inbox.one("user.added")
    assert added.subject == "Bob Baker was added to Account A"
    added.says(
        "Charged USD 4.50 (invoice INV-2026-000002)",
        "bob@example.com",
        "charged at once, prorated to the end of the current period",
    )
    invoice = inbox.of("invoice.created")[-1]
    assert invoice.subject == "New invoice INV-2026-000002: USD 4.50"
    invoice.says("named users added", "Bob Baker", "USD 4.50")
    assert invoice.pdfs == ["INV-2026-000002.pdf"]
    assert inbox.of("payment.succeeded")[-1].subject == "Invoice INV-2026-000002: USD 4.50 paid"


def test_adding_a_named_user_in_the_trial_says_it_costs_nothing(alice: Person, inbox: Inbox) -> None:
    named_user_add(account=alice.account, actor=alice.user, email="bob@example.com", name="Bob Baker")

    inbox.one("user.added").says("No charge: during the trial, named users cost nothing.")
    assert inbox.of("invoice.created") == []


def test_a_failed_seat_charge_emails_that_the_user_was_not_added(
    frozen: FrozenClock, alice: Person, inbox: Inbox
) -> None:
    buy(alice)
    subscription_change(account=alice.account, actor=alice.user, payment_method=FAILS_LATER)
    frozen.advance(14 * DAY)

    with pytest.raises(PaymentRequired):
        named_user_add(account=alice.account, actor=alice.user, email="bob@example.com", name="Bob Baker")

    failed = inbox.one("payment.failed")
    assert failed.subject == "Payment failed for invoice INV-2026-000002 (USD 4.50)"
    failed.says(
        "Visa •••• 0341",
        "The named user was not added and nothing was charged",
        "update the card in Settings / My Account, then add the user again",
    )
    assert inbox.of("user.added") == []


def test_removing_a_named_user_emails_the_credit_and_its_credit_note(
    frozen: FrozenClock, alice: Person, inbox: Inbox
) -> None:
    buy(alice)
    frozen.advance(7 * DAY)
    bob = named_user_add(account=alice.account, actor=alice.user, email="bob@example.com", name="Bob Baker")
    frozen.advance(7 * DAY)

    named_user_deactivate(account=alice.account, actor=alice.user, membership=bob)

    removed = inbox.one("user.removed")
    assert removed.subject == "Bob Baker was removed from Account A"
    removed.says("Credited USD 4.50 to the balance (CN-2026-000001)", "taken off your next invoice")
    note = inbox.one("credit_note.issued")
    assert note.subject == "Credit note CN-2026-000001: USD 4.50 for invoice INV-2026-000002"
    note.says(
        "named users removed",
        "Added to your credit balance",
        "Credit balance now",
        "USD 4.50",
        "taken off your next invoice automatically",
        "/settings/account/credit-notes/",
    )
    assert note.pdfs == ["CN-2026-000001.pdf"]


# --- changes -------------------------------------------------------------------------------------------------------


def test_a_plan_change_emails_the_new_plan_the_charge_and_the_credit_applied(
    frozen: FrozenClock, alice: Person, inbox: Inbox
) -> None:
    buy(alice)
    frozen.advance(14 * DAY)

    subscription_change(account=alice.account, actor=alice.user, plan="enterprise")

    changed = inbox.one("subscription.changed")
    assert changed.subject == "Account A is now on Enterprise (monthly)"
    changed.says(
        "from Regular (monthly) to Enterprise (monthly)",
        "1 named user at USD 15.00 each a month",
        "USD 7.50",
        "-USD 4.50",
        "USD 3.00",
        "2026-02-28 09:00 UTC",
        "Paid on 2026-02-14",
    )
    assert inbox.one("credit_note.issued").subject == "Credit note CN-2026-000001: USD 4.50 for invoice INV-2026-000001"
    assert inbox.of("invoice.created")[-1].subject == "New invoice INV-2026-000002: USD 7.50"
    assert inbox.of("payment.succeeded")[-1].subject == "Invoice INV-2026-000002: USD 3.00 paid"


def test_a_declined_plan_change_emails_that_nothing_changed(frozen: FrozenClock, alice: Person, inbox: Inbox) -> None:
    buy(alice)
    subscription_change(account=alice.account, actor=alice.user, payment_method=FAILS_LATER)

    with pytest.raises(PaymentRequired):
        subscription_change(account=alice.account, actor=alice.user, plan="enterprise")

    failed = inbox.one("payment.failed")
    assert failed.subject == "Payment failed for your subscription change"
    failed.says(
        "The change was not made",
        "declined",
        "Your subscription stays as it was and nothing was charged",
        "update the card in Settings / My Account, then make the change again",
    )


def test_a_payment_method_change_names_the_new_card_and_nothing_else_of_it(
    frozen: FrozenClock, alice: Person, inbox: Inbox
) -> None:
    buy(alice)

    subscription_change(account=alice.account, actor=alice.user, payment_method=FAILS_LATER)

    changed = inbox.one("payment_method.changed")
    assert changed.subject == "The payment method of Account A was changed"
    changed.says("Alice Archer set the payment method to Visa •••• 0341.", "the next attempt uses the new card")
    assert "4000000000000341" not in changed.text + changed.html


def test_a_po_number_change_emails_the_old_and_the_new_number(frozen: FrozenClock, alice: Person, inbox: Inbox) -> None:
    buy(alice, po="PO-1")

    subscription_change(account=alice.account, actor=alice.user, po_number="PO-2")

    changed = inbox.one("po.changed")
    assert changed.subject == "The purchase order of Account A was changed"
    changed.says("from PO-1 to PO-2", "printed on every invoice issued from now on")


def test_a_po_document_change_emails_what_happened_to_the_document(
    frozen: FrozenClock, alice: Person, inbox: Inbox, settings: Any, tmp_path: Path
) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"
    buy(alice)
    document = SimpleUploadedFile("PO 7.pdf", b"%PDF-1.4\n%%EOF\n", content_type="application/pdf")

    subscription_po_document_set(account=alice.account, actor=alice.user, document=document)

    added = inbox.one("po.changed")
    assert added.subject == "The purchase order of Account A was changed"
    added.says("Alice Archer added the PO document PO_7.pdf.", "download it in My Account")
    assert "printed on every invoice" not in added.text


def test_cancelling_and_resuming_email_when_the_subscription_ends_or_renews(
    frozen: FrozenClock, alice: Person, inbox: Inbox
) -> None:
    buy(alice)

    subscription_cancel(account=alice.account, actor=alice.user)
    subscription_resume(account=alice.account, actor=alice.user)

    cancelled = inbox.one("subscription.cancelled")
    assert cancelled.subject == "Your subscription is cancelled and ends on 2026-02-28"
    cancelled.says(
        "cancelled by Alice Archer",
        "until 2026-02-28 09:00 UTC",
        "Free edition",
        "Resume the subscription before 2026-02-28 09:00 UTC",
    )
    resumed = inbox.one("subscription.resumed")
    assert resumed.subject == "Your subscription is resumed and renews on 2026-02-28"
    resumed.says("renews on 2026-02-28 09:00 UTC", "USD 9.00 each a month")


def test_a_cancelled_subscription_emails_the_fall_back_to_free_at_its_end(
    frozen: FrozenClock, alice: Person, inbox: Inbox
) -> None:
    buy(alice)
    subscription_cancel(account=alice.account, actor=alice.user)
    frozen.advance(28 * DAY)

    billing_tick()

    free = inbox.one("subscription.reverted_to_free")
    assert free.subject == "Account A is now on the Free edition"
    free.says(
        "now on Free",
        "the subscription was cancelled and its period has ended",
        "Regular: USD 9.00 a month or USD 90.00 a year per named user",
        "Enterprise: USD 15.00 a month",
    )


def test_a_refund_emails_the_amount_its_credit_note_and_the_fall_back_to_free(
    frozen: FrozenClock, alice: Person, inbox: Inbox
) -> None:
    buy(alice)
    frozen.advance(5 * DAY)

    subscription_refund(account=alice.account, actor=alice.user)

    refund = inbox.one("refund.issued")
    assert refund.subject == "Purchase cancelled: USD 9.00 refunded"
    refund.says("USD 9.00 refunded (to Visa •••• 4242)", "Refunded", "a few business days")
    note = inbox.one("credit_note.issued")
    assert note.subject == "Credit note CN-2026-000001: USD 9.00 for invoice INV-2026-000001"
    note.says("purchase cancelled and refunded", "Refunded", "the refund goes back the way the invoice was paid")
    assert note.pdfs == ["CN-2026-000001.pdf"]
    assert inbox.one("subscription.reverted_to_free").subject == "Account A is now on the Free edition"


# --- over time: renewals, dunning, reminders, the trial ------------------------------------------------------------


def test_a_renewal_emails_the_new_period_and_its_paid_invoice(
    frozen: FrozenClock, alice: Person, bob: Person, inbox: Inbox
) -> None:
    buy(alice)
    frozen.advance(28 * DAY)

    billing_tick()

    renewed = inbox.one("subscription.renewed")
    assert renewed.subject == "Regular renewed until 2026-03-31: invoice INV-2026-000002"
    renewed.says(
        "2 named users",
        "until 2026-03-31 09:00 UTC",
        "USD 9.00 each",
        "USD 18.00",
        "2026-02-28 to 2026-03-31",
        "Paid on 2026-02-28 (Visa •••• 4242)",
    )
    assert inbox.of("invoice.created")[-1].subject == "New invoice INV-2026-000002: USD 18.00"
    assert inbox.of("payment.succeeded")[-1].subject == "Invoice INV-2026-000002: USD 18.00 paid"


def test_a_failed_renewal_emails_each_retry_date_and_then_the_fall_back_to_free(
    frozen: FrozenClock, alice: Person, inbox: Inbox
) -> None:
    buy(alice)
    subscription_change(account=alice.account, actor=alice.user, payment_method=FAILS_LATER)
    frozen.advance(28 * DAY)  # the renewal, 2026-02-28 09:00

    billing_tick()

    inbox.one("subscription.renewed").says("did not go through", "update the card in Settings / My Account")
    first = inbox.one("payment.failed")
    assert first.subject == "Payment failed for invoice INV-2026-000002 (USD 9.00)"
    first.says(
        "Visa •••• 0341",
        "stays active for now",
        "update the card in Settings / My Account before",
        "2026-03-01 09:00 UTC",
        "still unpaid on 2026-03-14",
        "falls back to the Free edition",
    )
    for _ in range(14):
        frozen.advance(DAY)
        billing_tick()
    failures = inbox.of("payment.failed")
    assert [f.subject for f in failures] == ["Payment failed for invoice INV-2026-000002 (USD 9.00)"] * 4
    failures[1].says("2026-03-03 09:00 UTC")
    failures[2].says("2026-03-07 09:00 UTC")
    failures[3].says("That was the last attempt", "2026-03-14")
    free = inbox.one("subscription.reverted_to_free")
    free.says("now on Free", "INV-2026-000002 was still unpaid 14 days after the first failed charge")


def test_a_bank_transfer_invoice_emails_reminders_then_overdue_then_the_payment(
    frozen: FrozenClock, alice: Person, inbox: Inbox
) -> None:
    buy(alice, payment_method={"type": "bank_transfer"}, interval="year", po="PO-77")
    invoice = Invoice.objects.get()
    frozen.advance(23 * DAY)  # 7 days before the due date, 2026-03-02 09:00
    billing_tick()
    frozen.set(invoice.due_at - timedelta(hours=8))
    billing_tick()
    frozen.set(invoice.due_at)
    billing_tick()

    soon, today = inbox.of("invoice.due_soon")
    assert soon.subject == "Invoice INV-2026-000001 (USD 90.00) is due on 2026-03-02"
    soon.says(
        "is due on 2026-03-02",
        "pay USD 90.00 by bank transfer, quoting",
        "as the payment reference",
        "by 2026-03-02",
        "PO-77",
        pdf_link("INV-2026-000001"),
    )
    assert today.subject == "Invoice INV-2026-000001 (USD 90.00) is due today"
    today.says("is due today", "USD 90.00 still to pay")
    overdue = inbox.one("invoice.overdue")
    assert overdue.subject == "Invoice INV-2026-000001 (USD 90.00) is overdue"
    overdue.says("was due on 2026-03-02", "USD 90.00", "still unpaid on 2026-03-16", "falls back to the Free edition")

    staff = User.objects.create_superuser("sales@stint.localhost", "correct horse battery", name="Sam Sales")
    invoice_payment_record(
        invoice_id=invoice.pk, amount_minor=4000, reference="BANK-REF-9", paid_at=frozen.now(), actor=staff
    )

    paid = inbox.one("payment.succeeded")
    assert paid.subject == "Invoice INV-2026-000001: USD 40.00 paid"
    paid.says("we received USD 40.00", "BANK-REF-9", "Still to pay", "USD 50.00", "pay the remaining USD 50.00")


def test_the_trial_emails_three_days_before_it_ends_and_when_it_has_ended(
    frozen: FrozenClock, alice: Person, inbox: Inbox
) -> None:
    frozen.advance(27 * DAY + 1)
    billing_tick()

    ending = inbox.one("trial.ending")
    assert ending.subject == "Your Stint trial ends on 2026-03-02"
    ending.says(
        "ends on 2026-03-02 09:00 UTC",
        "all your named users (1 now)",
        "buy a plan before then",
        "Regular: USD 9.00 a month or USD 90.00 a year per named user",
        "Enterprise: USD 15.00 a month or USD 150.00 a year per named user",
        "3 named users and the newest 300 time records",
    )

    frozen.advance(3 * DAY)
    billing_tick()

    ended = inbox.one("trial.ended")
    assert ended.subject == "Your Stint trial has ended: Account A is now on Free"
    ended.says("ended on 2026-03-02 09:00 UTC", "Free edition", "3 named users", "Nothing is deleted", "buy a plan")
