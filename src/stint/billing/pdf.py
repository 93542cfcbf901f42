"""Invoices and credit notes as PDF: what a customer downloads and their finance team files.

Rendered from HTML by WeasyPrint, fully offline: the templates carry their CSS inline, the font is the system's DejaVu
Sans, and the URL fetcher refuses everything but `data:` URIs, so a document renders the same on an on-prem server
without internet (and a name or address typed by a customer can never make the server fetch a URL).

Everything printed is formatted here, from the document's frozen fields: amounts from integer minor units with the
currency's exponent (no floats), dates as UTC ISO dates. The templates only lay the strings out.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from fractions import Fraction
from typing import Any

import weasyprint
from django.template.loader import render_to_string

from stint.billing.gateways import cards
from stint.billing.models import (
    BillingReason,
    CreditNote,
    CreditNoteLine,
    Invoice,
    InvoiceLine,
    PaymentMethodType,
)
from stint.billing.services.documents import REVERSE_CHARGE_NOTE, minimum_charge_minor
from stint.core.money import Money

PDF_MIMETYPE = "application/pdf"

BILLING_REASON_WORDS: dict[str, str] = {
    BillingReason.PURCHASE: "New subscription",
    BillingReason.SEAT_CHANGE: "Named users added",
    BillingReason.PLAN_CHANGE: "Plan or billing interval change",
    BillingReason.RENEWAL: "Subscription renewal",
}
CREDIT_REASON_WORDS: dict[str, str] = {
    CreditNote.Reason.SEAT_REMOVED: "Named users removed",
    CreditNote.Reason.PLAN_CHANGE: "Plan or billing interval change",
    CreditNote.Reason.REFUND: "Purchase cancelled and refunded",
    CreditNote.Reason.ADJUSTMENT: "Adjustment",
}


# --- formatting: the only way amounts, dates and shares are written on a document ----------------------------------


def format_money(amount_minor: int, currency: str) -> str:
    """1234550 USD -> 'USD 12,345.50'; JPY has no decimals, BHD three."""
    return Money(amount_minor, currency).format()


def format_date(value: datetime) -> str:
    """The UTC calendar date, ISO: '2026-11-26'."""
    return value.astimezone(UTC).date().isoformat()


def format_period(start: datetime, end: datetime) -> str:
    """Two UTC dates joined by an en dash, the way a period is written on a document."""
    return f"{format_date(start)} \N{EN DASH} {format_date(end)}"


def format_proration(numerator: int, denominator: int) -> str:
    """'prorated 46.09% (1,234,567/2,678,400 of the period)'; '' for a whole period."""
    if numerator == denominator:
        return ""
    hundredths = round(Fraction(numerator * 10_000, denominator))  # half-even, exact
    percent = f"{hundredths // 100}.{hundredths % 100:02d}"
    return f"prorated {percent}% ({numerator:,}/{denominator:,} of the period)"


def card_label(payment_method: dict[str, Any]) -> str:
    """'Visa •••• 4242' from a document's payment method snapshot."""
    return cards.card_label(str(payment_method.get("brand", "")), str(payment_method.get("last4") or ""))


# --- what the templates receive -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Party:
    heading: str
    name: str
    address_lines: list[str]
    details: list[tuple[str, str]]


@dataclass(frozen=True)
class LineRow:
    description: str
    period: str
    proration: str
    quantity: str
    unit_price: str
    amount: str


@dataclass(frozen=True)
class TotalRow:
    label: str
    amount: str
    strong: bool = False
    note: str = ""


def _address_lines(address: str) -> list[str]:
    return [line.strip() for line in address.splitlines() if line.strip()]


def _seller(snapshot: dict[str, Any]) -> Party:
    details = []
    if snapshot.get("vat_id"):
        details.append(("VAT ID", str(snapshot["vat_id"])))
    if snapshot.get("email"):
        details.append(("Email", str(snapshot["email"])))
    return Party(
        heading="From",
        name=str(snapshot.get("name", "")),
        address_lines=_address_lines(str(snapshot.get("address", ""))),
        details=details,
    )


def _buyer(snapshot: dict[str, Any]) -> Party:
    details = []
    if snapshot.get("country"):
        details.append(("Country", str(snapshot["country"])))
    if snapshot.get("vat_id"):
        details.append(("VAT ID", str(snapshot["vat_id"])))
    if snapshot.get("account_id"):
        details.append(("Account ID", str(snapshot["account_id"])))
    if snapshot.get("email"):
        details.append(("Email", str(snapshot["email"])))
    return Party(
        heading="Bill to",
        name=str(snapshot.get("name", "")),
        address_lines=_address_lines(str(snapshot.get("address", ""))),
        details=details,
    )


def _line_rows(lines: list[InvoiceLine] | list[CreditNoteLine], currency: str) -> list[LineRow]:
    return [
        LineRow(
            description=line.description,
            period=format_period(line.period_start, line.period_end),
            proration=format_proration(line.proration_num, line.proration_den),
            quantity=f"{line.quantity:,}",
            unit_price=format_money(line.unit_amount_minor, currency),
            amount=format_money(line.amount_minor, currency),
        )
        for line in lines
    ]


def _minimum_charge(currency: str) -> str:
    minimum = minimum_charge_minor(currency)
    if minimum.denominator == 1:
        return format_money(int(minimum), currency)
    return f"{currency} 0.50"  # a currency without decimals: no amount due is ever under it


# --- invoices -------------------------------------------------------------------------------------------------------


def _invoice_totals(invoice: Invoice) -> list[TotalRow]:
    def money(amount_minor: int) -> str:
        return format_money(amount_minor, invoice.currency)

    rows = [
        TotalRow("Subtotal", money(invoice.subtotal_minor)),
        TotalRow(_tax_label(invoice.buyer), money(invoice.tax_minor)),
        TotalRow("Total", money(invoice.total_minor), strong=True),
    ]
    if invoice.balance_applied_minor > 0:
        rows.append(TotalRow("Credit balance applied", money(-invoice.balance_applied_minor)))
    elif invoice.balance_applied_minor < 0:
        # A debit: an earlier amount under the minimum charge, collected now.
        rows.append(TotalRow("Previous balance carried", money(-invoice.balance_applied_minor)))
    rows.append(TotalRow("Amount due", money(invoice.amount_due_minor), strong=True))
    rows.append(TotalRow("Amount paid", money(invoice.amount_paid_minor)))
    if invoice.amount_credited_minor > 0:
        rows.append(TotalRow("Taken off by credit notes", money(invoice.amount_credited_minor)))
    if invoice.amount_carried_minor > 0:
        rows.append(
            TotalRow(
                "Carried to the next invoice",
                money(invoice.amount_carried_minor),
                note=f"(under the {_minimum_charge(invoice.currency)} minimum charge)",
            )
        )
    return rows


def _tax_label(buyer: dict[str, Any]) -> str:
    if buyer.get("reverse_charge"):
        return "Tax (reverse charge)"
    rate = str(buyer.get("tax_rate") or "0")
    return f"Tax ({rate}%)" if rate != "0" else "Tax"


def _invoice_terms(invoice: Invoice) -> list[str]:
    """How the amount due is (or was) paid: a few sentences for the Payment box (and the reverse charge note)."""
    terms = _payment_terms(invoice)
    if invoice.buyer.get("reverse_charge"):
        terms.append(REVERSE_CHARGE_NOTE)
    return terms


def _payment_terms(invoice: Invoice) -> list[str]:
    if invoice.status == Invoice.Status.VOID:
        voided = f" on {format_date(invoice.voided_at)}" if invoice.voided_at else ""
        return [f"This invoice was voided{voided}: nothing is owed."]
    if invoice.amount_due_minor == 0:
        return ["Nothing to pay: the total was covered by the account's credit balance."]
    if invoice.amount_carried_minor == invoice.amount_due_minor:
        return [
            f"Nothing was charged: the amount due is under the {_minimum_charge(invoice.currency)} minimum charge "
            "and is carried to the next invoice."
        ]
    method = invoice.payment_method.get("type", "")
    if method == PaymentMethodType.CARD:
        card = card_label(invoice.payment_method)
        if invoice.status == Invoice.Status.PAID:
            paid = f" on {format_date(invoice.paid_at)}" if invoice.paid_at else ""
            return [f"Charged to {card}{paid}."]
        terms = [f"To be charged to {card}."]
        if invoice.first_failed_at:
            retry = f" It will be retried on {format_date(invoice.next_attempt_at)}." if invoice.next_attempt_at else ""
            terms.append(f"The charge did not go through.{retry}")
        return terms
    if method in (PaymentMethodType.BANK_TRANSFER, PaymentMethodType.CHECK):
        days = (invoice.due_at - invoice.issued_at).days
        how = (
            "Pay by bank transfer, quoting the payment reference."
            if method == PaymentMethodType.BANK_TRANSFER
            else f"Pay by check to the order of {invoice.seller.get('name', '')}, with the payment reference on it."
        )
        terms = [
            f"Payment due within {days} days, by {format_date(invoice.due_at)}.",
            f"Payment reference: {invoice.number}",
            how,
        ]
        bank = invoice.seller.get("bank_details", "")
        if method == PaymentMethodType.BANK_TRANSFER and bank:
            terms.append(f"Bank details: {bank}")
        elif method == PaymentMethodType.CHECK and invoice.seller.get("address"):
            terms.append(f"Mail the check to: {invoice.seller['address']}")
        return terms
    return [f"Payment due by {format_date(invoice.due_at)}."]


def invoice_context(invoice: Invoice) -> dict[str, Any]:
    """Everything the invoice template prints, formatted."""
    lines = list(invoice.lines.all())
    details = [
        ("Invoice number", invoice.number),
        ("Issue date", format_date(invoice.issued_at)),
        ("Due date", format_date(invoice.due_at)),
        ("Billing reason", BILLING_REASON_WORDS.get(invoice.billing_reason, invoice.billing_reason)),
        ("Billing period", format_period(invoice.period_start, invoice.period_end)),
    ]
    if invoice.po_number:
        details.append(("PO number", invoice.po_number))
    status = ""
    if invoice.status == Invoice.Status.VOID:
        status = f"Voided on {format_date(invoice.voided_at)}" if invoice.voided_at else "Voided"
    elif invoice.status == Invoice.Status.PAID and invoice.paid_at:
        status = f"Paid on {format_date(invoice.paid_at)}"
    return {
        "title": "Invoice",
        "number": invoice.number,
        "is_void": invoice.status == Invoice.Status.VOID,
        "status": status,
        "seller": _seller(invoice.seller),
        "buyer": _buyer(invoice.buyer),
        "details": details,
        "currency": invoice.currency,
        "lines": _line_rows(lines, invoice.currency),
        "totals": _invoice_totals(invoice),
        "notes_heading": "Payment",
        "notes": _invoice_terms(invoice),
    }


# --- credit notes ---------------------------------------------------------------------------------------------------


def _refund_route(payment_method: dict[str, Any]) -> str:
    """Where a refund went: 'to Visa •••• 4242', or out of band 'by bank transfer'."""
    method = payment_method.get("type", "")
    if method == PaymentMethodType.CARD:
        return f"to {card_label(payment_method)}"
    if method == PaymentMethodType.BANK_TRANSFER:
        return "by bank transfer"
    if method == PaymentMethodType.CHECK:
        return "by check"
    return ""


def credit_note_context(note: CreditNote) -> dict[str, Any]:
    """Everything the credit note template prints, formatted."""
    invoice = note.invoice
    lines = list(note.lines.all())

    def money(amount_minor: int) -> str:
        return format_money(amount_minor, note.currency)

    details = [
        ("Credit note number", note.number),
        ("Date", format_date(note.issued_at)),
        ("Against invoice", invoice.number),
        ("Invoice date", format_date(invoice.issued_at)),
        ("Reason", CREDIT_REASON_WORDS.get(note.reason, note.reason)),
    ]
    if invoice.po_number:
        details.append(("PO number", invoice.po_number))
    totals = [
        TotalRow("Subtotal", money(note.subtotal_minor)),
        TotalRow(_tax_label(note.buyer), money(note.tax_minor)),
        TotalRow("Total credited", money(note.total_minor), strong=True),
    ]
    notes = []
    if note.refund_minor:
        refunded = f"Refunded {_refund_route(invoice.payment_method)}".strip()
        totals.append(TotalRow(refunded, money(note.refund_minor)))
        notes.append(f"{refunded}: {money(note.refund_minor)}.")
    if note.applied_minor:
        totals.append(TotalRow("Taken off the amount due of the invoice", money(note.applied_minor)))
        notes.append(f"{money(note.applied_minor)} is taken off what was still owed on invoice {note.invoice.number}.")
    if note.credit_minor:
        totals.append(TotalRow("Credited to the account's balance", money(note.credit_minor)))
        notes.append(f"Credited to the account's balance: {money(note.credit_minor)}, deducted from the next invoice.")
    return {
        "title": "Credit note",
        "number": note.number,
        "is_void": False,
        "status": "",
        "memo": note.memo,
        "seller": _seller(note.seller),
        "buyer": _buyer(note.buyer),
        "details": details,
        "currency": note.currency,
        "lines": _line_rows(lines, note.currency),
        "totals": totals,
        "notes_heading": "Settlement",
        "notes": notes,
    }


# --- rendering ------------------------------------------------------------------------------------------------------


def _render_pdf(template: str, context: dict[str, Any]) -> bytes:
    html = render_to_string(template, context)
    # Only inline `data:` resources: no network, no files, whatever ends up in the HTML.
    fetcher = weasyprint.URLFetcher(allowed_protocols={"data"})
    return bytes(weasyprint.HTML(string=html, url_fetcher=fetcher).write_pdf())


def invoice_pdf(invoice: Invoice) -> bytes:
    return _render_pdf("billing/documents/document.html", invoice_context(invoice))


def credit_note_pdf(note: CreditNote) -> bytes:
    return _render_pdf("billing/documents/document.html", credit_note_context(note))


def invoice_pdf_attachment(invoice_id: int) -> tuple[str, bytes, str]:
    """The outbox's `invoice_pdf` attachment: (filename, content, mimetype)."""
    invoice = Invoice.objects.get(pk=invoice_id)
    return f"{invoice.number}.pdf", invoice_pdf(invoice), PDF_MIMETYPE


def credit_note_pdf_attachment(note_id: int) -> tuple[str, bytes, str]:
    """The outbox's `credit_note_pdf` attachment: (filename, content, mimetype)."""
    note = CreditNote.objects.select_related("invoice").get(pk=note_id)
    return f"{note.number}.pdf", credit_note_pdf(note), PDF_MIMETYPE
