"""What our staff do for a customer in the back-office: a credit note or refund with a reason, and recording a
refund sent by bank transfer or check."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction

from stint.accounts.models import User
from stint.billing.models import CreditNote, Invoice, Payment
from stint.billing.periods import whole_second
from stint.billing.services.collection import payment_refund
from stint.billing.services.common import event, money, subscription_locked
from stint.billing.services.documents import Line, credit_note_issue, creditable_minor
from stint.billing.services.lifecycle import cash_left
from stint.core import clock
from stint.core.errors import Conflict, Forbidden, Invalid
from stint.notifications.models import EventType


def credit_note_by_staff(*, invoice_id: int, amount_minor: int, reason: str, refund: bool, actor: User) -> CreditNote:
    """Credit part of an invoice (tax included) with a reason; paid back to where it came from with `refund`,
    else added to the credit balance (or taken off what is still owed on an unpaid invoice)."""
    if not actor.is_staff:
        raise Forbidden("Only our staff can issue a credit note.", "staff_only")
    reason = reason.strip()
    if not reason:
        raise Invalid("Give the reason: it is printed on the credit note.", "reason_missing", field="reason")
    with transaction.atomic():
        invoice = Invoice.objects.select_related("account").get(pk=invoice_id)
        subscription = subscription_locked(invoice.account)
        invoice = Invoice.objects.select_for_update().get(pk=invoice_id)
        room = creditable_minor(invoice)
        if invoice.status == Invoice.Status.VOID:
            raise Invalid(f"{invoice.number} is void: there is nothing to credit.", "invoice_void", field="amount")
        if amount_minor <= 0 or amount_minor > room:
            raise Invalid(
                f"The amount must be more than zero and at most the {money(room, invoice.currency)} "
                f"{invoice.number} has left to credit.",
                "credit_amount_invalid",
                field="amount",
            )
        refund_minor = min(amount_minor, cash_left(invoice)) if refund else 0
        if refund and refund_minor < amount_minor:
            raise Invalid(
                f"Only {money(refund_minor, invoice.currency)} of {invoice.number} was paid and not yet refunded; "
                "refund at most that, or credit the rest to the balance.",
                "refund_exceeds_paid",
                field="amount",
            )
        at = whole_second(clock.now())
        line = Line(
            description=reason[:300],
            quantity=1,
            unit_amount_minor=amount_minor,
            amount_minor=amount_minor,
            period_start=invoice.period_start,
            period_end=invoice.period_end,
        )
        note = credit_note_issue(
            subscription=subscription,
            invoice=invoice,
            reason=CreditNote.Reason.ADJUSTMENT,
            lines=[line],
            at=at,
            refund_minor=refund_minor,
            memo=reason[:300],
            gross=True,
        )
        if refund_minor:
            payment_refund(invoice=invoice, note=note, amount_minor=refund_minor, at=at)
        settled = (
            f"{money(refund_minor, invoice.currency)} refunded"
            if refund_minor
            else f"{money(note.credit_minor, note.currency)} added to the credit balance"
            if note.credit_minor
            else f"{money(note.applied_minor, note.currency)} taken off what is owed"
        )
        event(
            account=invoice.account,
            type=EventType.CREDIT_NOTE_ISSUED,
            actor=actor,
            credit_note=note,
            summary=f"Credit note {note.number} of {money(note.total_minor, note.currency)} against invoice "
            f"{invoice.number} ({settled}): {reason}",
        )
    return note


def refund_paid_back_record(*, payment_id: int, reference: str, paid_at: datetime, actor: User) -> Payment:
    """Sales records that a refund owed by bank transfer or check has been sent (back-office): the refund's date
    and the transfer's reference or check number, for the books and for the customer's questions."""
    if not actor.is_staff:
        raise Forbidden("Only our staff can record a refund sent.", "staff_only")
    reference = reference.strip()
    if not reference:
        raise Invalid(
            "Enter the reference of the bank transfer or the number of the check sent.", "reference_missing",
            field="reference",
        )  # fmt: skip
    if paid_at > clock.now():
        raise Invalid("A refund cannot be sent in the future.", "paid_in_future", field="paid_on")
    with transaction.atomic():
        payment = Payment.objects.select_for_update().select_related("account", "invoice").get(pk=payment_id)
        if payment.kind != Payment.Kind.MANUAL_REFUND:
            raise Invalid(
                "Only refunds owed by bank transfer or check are sent by us; card refunds go back through the card "
                "network.",
                "not_an_out_of_band_refund",
            )
        if payment.status != Payment.Status.PENDING:
            sent = f" on {payment.paid_back_at:%Y-%m-%d}" if payment.paid_back_at else ""
            raise Conflict(
                f"This refund was already recorded as sent{sent} (reference {payment.reference or 'none'}).",
                "refund_already_recorded",
            )
        if paid_at < payment.created_at.replace(hour=0, minute=0, second=0, microsecond=0):
            raise Invalid(
                f"The refund was issued on {payment.created_at:%Y-%m-%d}; it cannot have been sent before that.",
                "paid_before_issued",
                field="paid_on",
            )
        payment.status = Payment.Status.SUCCEEDED
        payment.reference = reference[:100]
        payment.paid_back_at = paid_at
        payment.recorded_by = actor
        payment.save(update_fields=["status", "reference", "paid_back_at", "recorded_by"])
    return payment
