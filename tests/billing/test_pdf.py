"""Invoices and credit notes as PDF, read back the way a finance team's viewer reads them.

WeasyPrint takes a good fraction of a second per document, so every document is built and rendered once for the
module, inside a transaction that is rolled back at once; the tests then read the text of the rendered PDFs.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.db import transaction
from django.test import override_settings
from pypdf import PdfReader

from stint.accounts.models import Account
from stint.billing.models import (
    BillingReason,
    CreditNote,
    CreditNoteLine,
    Invoice,
    InvoiceLine,
    PaymentMethodType,
    Subscription,
)
from stint.billing.pdf import credit_note_pdf_attachment, invoice_pdf_attachment
from stint.billing.services.documents import buyer_snapshot, payment_method_snapshot, seller_snapshot
from tests.conftest import make_owner

# The databases are set up for the tests that are marked (and the documents are built in them).
pytestmark = pytest.mark.django_db

YEAR_START = datetime(2026, 11, 26, 9, 30, tzinfo=UTC)
YEAR_END = datetime(2027, 11, 26, 9, 30, tzinfo=UTC)
MONTH_START = datetime(2026, 12, 26, 9, 30, tzinfo=UTC)
MONTH_END = datetime(2027, 1, 26, 9, 30, tzinfo=UTC)  # 31 days: 2,678,400 seconds
SEATS_ADDED_AT = datetime(2027, 1, 11, 14, 12, 47, tzinfo=UTC)  # 1,279,033 seconds before the month's end
DAN_ADDED_AT = datetime(2027, 1, 23, 16, 49, 59, tzinfo=UTC)  # 232,801 seconds before it

SELLER = {
    "STINT_SELLER_NAME": "Stint Software Ltd",
    "STINT_SELLER_ADDRESS": "1 Clock Lane\nLondon EC1A 1AA\nUnited Kingdom",
    "STINT_SELLER_VAT_ID": "GB123456789",
    "STINT_SELLER_EMAIL": "billing@stint.example",
}


@dataclass(frozen=True)
class Pdf:
    filename: str
    mimetype: str
    content: bytes
    title: str
    pages: list[str]  # each page's text with its line breaks as spaces: wrapping is layout, not content

    @property
    def text(self) -> str:
        return " ".join(self.pages)


def read(attachment: tuple[str, bytes, str]) -> Pdf:
    filename, content, mimetype = attachment
    reader = PdfReader(io.BytesIO(content))
    title = str(reader.metadata.title) if reader.metadata else ""
    return Pdf(filename, mimetype, content, title, [" ".join(page.extract_text().split()) for page in reader.pages])


def subscription_for(account: Account, **fields: Any) -> Subscription:
    subscription, _ = Subscription.objects.update_or_create(
        account=account,
        defaults={
            "subscription_key": f"sub_test_{account.pk}",
            "edition": "regular",
            "status": Subscription.Status.ACTIVE,
            "created_at": YEAR_START,
            "updated_at": YEAR_START,
            **fields,
        },
    )
    return subscription


def invoice_for(subscription: Subscription, lines: list[dict[str, Any]], **fields: Any) -> Invoice:
    subtotal = sum(line["amount_minor"] for line in lines)
    balance_applied = fields.pop("balance_applied_minor", 0)
    invoice = Invoice.objects.create(
        account=subscription.account,
        subscription=subscription,
        currency=subscription.currency,
        subtotal_minor=subtotal,
        tax_minor=0,
        total_minor=subtotal,
        balance_applied_minor=balance_applied,
        amount_due_minor=subtotal - balance_applied,
        po_number=subscription.po_number,
        payment_method=payment_method_snapshot(subscription),
        seller=seller_snapshot(),
        buyer=buyer_snapshot(subscription.account),
        **fields,
    )
    InvoiceLine.objects.bulk_create(
        InvoiceLine(invoice=invoice, position=position, **line) for position, line in enumerate(lines)
    )
    return invoice


def build_documents() -> dict[str, Pdf]:
    alice = make_owner("Alice Archer", "alice@example.com", "Account A")
    account = alice.account
    account.legal_name = "Archer & Co. GmbH"
    account.address = "Hauptstraße 12\n10115 Berlin\nGermany"
    account.save(update_fields=["legal_name", "address"])
    documents: dict[str, Pdf] = {}

    # An annual renewal paid by bank transfer, with a PO number and a small debit carried from earlier.
    subscription = subscription_for(
        account, interval="year", payment_method_type=PaymentMethodType.BANK_TRANSFER, po_number="PO-4471-B"
    )
    renewal = invoice_for(
        subscription,
        [
            {
                "description": "Regular plan, yearly: 12 named users",
                "quantity": 12,
                "unit_amount_minor": 9000,
                "amount_minor": 108000,
                "period_start": YEAR_START,
                "period_end": YEAR_END,
            }
        ],
        number="INV-2026-000041",
        billing_reason=BillingReason.RENEWAL,
        balance_applied_minor=-30,
        period_start=YEAR_START,
        period_end=YEAR_END,
        issued_at=YEAR_START,
        due_at=YEAR_START + timedelta(days=30),
    )
    documents["renewal"] = read(invoice_pdf_attachment(renewal.pk))

    # Two named users added in a monthly period, charged to a Visa card after the credit balance.
    subscription = subscription_for(
        account,
        interval="month",
        payment_method_type=PaymentMethodType.CARD,
        card_brand="visa",
        card_last4="4242",
        po_number="",
    )
    prorated = {
        "quantity": 1,
        "unit_amount_minor": 900,
        "period_start": SEATS_ADDED_AT,
        "period_end": MONTH_END,
        "proration_num": 1_279_033,
        "proration_den": 2_678_400,
    }
    seats = invoice_for(
        subscription,
        [
            {"description": "Named user added: bob@example.com", "amount_minor": 430, **prorated},
            {"description": "Named user added: carol@example.com", "amount_minor": 430, **prorated},
        ],
        number="INV-2027-000007",
        billing_reason=BillingReason.SEAT_CHANGE,
        balance_applied_minor=360,
        amount_paid_minor=500,
        status=Invoice.Status.PAID,
        period_start=MONTH_START,
        period_end=MONTH_END,
        issued_at=SEATS_ADDED_AT,
        due_at=SEATS_ADDED_AT,
        paid_at=SEATS_ADDED_AT,
    )
    documents["seats"] = read(invoice_pdf_attachment(seats.pk))

    # The purchase was cancelled within 30 days: what the card paid goes back to it, the balance used goes back too.
    note = CreditNote.objects.create(
        account=account,
        invoice=seats,
        number="CN-2027-000003",
        reason=CreditNote.Reason.REFUND,
        memo="Cancelled by the customer within 30 days of purchase.",
        currency="USD",
        subtotal_minor=860,
        total_minor=860,
        refund_minor=500,
        credit_minor=360,
        seller=seller_snapshot(),
        buyer=buyer_snapshot(account),
        issued_at=datetime(2027, 1, 14, 8, 0, tzinfo=UTC),
    )
    CreditNoteLine.objects.bulk_create(
        CreditNoteLine(credit_note=note, position=position, description=description, amount_minor=430, **prorated)
        for position, description in enumerate(["Refund: bob@example.com", "Refund: carol@example.com"])
    )
    documents["credit_note"] = read(credit_note_pdf_attachment(note.pk))

    # Yen: no minor unit.
    subscription = subscription_for(account, currency="JPY", interval="year")
    yen = invoice_for(
        subscription,
        [
            {
                "description": "Regular plan, yearly: 25 named users",
                "quantity": 25,
                "unit_amount_minor": 13_800,
                "amount_minor": 345_000,
                "period_start": YEAR_START,
                "period_end": YEAR_END,
            }
        ],
        number="INV-2026-000042",
        billing_reason=BillingReason.PURCHASE,
        balance_applied_minor=1_200,
        amount_paid_minor=343_800,
        status=Invoice.Status.PAID,
        period_start=YEAR_START,
        period_end=YEAR_END,
        issued_at=YEAR_START,
        due_at=YEAR_START,
        paid_at=YEAR_START,
    )
    documents["yen"] = read(invoice_pdf_attachment(yen.pk))

    # Bahraini dinar: three decimals; an amount due under the 0.500 minimum is carried, not charged.
    subscription = subscription_for(account, currency="BHD", interval="month", payment_method_type="check")
    dinar = invoice_for(
        subscription,
        [
            {
                "description": "Named user added: dan@example.com",
                "quantity": 1,
                "unit_amount_minor": 3_450,
                "amount_minor": 300,
                "period_start": DAN_ADDED_AT,
                "period_end": MONTH_END,
                "proration_num": 232_801,
                "proration_den": 2_678_400,
            }
        ],
        number="INV-2027-000011",
        billing_reason=BillingReason.SEAT_CHANGE,
        amount_carried_minor=300,
        status=Invoice.Status.PAID,
        period_start=MONTH_START,
        period_end=MONTH_END,
        issued_at=DAN_ADDED_AT,
        due_at=DAN_ADDED_AT + timedelta(days=30),
        paid_at=DAN_ADDED_AT,
    )
    documents["dinar"] = read(invoice_pdf_attachment(dinar.pk))

    # Forty lines, voided: two pages.
    subscription = subscription_for(account, currency="USD", interval="year", payment_method_type="bank_transfer")
    long = invoice_for(
        subscription,
        [
            {
                "description": f"Named user added: user{n:02d}@example.com",
                "quantity": 1,
                "unit_amount_minor": 9000,
                "amount_minor": 9000,
                "period_start": YEAR_START,
                "period_end": YEAR_END,
            }
            for n in range(1, 41)
        ],
        number="INV-2026-000043",
        billing_reason=BillingReason.SEAT_CHANGE,
        status=Invoice.Status.VOID,
        period_start=YEAR_START,
        period_end=YEAR_END,
        issued_at=YEAR_START,
        due_at=YEAR_START + timedelta(days=30),
        voided_at=YEAR_START + timedelta(days=2),
    )
    documents["long"] = read(invoice_pdf_attachment(long.pk))
    return documents


@pytest.fixture(scope="module")
def pdfs(django_db_setup: None, django_db_blocker: Any) -> Iterator[dict[str, Pdf]]:
    with (
        django_db_blocker.unblock(),
        override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"], **SELLER),
        transaction.atomic(),
    ):
        documents = build_documents()
        transaction.set_rollback(True)
    yield documents


# --- invoices -------------------------------------------------------------------------------------------------------


def test_an_invoice_is_attached_as_a_pdf_named_after_its_number(pdfs: dict[str, Pdf]) -> None:
    renewal = pdfs["renewal"]
    assert renewal.filename == "INV-2026-000041.pdf"
    assert renewal.mimetype == "application/pdf"
    assert renewal.content.startswith(b"%PDF-")
    assert renewal.title == "Invoice INV-2026-000041"


def test_the_invoice_shows_its_number_dates_and_reason(pdfs: dict[str, Pdf]) -> None:
    text = pdfs["renewal"].text
    assert "Invoice INV-2026-000041" in text
    assert "Issue date 2026-11-26" in text
    assert "Due date 2026-12-26" in text
    assert "Billing reason Subscription renewal" in text
    assert "Billing period 2026-11-26 \N{EN DASH} 2027-11-26" in text


def test_the_invoice_names_seller_and_buyer(pdfs: dict[str, Pdf]) -> None:
    text = pdfs["renewal"].text
    assert "Stint Software Ltd 1 Clock Lane London EC1A 1AA United Kingdom VAT ID: GB123456789" in text
    assert "Email: billing@stint.example" in text
    assert "Archer & Co. GmbH Hauptstraße 12 10115 Berlin Germany Account ID: " in text


def test_the_po_number_is_printed_when_the_subscription_has_one(pdfs: dict[str, Pdf]) -> None:
    assert "PO number PO-4471-B" in pdfs["renewal"].text
    assert "PO number" not in pdfs["seats"].text


def test_each_line_shows_its_period_quantity_unit_price_and_amount(pdfs: dict[str, Pdf]) -> None:
    text = pdfs["renewal"].text
    assert "Regular plan, yearly: 12 named users 2026-11-26 \N{EN DASH} 2027-11-26 12 USD 90.00 USD 1,080.00" in text


def test_a_prorated_line_shows_its_share_of_the_period(pdfs: dict[str, Pdf]) -> None:
    text = pdfs["seats"].text
    assert text.count("prorated 47.75% (1,279,033/2,678,400 of the period)") == 2
    assert "Named user added: bob@example.com" in text
    assert "Named user added: carol@example.com" in text
    assert text.count("2027-01-11 \N{EN DASH} 2027-01-26 1 USD 9.00 USD 4.30") == 2
    assert "prorated" not in pdfs["renewal"].text


def test_a_debit_carried_from_earlier_is_added_to_the_amount_due(pdfs: dict[str, Pdf]) -> None:
    text = pdfs["renewal"].text
    assert (
        "Subtotal USD 1,080.00 Tax USD 0.00 Total USD 1,080.00 Previous balance carried USD 0.30 "
        "Amount due USD 1,080.30 Amount paid USD 0.00"
    ) in text


def test_bank_transfer_terms_give_the_due_date_and_payment_reference(pdfs: dict[str, Pdf]) -> None:
    text = pdfs["renewal"].text
    assert "Payment due within 30 days, by 2026-12-26." in text
    assert "Payment reference: INV-2026-000041" in text
    assert "Paid on" not in text


def test_a_credit_balance_applied_is_deducted_before_the_card_is_charged(pdfs: dict[str, Pdf]) -> None:
    text = pdfs["seats"].text
    assert (
        "Subtotal USD 8.60 Tax USD 0.00 Total USD 8.60 Credit balance applied -USD 3.60 "
        "Amount due USD 5.00 Amount paid USD 5.00"
    ) in text


def test_a_paid_card_invoice_says_when_and_which_card_was_charged(pdfs: dict[str, Pdf]) -> None:
    text = pdfs["seats"].text
    assert "Paid on 2027-01-11" in text
    assert "Charged to Visa •••• 4242 on 2027-01-11." in text
    assert "Billing reason Named users added" in text


def test_yen_amounts_have_no_decimals(pdfs: dict[str, Pdf]) -> None:
    text = pdfs["yen"].text
    assert "25 JPY 13,800 JPY 345,000" in text
    assert "Total JPY 345,000 Credit balance applied -JPY 1,200 Amount due JPY 343,800" in text
    assert "JPY 345,000.00" not in text


def test_dinar_amounts_have_three_decimals(pdfs: dict[str, Pdf]) -> None:
    text = pdfs["dinar"].text
    assert "1 BHD 3.450 BHD 0.300" in text
    assert "Total BHD 0.300" in text


def test_an_amount_under_the_minimum_charge_is_carried_to_the_next_invoice(pdfs: dict[str, Pdf]) -> None:
    text = pdfs["dinar"].text
    assert "Amount due BHD 0.300 Amount paid BHD 0.000" in text
    assert "Carried to the next invoice (under the BHD 0.500 minimum charge) BHD 0.300" in text
    assert "Nothing was charged" in text


def test_a_void_invoice_says_void_on_every_page(pdfs: dict[str, Pdf]) -> None:
    long = pdfs["long"]
    assert "VOID Voided on 2026-11-28" in long.pages[0]
    assert all("VOID" in page for page in long.pages)
    assert "This invoice was voided on 2026-11-28: nothing is owed." in long.text
    assert "Payment due within" not in long.text


def test_a_forty_line_invoice_spans_two_pages_with_the_table_header_repeated(pdfs: dict[str, Pdf]) -> None:
    long = pdfs["long"]
    assert len(long.pages) == 2
    for number, page in enumerate(long.pages, start=1):
        assert "DESCRIPTION PERIOD QTY UNIT PRICE AMOUNT" in page
        assert f"Invoice INV-2026-000043 Page {number} of 2" in page
    for n in range(1, 41):
        assert long.text.count(f"Named user added: user{n:02d}@example.com") == 1
    assert "Total USD 3,600.00" in long.pages[1]


# --- credit notes ---------------------------------------------------------------------------------------------------


def test_a_credit_note_is_attached_as_a_pdf_named_after_its_number(pdfs: dict[str, Pdf]) -> None:
    note = pdfs["credit_note"]
    assert note.filename == "CN-2027-000003.pdf"
    assert note.mimetype == "application/pdf"
    assert note.title == "Credit note CN-2027-000003"


def test_the_credit_note_names_the_invoice_it_credits(pdfs: dict[str, Pdf]) -> None:
    text = pdfs["credit_note"].text
    assert "Credit note CN-2027-000003" in text
    assert "Date 2027-01-14" in text
    assert "Against invoice INV-2027-000007 Invoice date 2027-01-11" in text
    assert "Reason Purchase cancelled and refunded" in text
    assert "Cancelled by the customer within 30 days of purchase." in text
    assert "Archer & Co. GmbH" in text


def test_the_credit_note_lists_what_it_credits(pdfs: dict[str, Pdf]) -> None:
    text = pdfs["credit_note"].text
    assert "Refund: bob@example.com" in text
    assert "Refund: carol@example.com" in text
    assert text.count("2027-01-11 \N{EN DASH} 2027-01-26 1 USD 9.00 USD 4.30") == 2


def test_the_credit_note_shows_what_was_refunded_and_what_went_to_the_balance(pdfs: dict[str, Pdf]) -> None:
    text = pdfs["credit_note"].text
    assert (
        "Total credited USD 8.60 Refunded to Visa •••• 4242 USD 5.00 Credited to the account's balance USD 3.60"
    ) in text
    assert "Credited to the account's balance: USD 3.60, deducted from the next invoice." in text
