"""What the billing services share: the locked subscription, prices, events with their documents attached."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from fractions import Fraction
from string import Formatter
from typing import Any

from django.urls import reverse

from stint.accounts.models import Account, User
from stint.accounts.selectors import active_user_count
from stint.billing.gateways.cards import card_label
from stint.billing.models import BillingReason, CreditNote, Invoice, Payment, Plan, Price, Subscription
from stint.billing.services.documents import invoice_outstanding
from stint.billing.services.payment_methods import OFFLINE_METHODS, payment_method_label
from stint.core.errors import Invalid
from stint.core.money import Money
from stint.notifications.models import EventType
from stint.notifications.services import SUBJECTS, event_record


def subscription_locked(account: Account) -> Subscription:
    """The account's subscription, row-locked until the transaction ends: every read-modify-write of billing state
    goes through here, so seat changes, renewals and refunds of one account happen one after the other."""
    return (
        Subscription.objects.select_for_update(of=("self",))
        .select_related("account", "account__owner", "plan")
        .get(account_id=account.pk)
    )


def money(amount_minor: int, currency: str) -> str:
    return Money(amount_minor, currency).format()


def price_for(*, plan_code: str, interval: str, currency: str = "USD") -> tuple[Plan, Price]:
    plan = Plan.objects.filter(code=plan_code).first()
    if plan is None or plan.code == "free":
        choices = ", ".join(Plan.objects.filter(is_active=True).exclude(code="free").values_list("code", flat=True))
        raise Invalid(f"There is no plan {plan_code!r} to buy; choose one of: {choices}.", "unknown_plan", field="plan")
    if interval not in ("month", "year"):
        raise Invalid("The interval is 'month' or 'year'.", "unknown_interval", field="interval")
    price = Price.objects.filter(plan=plan, interval=interval, currency=currency).first()
    if price is None or not plan.is_active:
        raise Invalid(
            f"{plan.name} is not sold by the {interval} at the moment.", "plan_not_available", field="interval"
        )
    return plan, price


def committed_round(committed_num: int, period_seconds: int) -> int:
    """round(V) of the period, half-even, in minor units."""
    return round(Fraction(committed_num, period_seconds))


def pdf_of(document: Invoice | CreditNote) -> list[dict[str, Any]]:
    render = "invoice_pdf" if isinstance(document, Invoice) else "credit_note_pdf"
    return [{"render": render, "id": document.pk}]


def event(
    *,
    account: Account,
    type: EventType,
    summary: str,
    actor: User | None = None,
    invoice: Invoice | None = None,
    credit_note: CreditNote | None = None,
    **data: Any,
) -> None:
    """Record an account event: stored, listed in My Account and mailed to the owner. Besides what the caller gives,
    `data` holds what the email says, written once here (amounts formatted, UTC dates, links into My Account), so
    the templates only lay strings out; a key the caller gives wins."""
    subscription = invoice.subscription if invoice is not None else _subscription_of(account)
    facts = _subscription_facts(subscription, account=account)
    if invoice is not None:
        facts |= _invoice_facts(invoice)
        if type in (EventType.PAYMENT_SUCCEEDED, EventType.PAYMENT_FAILED):
            facts |= _payment_facts(invoice, subscription=subscription, failed=type == EventType.PAYMENT_FAILED)
    if credit_note is not None:
        facts |= _credit_note_facts(credit_note)
    facts |= _type_facts(type, account=account, invoice=invoice, facts=facts, data=data)
    data = facts | data
    # A subject names what its event is about; should a caller not give that, the email still goes out with a
    # blank there, rather than a KeyError undoing the billing change it reports.
    for _, name, _, _ in Formatter().parse(SUBJECTS.get(type, "")):
        if name and name != "account":
            data.setdefault(name, "")
    attachments = None
    if type == EventType.INVOICE_CREATED and invoice is not None:
        attachments = pdf_of(invoice)
    if type == EventType.CREDIT_NOTE_ISSUED and credit_note is not None:
        attachments = pdf_of(credit_note)
    event_record(account=account, type=type, summary=summary, actor=actor, data=data, attachments=attachments)


# --- what an event's email says, formatted -------------------------------------------------------------------------

INTERVAL_WORDS = {"month": "monthly", "year": "annual"}
BILLING_REASON_WORDS: dict[str, str] = {
    BillingReason.PURCHASE: "new subscription",
    BillingReason.SEAT_CHANGE: "named users added",
    BillingReason.PLAN_CHANGE: "plan or billing interval change",
    BillingReason.RENEWAL: "subscription renewal",
}
CREDIT_REASON_WORDS: dict[str, str] = {
    CreditNote.Reason.SEAT_REMOVED: "named users removed",
    CreditNote.Reason.PLAN_CHANGE: "plan or billing interval change",
    CreditNote.Reason.REFUND: "purchase cancelled and refunded",
    CreditNote.Reason.ADJUSTMENT: "adjustment",
}


def _day(value: datetime | None) -> str:
    """The UTC calendar date, as documents write it: '2026-03-02'."""
    return value.astimezone(UTC).date().isoformat() if value else ""


def _moment(value: datetime | None) -> str:
    return f"{value.astimezone(UTC):%Y-%m-%d %H:%M} UTC" if value else ""


def _subscription_of(account: Account) -> Subscription | None:
    return Subscription.objects.select_related("plan").filter(account_id=account.pk).first()


def _subscription_facts(subscription: Subscription | None, *, account: Account) -> dict[str, Any]:
    """Plan, period and trial as they stand. Not the payment method or PO number: a change of those is saved after
    its event is recorded, so the subscription's row may still hold the previous one (the summary names the new)."""
    if subscription is None:
        return {"currency": "USD", "trial_ends_on": _day(account.trial_ends_at)}
    currency = subscription.currency
    trial_end = subscription.trial_ends_at or account.trial_ends_at
    end = subscription.current_period_end
    unit = subscription.unit_amount_minor
    balance = subscription.credit_balance_minor
    return {
        "currency": currency,
        "plan_name": subscription.plan.name if subscription.plan else "",
        "interval": subscription.interval,
        "interval_display": INTERVAL_WORDS.get(subscription.interval, ""),
        "seats": subscription.seats,
        "unit_price": money(unit, currency) if unit else "",
        "period_end_on": _day(end),
        "period_end_time": _moment(end),
        "trial_ends_on": _day(trial_end),
        "trial_ends_time": _moment(trial_end),
        "credit_balance": money(balance, currency) if balance > 0 else "",
    }


def _method_label(snapshot: dict[str, Any]) -> str:
    """'Visa •••• 4242', 'Bank transfer' or 'Check', from a document's payment method snapshot."""
    kind = snapshot.get("type", "")
    if kind == "card":
        return card_label(str(snapshot.get("brand", "")), str(snapshot.get("last4", "")))
    return {"bank_transfer": "Bank transfer", "check": "Check"}.get(kind, "")


def _payment_state(invoice: Invoice) -> str:
    """Where the invoice's money stands, which decides what the email asks the customer to do."""
    if invoice.status == Invoice.Status.VOID:
        return "void"
    if invoice.amount_due_minor == 0:
        return "covered"  # by the credit balance
    if invoice.amount_carried_minor and invoice.amount_carried_minor == invoice.amount_due_minor:
        return "carried"  # under the minimum charge: collected with the next invoice
    if invoice.status == Invoice.Status.PAID:
        return "paid"
    return "pay_offline" if invoice.payment_method.get("type") in OFFLINE_METHODS else "charge_card"


def _invoice_facts(invoice: Invoice) -> dict[str, Any]:
    currency = invoice.currency
    applied = invoice.balance_applied_minor
    outstanding = invoice_outstanding(invoice)
    return {
        "invoice_id": invoice.pk,
        "invoice_number": invoice.number,
        "amount_due_minor": invoice.amount_due_minor,
        "currency": currency,
        "invoice_status": invoice.status,
        "billing_reason": invoice.billing_reason,
        "billing_reason_display": BILLING_REASON_WORDS.get(invoice.billing_reason, invoice.billing_reason),
        "total": money(invoice.total_minor, currency),
        "tax": money(invoice.tax_minor, currency) if invoice.tax_minor else "",
        "balance_applied": money(applied, currency) if applied > 0 else "",
        "balance_carried_in": money(-applied, currency) if applied < 0 else "",
        "amount_due": money(invoice.amount_due_minor, currency),
        "outstanding_minor": outstanding,
        "outstanding": money(outstanding, currency),
        "amount_carried": money(invoice.amount_carried_minor, currency) if invoice.amount_carried_minor else "",
        "invoice_period": f"{_day(invoice.period_start)} to {_day(invoice.period_end)}",
        "issued_on": _day(invoice.issued_at),
        "due_on": _day(invoice.due_at),
        "paid_on": _day(invoice.paid_at),
        "payment_method_display": _method_label(invoice.payment_method),
        "payment_state": _payment_state(invoice),
        "pays_by_check": invoice.payment_method.get("type") == "check",
        "po_number": invoice.po_number,
        "seller_name": invoice.seller.get("name", ""),
        "invoice_pdf_path": reverse("account_invoice_pdf", kwargs={"invoice_id": invoice.pk}),
        "lines": [
            {
                "description": line.description,
                "period": f"{_day(line.period_start)} to {_day(line.period_end)}",
                "amount": money(line.amount_minor, currency),
            }
            for line in invoice.lines.all()
        ],
    }


def _payment_facts(invoice: Invoice, *, subscription: Subscription | None, failed: bool) -> dict[str, Any]:
    """The charge or recorded payment just made (the newest of its kind on the invoice) and, for a renewal that
    could not be charged, when it is tried again and when the account falls back to Free."""
    payment = (
        invoice.payments.filter(
            status=Payment.Status.FAILED if failed else Payment.Status.SUCCEEDED,
            kind__in=[Payment.Kind.CHARGE, Payment.Kind.MANUAL],
        )
        .order_by("-id")
        .first()
    )
    on_card = payment is None or payment.kind == Payment.Kind.CHARGE
    facts: dict[str, Any] = {
        "payment_amount": money(payment.amount_minor, payment.currency) if payment else money(0, invoice.currency),
        "payment_on": _day(payment.created_at) if payment else "",
        # The card charged is the subscription's now (it may have been replaced since the invoice was issued).
        "card_display": payment_method_label(subscription) if subscription and on_card else "",
        "payment_reference": "" if on_card or payment is None else payment.reference,
        "failure_message": payment.failure_message if payment else "",
        "paid_in_full": invoice.status == Invoice.Status.PAID,
    }
    if failed and invoice.billing_reason == BillingReason.RENEWAL and invoice.first_failed_at is not None:
        # lifecycle imports this module; its dunning schedule is read when a renewal fails.
        from stint.billing.services.lifecycle import FREE_AFTER_FAILURE, RETRY_AFTER_DAYS

        retries_done = invoice.payment_attempts - 1
        if 0 <= retries_done < len(RETRY_AFTER_DAYS):
            facts["retry_time"] = _moment(invoice.first_failed_at + timedelta(days=RETRY_AFTER_DAYS[retries_done]))
        facts["free_on"] = _day(invoice.first_failed_at + FREE_AFTER_FAILURE)
    return facts


def _credit_note_facts(note: CreditNote) -> dict[str, Any]:
    currency = note.currency
    return {
        "credit_note_id": note.pk,
        "credit_note_number": note.number,
        "currency": currency,
        "credit_note_total": money(note.total_minor, currency),
        "credit_note_refund": money(note.refund_minor, currency) if note.refund_minor else "",
        "credit_note_credit": money(note.credit_minor, currency) if note.credit_minor else "",
        "credit_note_applied": money(note.applied_minor, currency) if note.applied_minor else "",
        "credit_note_reason": CREDIT_REASON_WORDS.get(note.reason, note.reason),
        "credited_invoice_number": note.invoice.number,
        "credit_note_issued_on": _day(note.issued_at),
        "credit_note_pdf_path": reverse("account_credit_note_pdf", kwargs={"credit_note_id": note.pk}),
        "credit_note_lines": [
            {"description": line.description, "amount": money(line.amount_minor, currency)} for line in note.lines.all()
        ],
    }


def _type_facts(
    type: EventType, *, account: Account, invoice: Invoice | None, facts: dict[str, Any], data: dict[str, Any]
) -> dict[str, Any]:
    currency = facts["currency"]
    if type == EventType.INVOICE_DUE_SOON:
        return {"due_phrase": "today" if data.get("when") == "today" else f"on {facts.get('due_on', '')}"}
    if type == EventType.INVOICE_OVERDUE and invoice is not None:
        from stint.billing.services.lifecycle import FREE_AFTER_FAILURE  # lifecycle imports this module

        return {"free_on": _day(invoice.due_at + FREE_AFTER_FAILURE)}
    if type == EventType.PAYMENT_FAILED:
        what = f"invoice {invoice.number} ({facts['payment_amount']})" if invoice else "your subscription change"
        return {"payment_for": what}
    if type == EventType.REFUND_ISSUED:
        return {"refund": money(int(data.get("refund_minor", 0)), currency)}
    if type in (EventType.TRIAL_ENDING, EventType.TRIAL_ENDED, EventType.SUBSCRIPTION_REVERTED_TO_FREE):
        return _offer(account=account, currency=currency)
    return {}


def _offer(*, account: Account, currency: str) -> dict[str, Any]:
    """What Free allows and what the paid plans cost, for the emails that invite the owner to buy."""
    free = Plan.objects.filter(code="free").first()
    prices: dict[str, dict[str, str]] = {}
    for price in (
        Price.objects.filter(plan__is_active=True, currency=currency).exclude(plan__code="free").select_related("plan")
    ):
        prices.setdefault(price.plan.name, {})[price.interval] = money(price.unit_amount_minor, currency)
    offer = [
        f"{name}: {' or '.join(f'{amount} a {interval}' for interval, amount in by.items())} per named user"
        for name, by in prices.items()
    ]
    return {
        "named_users": active_user_count(account=account),
        "free_max_users": free.max_users if free and free.max_users is not None else "unlimited",
        "free_visible_records": (
            free.max_visible_time_records if free and free.max_visible_time_records is not None else "all"
        ),
        "offer": offer,
    }
