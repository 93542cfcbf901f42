"""Tax per buyer, computed per line and summed exactly; reverse charge for EU businesses in another country."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from stint.accounts.models import Account
from stint.accounts.services import named_user_add, named_user_deactivate
from stint.billing.models import CreditNote, Invoice
from stint.billing.pdf import credit_note_context, invoice_context
from stint.billing.services import subscription_purchase, subscription_refund
from stint.core.clock import FrozenClock
from tests.billing.conftest import VISA
from tests.conftest import Person

DAY = 86400


def buyer(person: Person, **fields: Any) -> None:
    Account.objects.filter(pk=person.account.pk).update(**fields)
    person.account.refresh_from_db()


def buy(person: Person) -> Invoice:
    _, invoice = subscription_purchase(
        account=person.account, actor=person.user, plan="regular", interval="month", payment_method=VISA
    )
    return invoice


def test_a_taxed_buyer_pays_the_tax_of_each_line(frozen: FrozenClock, alice: Person) -> None:
    buyer(alice, country="DE", tax_rate_percent=Decimal("19.00"))
    invoice = buy(alice)
    assert (invoice.subtotal_minor, invoice.tax_minor, invoice.total_minor, invoice.amount_paid_minor) == (
        900, 171, 1071, 1071,
    )  # fmt: skip
    assert invoice.lines.get().tax_minor == 171
    assert invoice.buyer["tax_rate"] == "19"


def test_seat_charges_and_credits_carry_the_tax(frozen: FrozenClock, alice: Person) -> None:
    buyer(alice, country="DE", tax_rate_percent=Decimal("19.00"))
    buy(alice)
    frozen.advance(10 * DAY)  # 18 of 28 days left: 900 x 18/28 = 578.57 -> 579
    bob = named_user_add(account=alice.account, actor=alice.user, email="bob@example.com", name="Bob")
    seat = Invoice.objects.get(billing_reason="seat_change")
    assert (seat.subtotal_minor, seat.tax_minor, seat.total_minor) == (579, 110, 689)
    named_user_deactivate(account=alice.account, actor=alice.user, membership=bob)  # at once: all of it back
    note = CreditNote.objects.get()
    assert (note.subtotal_minor, note.tax_minor, note.total_minor, note.invoice_id) == (579, 110, 689, seat.pk)


def test_a_refund_pays_back_the_tax_too(frozen: FrozenClock, alice: Person) -> None:
    buyer(alice, country="DE", tax_rate_percent=Decimal("19.00"))
    buy(alice)
    (note,) = subscription_refund(account=alice.account, actor=alice.user)
    assert (note.subtotal_minor, note.tax_minor, note.total_minor, note.refund_minor) == (900, 171, 1071, 1071)


@pytest.mark.parametrize(
    ("seller", "country", "vat_id", "reverse"),
    [
        ("DE", "FR", "FR12345678901", True),  # an EU business in another EU country
        ("DE", "DE", "DE123456789", False),  # same country: taxed normally
        ("DE", "FR", "", False),  # a consumer: taxed
        ("DE", "US", "", False),  # outside the EU: whatever staff set
        ("", "FR", "FR12345678901", False),  # no seller country configured: never reverse charge
    ],
)
def test_reverse_charge_applies_only_to_eu_businesses_in_another_country(
    frozen: FrozenClock, alice: Person, settings: Any, seller: str, country: str, vat_id: str, reverse: bool
) -> None:
    settings.STINT_SELLER_COUNTRY = seller
    buyer(alice, country=country, vat_id=vat_id, tax_rate_percent=Decimal("20"))
    invoice = buy(alice)
    assert invoice.buyer["reverse_charge"] is reverse
    assert invoice.tax_minor == (0 if reverse else 180)
    text = " ".join(str(v) for v in invoice_context(invoice).values())
    assert ("Reverse charge" in text) is reverse


def test_the_pdf_names_the_buyers_vat_id_and_the_rate(frozen: FrozenClock, alice: Person) -> None:
    buyer(alice, legal_name="Alice GmbH", country="DE", vat_id="DE123456789", tax_rate_percent=Decimal("19"))
    invoice = buy(alice)
    text = " ".join(str(v) for v in invoice_context(invoice).values())
    assert "DE123456789" in text and "19%" in text and "Alice GmbH" in text
    (note,) = subscription_refund(account=alice.account, actor=alice.user)
    assert "DE123456789" in " ".join(str(v) for v in credit_note_context(note).values())


def test_a_bank_transfer_invoice_tells_where_to_pay(frozen: FrozenClock, alice: Person, settings: Any) -> None:
    settings.STINT_SELLER_BANK_DETAILS = "Stint Ltd, IBAN DE89 3704 0044 0532 0130 00, BIC COBADEFFXXX"
    _, invoice = subscription_purchase(
        account=alice.account, actor=alice.user, plan="regular", interval="year",
        payment_method={"type": "bank_transfer"},
    )  # fmt: skip
    terms = " ".join(invoice_context(invoice)["notes"])
    assert "IBAN DE89 3704 0044 0532 0130 00" in terms and invoice.number in terms
