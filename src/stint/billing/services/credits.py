"""Credits for seat-days given back: credit notes against the invoices that sold them, newest first."""

from __future__ import annotations

import logging
from datetime import datetime
from fractions import Fraction

from stint.accounts.models import User
from stint.billing.models import CreditNote, Invoice, Subscription
from stint.billing.services.common import event, money
from stint.billing.services.documents import Line, credit_note_issue, creditable_minor, net_of, tax_rate
from stint.notifications.models import EventType

log = logging.getLogger(__name__)


def period_invoices(subscription: Subscription) -> list[Invoice]:
    """The invoices that sold the current period (purchase or renewal, seat and plan changes), newest first."""
    end = subscription.current_period_end
    if end is None:
        return []
    return list(
        Invoice.objects.filter(subscription=subscription, period_end=end)
        .exclude(status=Invoice.Status.VOID)
        .prefetch_related("credit_notes")
        .order_by("-issued_at", "-id")
    )


def credit_issue(
    subscription: Subscription,
    *,
    amount: int,
    at: datetime,
    reason: str,
    description: str,
    quantity: int,
    unit: int,
    proration: Fraction,
    actor: User | None = None,
) -> list[CreditNote]:
    """Credit `amount` to the balance with credit notes against this period's invoices, newest first, each no more
    than that invoice has left to credit. Telescoping guarantees the period's invoices hold enough."""
    notes: list[CreditNote] = []
    remaining = amount
    end = subscription.current_period_end
    assert end is not None
    for invoice in period_invoices(subscription):
        if remaining <= 0:
            break
        # `amount` is before tax; what the invoice has left to credit includes its tax.
        part = min(remaining, net_of(creditable_minor(invoice), tax_rate(invoice.buyer)))
        if part <= 0:
            continue
        line = Line(
            description=description,
            quantity=quantity,
            unit_amount_minor=unit,
            amount_minor=part,
            period_start=at,
            period_end=end,
            proration=proration,
        )
        note = credit_note_issue(subscription=subscription, invoice=invoice, reason=reason, lines=[line], at=at)
        event(
            account=subscription.account,
            type=EventType.CREDIT_NOTE_ISSUED,
            actor=actor,
            credit_note=note,
            summary=f"Credit note {note.number} of {money(note.total_minor, note.currency)} against invoice "
            f"{invoice.number}: {description}; {money(note.credit_minor, note.currency)} added to the credit balance.",
        )
        notes.append(note)
        remaining -= part
    if remaining > 0:
        # Only when staff already credited this period's invoices by hand (a goodwill credit note): the customer
        # has that money back already, so there is nothing left to credit twice.
        log.warning("%s minor units of credit for %s found no invoice left to credit", remaining, subscription)
    return notes
