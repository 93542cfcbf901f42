"""Invoices, credit notes and the balance ledger: numbered under a lock, frozen once issued.

A document gets its number when it is issued (there are no drafts: a document is built and issued in one
transaction), from the one series of its kind for the calendar year, read and bumped under a row lock, so numbers
are gapless: a voided invoice keeps its number.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from decimal import Decimal
from fractions import Fraction
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F

from stint.accounts.models import Account
from stint.billing.models import (
    BalanceEntry,
    CreditNote,
    CreditNoteLine,
    DocumentSequence,
    Invoice,
    InvoiceLine,
    PaymentMethodType,
    Subscription,
)
from stint.core.money import currency_exponent

INVOICE_SERIES = "INV"
CREDIT_NOTE_SERIES = "CN"
PAYMENT_TERMS_DAYS = 30


@dataclass(frozen=True)
class Line:
    description: str
    quantity: int
    unit_amount_minor: int
    amount_minor: int
    period_start: datetime
    period_end: datetime
    proration: Fraction = Fraction(1)


def document_number_next(*, series: str, at: datetime) -> str:
    """The next number of a series for the year of `at`, e.g. INV-2026-000001. Call inside a transaction: the
    sequence row stays locked until it commits, so two documents never share a number or leave a gap."""
    year = at.year
    try:
        with transaction.atomic():
            DocumentSequence.objects.get_or_create(series=series, year=year)
    except IntegrityError:
        pass  # created by a concurrent transaction in the meantime
    sequence = DocumentSequence.objects.select_for_update().get(series=series, year=year)
    sequence.last_number += 1
    sequence.save(update_fields=["last_number"])
    return f"{series}-{year}-{sequence.last_number:06d}"


def seller_snapshot() -> dict[str, str]:
    return {
        "name": settings.STINT_SELLER_NAME,
        "address": settings.STINT_SELLER_ADDRESS,
        "vat_id": settings.STINT_SELLER_VAT_ID,
        "email": settings.STINT_SELLER_EMAIL,
        "country": settings.STINT_SELLER_COUNTRY,
        "bank_details": settings.STINT_SELLER_BANK_DETAILS,
    }


# fmt: off
EU_COUNTRIES = frozenset((
    "AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR", "DE", "GR", "HU", "IE",
    "IT", "LV", "LT", "LU", "MT", "NL", "PL", "PT", "RO", "SK", "SI", "ES", "SE",
))
# fmt: on
REVERSE_CHARGE_NOTE = (
    "Reverse charge: VAT to be accounted for by the recipient (Article 196, Council Directive 2006/112/EC)."
)


def reverse_charge_applies(account: Account) -> bool:
    """An EU business (with a VAT id) in another EU country than ours accounts for the VAT itself."""
    seller = settings.STINT_SELLER_COUNTRY
    return (
        bool(account.vat_id)
        and account.country in EU_COUNTRIES
        and seller in EU_COUNTRIES
        and account.country != seller
    )


def buyer_snapshot(account: Account) -> dict[str, Any]:
    reverse = reverse_charge_applies(account)
    return {
        "name": account.buyer_name,
        "address": account.address,
        "country": account.country,
        "vat_id": account.vat_id,
        "account_id": str(account.pk),
        "email": account.owner.email,
        "tax_rate": "0" if reverse else format(Decimal(account.tax_rate_percent).normalize(), "f"),
        "reverse_charge": reverse,
    }


def tax_rate(buyer: dict[str, Any]) -> Fraction:
    """The document's tax rate as an exact fraction (19% -> 19/100)."""
    return Fraction(Decimal(str(buyer.get("tax_rate") or "0"))) / 100


def line_tax(amount_minor: int, rate: Fraction) -> int:
    """Tax is computed per line, half-even to the minor unit, and the lines' taxes are summed."""
    return round(amount_minor * rate)


def net_of(gross_minor: int, rate: Fraction) -> int:
    """The largest net amount whose gross (net + its tax) does not exceed `gross_minor`."""
    net = int(gross_minor / (1 + rate))
    while net > 0 and net + line_tax(net, rate) > gross_minor:
        net -= 1
    while net + 1 + line_tax(net + 1, rate) <= gross_minor:
        net += 1
    return net


def payment_method_snapshot(subscription: Subscription) -> dict[str, str]:
    snapshot = {"type": subscription.payment_method_type}
    if subscription.payment_method_type == PaymentMethodType.CARD:
        snapshot.update(brand=subscription.card_brand, last4=subscription.card_last4)
    return snapshot


def minimum_charge_minor(currency: str) -> Fraction:
    """0.50 in the currency's major unit: amounts due under it are carried to the balance instead of charged."""
    return Fraction(1, 2) * 10 ** currency_exponent(currency)


def _balance_move(
    *,
    subscription: Subscription,
    kind: str,
    amount_minor: int,
    at: datetime,
    description: str,
    invoice: Invoice | None = None,
    credit_note: CreditNote | None = None,
) -> None:
    if amount_minor == 0:
        return
    BalanceEntry.objects.create(
        account_id=subscription.account_id,
        kind=kind,
        amount_minor=amount_minor,
        currency=subscription.currency,
        invoice=invoice,
        credit_note=credit_note,
        description=description,
        created_at=at,
    )
    # In the database, not from this instance: another instance of the row may have moved the balance already.
    Subscription.objects.filter(pk=subscription.pk).update(
        credit_balance_minor=F("credit_balance_minor") + amount_minor
    )
    subscription.refresh_from_db(fields=["credit_balance_minor"])


def _line_rows(
    model: type[InvoiceLine] | type[CreditNoteLine], lines: list[Line], taxes: list[int], **document: Any
) -> list[Any]:
    """The stored lines of a document, in order, each with its tax."""
    return [
        model(
            **document,
            description=line.description,
            quantity=line.quantity,
            unit_amount_minor=line.unit_amount_minor,
            amount_minor=line.amount_minor,
            tax_minor=tax,
            period_start=line.period_start,
            period_end=line.period_end,
            proration_num=line.proration.numerator,
            proration_den=line.proration.denominator,
            position=position,
        )
        for position, (line, tax) in enumerate(zip(lines, taxes, strict=True))
    ]


def invoice_issue(
    *,
    subscription: Subscription,
    billing_reason: str,
    lines: list[Line],
    at: datetime,
    period_start: datetime,
    period_end: datetime,
) -> Invoice:
    """Issue an invoice with the account's credit balance applied (a debit balance is added). It is open until
    collected; an amount due under the minimum charge is carried to the balance and the invoice is paid at once."""
    account = subscription.account
    buyer = buyer_snapshot(account)
    rate = tax_rate(buyer)
    taxes = [line_tax(line.amount_minor, rate) for line in lines]
    subtotal = sum(line.amount_minor for line in lines)
    tax = sum(taxes)
    total = subtotal + tax
    balance = subscription.credit_balance_minor
    applied = min(balance, total) if balance > 0 else balance
    amount_due = total - applied
    is_card = subscription.payment_method_type == PaymentMethodType.CARD
    invoice = Invoice.objects.create(
        charge_key=secrets.token_hex(8),
        account=account,
        subscription=subscription,
        number=document_number_next(series=INVOICE_SERIES, at=at),
        billing_reason=billing_reason,
        currency=subscription.currency,
        subtotal_minor=subtotal,
        tax_minor=tax,
        total_minor=total,
        balance_applied_minor=applied,
        amount_due_minor=amount_due,
        po_number=subscription.po_number,
        payment_method=payment_method_snapshot(subscription),
        seller=seller_snapshot(),
        buyer=buyer,
        period_start=period_start,
        period_end=period_end,
        issued_at=at,
        due_at=at if is_card else at + timedelta(days=PAYMENT_TERMS_DAYS),
    )
    InvoiceLine.objects.bulk_create(_line_rows(InvoiceLine, lines, taxes, invoice=invoice))
    if applied:
        _balance_move(
            subscription=subscription,
            kind=BalanceEntry.Kind.APPLIED,
            amount_minor=-applied,
            at=at,
            description=f"Applied to invoice {invoice.number}",
            invoice=invoice,
        )
    if amount_due == 0:
        invoice.status = Invoice.Status.PAID
        invoice.paid_at = at
        invoice.save(update_fields=["status", "paid_at"])
    else:
        _carry_if_small(subscription=subscription, invoice=invoice, at=at)
    return invoice


def invoice_outstanding(invoice: Invoice) -> int:
    """What is still owed on an invoice."""
    return (
        invoice.amount_due_minor
        - invoice.amount_paid_minor
        - invoice.amount_carried_minor
        - invoice.amount_credited_minor
    )


def _carry_if_small(*, subscription: Subscription, invoice: Invoice, at: datetime) -> None:
    """An open invoice that owes less than the minimum charge is not collected: the amount is carried to the
    balance as a debit (collected with the next invoice) and the invoice is settled."""
    owed = invoice_outstanding(invoice)
    if invoice.status != Invoice.Status.OPEN or owed <= 0 or owed >= minimum_charge_minor(invoice.currency):
        return
    invoice.status = Invoice.Status.PAID
    invoice.paid_at = at
    invoice.amount_carried_minor += owed
    invoice.next_attempt_at = None
    invoice.save(update_fields=["status", "paid_at", "amount_carried_minor", "next_attempt_at"])
    _balance_move(
        subscription=subscription,
        kind=BalanceEntry.Kind.SMALL_AMOUNT,
        amount_minor=-owed,
        at=at,
        description=f"Amount due of {invoice.number} under the minimum charge, collected with the next invoice",
        invoice=invoice,
    )


def invoice_void(*, invoice: Invoice, at: datetime) -> Invoice:
    """Void an unpaid invoice; the balance it used goes back to the account. Its number stays used (no gaps)."""
    if invoice.status != Invoice.Status.OPEN:
        raise ValueError(f"Only an open invoice can be voided, not a {invoice.status} one.")
    invoice.status = Invoice.Status.VOID
    invoice.voided_at = at
    invoice.next_attempt_at = None
    invoice.save(update_fields=["status", "voided_at", "next_attempt_at"])
    if invoice.balance_applied_minor:
        subscription = Subscription.objects.select_for_update().get(pk=invoice.subscription_id)
        _balance_move(
            subscription=subscription,
            kind=BalanceEntry.Kind.APPLIED,
            amount_minor=invoice.balance_applied_minor,
            at=at,
            description=f"Returned from voided invoice {invoice.number}",
            invoice=invoice,
        )
    return invoice


def creditable_minor(invoice: Invoice) -> int:
    """What an invoice still has to credit: its total less the credit notes already issued against it."""
    credited = sum(note.total_minor for note in invoice.credit_notes.all())
    return invoice.total_minor - credited


def credit_note_issue(
    *,
    subscription: Subscription,
    invoice: Invoice,
    reason: str,
    lines: list[Line],
    at: datetime,
    refund_minor: int = 0,
    memo: str = "",
    gross: bool = False,
) -> CreditNote:
    """Issue a credit note against an invoice. What is not refunded first reduces what is still owed on the invoice
    (a credit on an unpaid invoice is not money the customer has: it only lowers the bill); the rest goes to the
    credit balance.

    Line amounts are before tax, taxed at the invoice's rate; with `gross`, they include the tax, which is taken
    out of them (a refund credits what is left of an invoice, tax included)."""
    rate = tax_rate(invoice.buyer)
    if gross:
        # Exactly the gross amount asked for: the net part is what it holds before tax, the tax the rest.
        nets = [net_of(line.amount_minor, rate) for line in lines]
        taxes = [line.amount_minor - net for line, net in zip(lines, nets, strict=True)]
        lines = [replace(line, amount_minor=net) for line, net in zip(lines, nets, strict=True)]
    else:
        taxes = [line_tax(line.amount_minor, rate) for line in lines]
    subtotal = sum(line.amount_minor for line in lines)
    room = creditable_minor(invoice)
    excess = subtotal + sum(taxes) - room
    if excess > 0 and taxes and taxes[-1] >= excess:
        # Rounding each credit's tax on its own may reach a minor unit past what the invoice has left: it gives way.
        taxes[-1] -= excess
    total = subtotal + sum(taxes)
    if total <= 0 or total > room:
        raise ValueError(f"A credit of {total} does not fit invoice {invoice.number}.")
    applied = 0
    if invoice.status == Invoice.Status.OPEN:
        applied = max(0, min(total - refund_minor, invoice_outstanding(invoice)))
    note = CreditNote.objects.create(
        account_id=subscription.account_id,
        invoice=invoice,
        number=document_number_next(series=CREDIT_NOTE_SERIES, at=at),
        reason=reason,
        memo=memo,
        currency=invoice.currency,
        subtotal_minor=subtotal,
        tax_minor=total - subtotal,
        total_minor=total,
        refund_minor=refund_minor,
        # The invoice's buyer: a credit note corrects that invoice, whatever the account's details are today.
        credit_minor=total - refund_minor - applied,
        applied_minor=applied,
        seller=seller_snapshot(),
        buyer=invoice.buyer,
        issued_at=at,
    )
    CreditNoteLine.objects.bulk_create(_line_rows(CreditNoteLine, lines, taxes, credit_note=note))
    if applied:
        invoice.amount_credited_minor += applied
        fields = ["amount_credited_minor"]
        if invoice_outstanding(invoice) == 0:
            invoice.status, invoice.paid_at, invoice.next_attempt_at = Invoice.Status.PAID, at, None
            fields += ["status", "paid_at", "next_attempt_at"]
        invoice.save(update_fields=fields)
        _carry_if_small(subscription=subscription, invoice=invoice, at=at)
    _balance_move(
        subscription=subscription,
        kind=BalanceEntry.Kind.CREDIT_NOTE,
        amount_minor=note.credit_minor,
        at=at,
        description=f"Credit note {note.number}",
        credit_note=note,
    )
    return note


def balance_pay_out(*, subscription: Subscription, amount_minor: int, at: datetime) -> None:
    """Record credit balance paid back with a refund."""
    _balance_move(
        subscription=subscription,
        kind=BalanceEntry.Kind.PAID_OUT,
        amount_minor=-amount_minor,
        at=at,
        description="Credit balance paid back with the refund",
    )
