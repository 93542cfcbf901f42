"""Getting paid and paying back: card charges (synchronous, idempotent), recorded payments, refunds."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction

from stint.accounts.models import User
from stint.billing.gateways import ChargeFailed, gateway
from stint.billing.models import CreditNote, Invoice, Payment, PaymentMethodType, Subscription
from stint.billing.services.common import event, money
from stint.billing.services.documents import invoice_outstanding
from stint.core import clock
from stint.core.errors import Conflict, Invalid
from stint.notifications.models import EventType


def invoice_announce(*, invoice: Invoice, actor: User | None = None) -> None:
    """The invoice.created event, its PDF attached."""
    event(
        account=invoice.account,
        type=EventType.INVOICE_CREATED,
        actor=actor,
        invoice=invoice,
        summary=f"Invoice {invoice.number} of {money(invoice.total_minor, invoice.currency)} "
        f"({invoice.get_billing_reason_display().lower()}); "
        f"amount due {money(invoice.amount_due_minor, invoice.currency)}.",
    )


def invoice_collect(
    *, subscription: Subscription, invoice: Invoice, at: datetime, actor: User | None = None
) -> ChargeFailed | None:
    """Charge an open invoice to the subscription's card, once per attempt (the idempotency key is the invoice
    number and attempt). Answers the failure, if any; the caller decides between voiding and retrying. Invoices
    paid by bank transfer or check stay open until sales records the payment."""
    if invoice.status != Invoice.Status.OPEN or subscription.payment_method_type != PaymentMethodType.CARD:
        return None
    invoice.payment_attempts += 1
    key = f"{invoice.number}:{invoice.charge_key}:charge:{invoice.payment_attempts}"
    amount = invoice_outstanding(invoice)
    try:
        charge = gateway().charge(
            card_reference=subscription.card_reference,
            amount_minor=amount,
            currency=invoice.currency,
            idempotency_key=key,
        )
    except ChargeFailed as failure:
        Payment.objects.create(
            account_id=invoice.account_id,
            invoice=invoice,
            kind=Payment.Kind.CHARGE,
            status=Payment.Status.FAILED,
            amount_minor=amount,
            currency=invoice.currency,
            gateway=subscription.gateway,
            idempotency_key=key,
            failure_code=failure.code,
            failure_message=failure.detail[:300],
            created_at=at,
        )
        invoice.first_failed_at = invoice.first_failed_at or at
        invoice.save(update_fields=["payment_attempts", "first_failed_at"])
        event(
            account=invoice.account,
            type=EventType.PAYMENT_FAILED,
            actor=actor,
            invoice=invoice,
            summary=f"The charge of {money(amount, invoice.currency)} for invoice {invoice.number} to "
            f"{subscription.card_brand.title()} •••• {subscription.card_last4} failed: {failure.detail}",
            failure_code=failure.code,
        )
        return failure
    Payment.objects.create(
        account_id=invoice.account_id,
        invoice=invoice,
        kind=Payment.Kind.CHARGE,
        status=Payment.Status.SUCCEEDED,
        amount_minor=amount,
        currency=invoice.currency,
        gateway=subscription.gateway,
        reference=charge.reference,
        idempotency_key=key,
        created_at=at,
    )
    invoice.amount_paid_minor += amount
    invoice.status = Invoice.Status.PAID
    invoice.paid_at = at
    invoice.next_attempt_at = None
    invoice.save(update_fields=["payment_attempts", "amount_paid_minor", "status", "paid_at", "next_attempt_at"])
    event(
        account=invoice.account,
        type=EventType.PAYMENT_SUCCEEDED,
        actor=actor,
        invoice=invoice,
        summary=f"{money(amount, invoice.currency)} was charged to {subscription.card_brand.title()} •••• "
        f"{subscription.card_last4} for invoice {invoice.number}.",
    )
    return None


def invoice_payment_record(
    *, invoice_id: int, amount_minor: int, reference: str, paid_at: datetime, actor: User
) -> Invoice:
    """Sales records a bank transfer or check received (back-office); the invoice is paid once everything owed on
    it has arrived."""
    reference = reference.strip()
    if not reference:
        raise Invalid("Enter the bank or check reference of the payment.", "reference_missing", field="reference")
    if paid_at > clock.now():
        raise Invalid("A payment cannot be received in the future.", "paid_in_future", field="paid_on")
    with transaction.atomic():
        invoice = Invoice.objects.select_for_update().select_related("account").get(pk=invoice_id)
        return _payment_record(invoice=invoice, amount_minor=amount_minor, reference=reference, at=paid_at, actor=actor)


def _payment_record(*, invoice: Invoice, amount_minor: int, reference: str, at: datetime, actor: User) -> Invoice:
    if invoice.status != Invoice.Status.OPEN:
        raise Conflict(f"Invoice {invoice.number} is {invoice.status}, not open.", "invoice_not_open")
    outstanding = invoice_outstanding(invoice)
    if amount_minor <= 0 or amount_minor > outstanding:
        raise Invalid(
            f"The amount must be more than zero and at most the {money(outstanding, invoice.currency)} still owed.",
            "payment_amount_invalid",
            field="amount",
        )
    Payment.objects.create(
        account_id=invoice.account_id,
        invoice=invoice,
        kind=Payment.Kind.MANUAL,
        status=Payment.Status.SUCCEEDED,
        amount_minor=amount_minor,
        currency=invoice.currency,
        reference=reference[:100],
        idempotency_key=f"{invoice.number}:manual:{invoice.payments.count() + 1}",
        recorded_by=actor,
        created_at=at,
    )
    invoice.amount_paid_minor += amount_minor
    fields = ["amount_paid_minor"]
    if amount_minor == outstanding:
        invoice.status = Invoice.Status.PAID
        invoice.paid_at = at
        fields += ["status", "paid_at"]
    invoice.save(update_fields=fields)
    event(
        account=invoice.account,
        type=EventType.PAYMENT_SUCCEEDED,
        actor=actor,
        invoice=invoice,
        summary=f"A payment of {money(amount_minor, invoice.currency)} for invoice {invoice.number} was recorded "
        f"(reference {reference}).",
    )
    return invoice


def payment_refund(
    *,
    invoice: Invoice,
    note: CreditNote | None,
    amount_minor: int,
    at: datetime,
    also_from: list[Invoice] | None = None,
) -> None:
    """Pay back money collected: from the invoice's own payments first, then (`also_from`) from the payments of
    other invoices whose money reached this one through the credit balance. To the card through the gateway, or
    recorded as paid back out of band for bank transfers and checks."""
    remaining = amount_minor
    sources = [invoice, *(other for other in also_from or [] if other.pk != invoice.pk)]
    collected = [
        payment
        for source in sources
        for payment in source.payments.filter(
            status=Payment.Status.SUCCEEDED, kind__in=[Payment.Kind.CHARGE, Payment.Kind.MANUAL]
        ).order_by("-id")
    ]
    for payment in collected:
        refunded = sum(refund.amount_minor for refund in payment.refunds.all())
        share = min(remaining, payment.amount_minor - refunded)
        if share <= 0:
            continue
        key = f"{note.number if note else 'balance'}:refund:{payment.pk}:{payment.refunds.count() + 1}"
        if payment.kind == Payment.Kind.CHARGE:
            result = gateway().refund(charge_reference=payment.reference, amount_minor=share, idempotency_key=key)
            kind, status, reference = Payment.Kind.REFUND, Payment.Status.SUCCEEDED, result.reference
        else:
            # Owed back by bank transfer or check: sales records it in the back-office once sent.
            kind, status, reference = Payment.Kind.MANUAL_REFUND, Payment.Status.PENDING, ""
        Payment.objects.create(
            account_id=invoice.account_id,
            invoice_id=payment.invoice_id,
            credit_note=note,
            refund_of=payment,
            kind=kind,
            status=status,
            amount_minor=share,
            currency=invoice.currency,
            gateway=payment.gateway,
            reference=reference,
            idempotency_key=key,
            created_at=at,
        )
        remaining -= share
        if remaining == 0:
            return
    if remaining:
        raise ValueError(f"Invoice {invoice.number} and its sources have not collected {amount_minor} to refund.")
