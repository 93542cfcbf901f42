"""Billing reads: what can be bought, an account's subscription and its documents. Every document read takes the
account, so another account's invoice or credit note is simply not found."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet

from stint.accounts.models import Account
from stint.billing.models import CreditNote, Invoice, Plan, Price, Subscription
from stint.core.errors import NotFound


def plans_offered() -> QuerySet[Plan]:
    """The plans on offer, `free` included (it has no prices), cheapest first, each with its prices."""
    prices = Price.objects.order_by("interval", "currency")
    return (
        Plan.objects.filter(is_active=True)
        .prefetch_related(Prefetch("prices", queryset=prices))
        .order_by("position", "code")
    )


def subscription_of(*, account: Account) -> Subscription:
    """Every account has one subscription from sign-up on (a trial first)."""
    return Subscription.objects.select_related("plan").get(account=account)


def invoices(*, account: Account) -> QuerySet[Invoice]:
    return Invoice.objects.filter(account=account).prefetch_related("lines")


def invoice_get(*, account: Account, invoice_id: int) -> Invoice:
    found = invoices(account=account).filter(pk=invoice_id).first()
    if found is None:
        raise NotFound("There is no invoice with this id in your account.", "invoice_not_found")
    return found


def credit_notes(*, account: Account) -> QuerySet[CreditNote]:
    return CreditNote.objects.filter(account=account).select_related("invoice").prefetch_related("lines")


def credit_note_get(*, account: Account, credit_note_id: int) -> CreditNote:
    found = credit_notes(account=account).filter(pk=credit_note_id).first()
    if found is None:
        raise NotFound("There is no credit note with this id in your account.", "credit_note_not_found")
    return found
