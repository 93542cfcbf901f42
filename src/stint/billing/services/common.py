"""What the billing services share: the locked subscription, prices, events with their documents attached."""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from stint.accounts.models import Account, User
from stint.billing.models import CreditNote, Invoice, Plan, Price, Subscription
from stint.core.errors import Invalid
from stint.core.money import Money
from stint.notifications.models import EventType
from stint.notifications.services import event_record


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
    if invoice is not None:
        data.update(invoice_id=invoice.pk, invoice_number=invoice.number, amount_due_minor=invoice.amount_due_minor)
    if credit_note is not None:
        data.update(credit_note_id=credit_note.pk, credit_note_number=credit_note.number)
    attachments = None
    if type == EventType.INVOICE_CREATED and invoice is not None:
        attachments = pdf_of(invoice)
    if type == EventType.CREDIT_NOTE_ISSUED and credit_note is not None:
        attachments = pdf_of(credit_note)
    event_record(account=account, type=type, summary=summary, actor=actor, data=data, attachments=attachments)
