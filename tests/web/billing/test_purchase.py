"""Buying a plan in My Account: the card form, its errors next to the fields, and nothing stored of a card but its
brand, last four digits and expiry."""

from __future__ import annotations

import logging

import pytest
from django.test import Client

from stint.billing.models import Invoice, SandboxCard
from stint.notifications.models import AccountEvent
from tests.conftest import Person
from tests.web.billing.conftest import PAGE, buy, card, subscription
from tests.web.conftest import field_error, logged_in, text


def test_alice_buys_regular_monthly_with_a_visa_card(alice: Person, bob: Person) -> None:
    browser = logged_in(alice)
    response = buy(browser)
    assert response.status_code == 302 and response["Location"] == PAGE
    page = text(browser.get(PAGE))
    assert (
        "You bought Regular (monthly) for 2 named users. Invoice INV-2026-000001 of USD 18.00: paid with "
        "Visa •••• 4242." in page
    )
    assert "Edition Regular Active" in page
    assert "Current Visa •••• 4242 expires 12/2030" in page
    row = "INV-2026-000001 Jan 31, 2026 Purchase Jan 31, 2026 \N{EN DASH} Feb 28, 2026 USD 18.00 USD 18.00 Paid"
    assert row in page
    sub = subscription(alice)
    assert (sub.edition, sub.interval, sub.seats, sub.card_last4) == ("regular", "month", 2, "4242")


def test_a_declined_card_is_answered_next_to_the_card_number_and_changes_nothing(alice: Person) -> None:
    response = buy(logged_in(alice), number="4000 0000 0000 0002")
    assert response.status_code == 200
    assert field_error(response, "number") == (
        "The card was declined by its bank; please use another card, or ask the bank why."
    )
    assert "Visa ending 0002: please type the number again" in text(response)
    sub = subscription(alice)
    assert (sub.edition, sub.status, sub.payment_method_type) == ("trial", "trialing", "")
    assert not Invoice.objects.filter(account=alice.account).exists()
    assert not AccountEvent.objects.filter(account=alice.account, type="subscription.purchased").exists()


def test_the_card_number_and_code_are_never_echoed_back(alice: Person) -> None:
    response = buy(logged_in(alice), number="4000000000000002", cvc="987")
    html = response.content.decode()
    assert "4000000000000002" not in html and "4000 0000" not in html
    assert 'value="987"' not in html
    assert 'value="12"' in html and 'value="2030"' in html  # the expiry is no secret: kept for the second try
    assert response["Cache-Control"] == "no-store"


def test_no_card_number_reaches_the_logs_or_the_database(alice: Person, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.DEBUG):
        buy(logged_in(alice))
    assert "4242424242424242" not in caplog.text and "4242 4242 4242 4242" not in caplog.text
    saved = SandboxCard.objects.get()
    assert (saved.brand, saved.last4) == ("visa", "4242")
    for event in AccountEvent.objects.filter(account=alice.account):
        assert "4242424242424242" not in event.summary + str(event.data)


@pytest.mark.parametrize(
    ("fields", "field", "error"),
    [
        (card("6011 1111 1111 1117"), "number", "We accept Visa, MasterCard and American Express cards only"),
        (card("4242 4242 4242 4241"), "number", "This card number is not valid; check it for a mistyped digit."),
        (card(""), "number", "Enter the card's number."),
        (card(exp_year="2025"), "exp_year", "This card expired at the end of 12/2025"),
        (card(exp_month="13"), "exp_month", "The expiry month is a number from 1 to 12"),
        (card("3782 822463 10005", cvc="123"), "cvc", "The security code (CVC) of a American Express card has 4"),
    ],
)
def test_card_mistakes_are_shown_next_to_their_field(
    alice: Person, fields: dict[str, str], field: str, error: str
) -> None:
    response = logged_in(alice).post(f"{PAGE}buy/", {"offer": "regular:month", **fields})
    assert response.status_code == 200
    assert error in field_error(response, field)
    assert subscription(alice).edition == "trial"


def test_bank_transfer_is_refused_for_a_monthly_plan(alice: Person) -> None:
    response = buy(logged_in(alice), payment_method="bank_transfer")
    assert "Bank transfer and check are available for annual plans only" in field_error(response, "payment_method")
    assert subscription(alice).edition == "trial"


def test_an_annual_plan_can_be_paid_by_bank_transfer_within_30_days(alice: Person) -> None:
    browser = logged_in(alice)
    response = browser.post(f"{PAGE}buy/", {"offer": "regular:year", "payment_method": "bank_transfer"})
    assert response.status_code == 302
    page = text(browser.get(PAGE))
    assert "Invoice INV-2026-000001 of USD 90.00: payable within 30 days" in page
    assert "Current Bank transfer Invoices are payable within 30 days" in page
    assert "USD 90.00 USD 90.00 Open due on Mar 2, 2026" in page


def test_the_po_number_given_at_purchase_is_printed_on_the_invoice(alice: Person) -> None:
    browser = logged_in(alice)
    buy(browser, po_number="PO-7731")
    page = text(browser.get(PAGE))
    assert "PO PO-7731" in page
    assert subscription(alice).po_number == "PO-7731"


def test_a_plan_must_be_chosen(alice: Person) -> None:
    response = logged_in(alice).post(f"{PAGE}buy/", card())
    assert field_error(response, "offer") == "Choose a plan and how often to pay."
    response = logged_in(alice).post(f"{PAGE}buy/", {"offer": "gold:month", **card()})
    assert field_error(response, "offer") == "Choose one of the plans on offer."


def test_the_po_number_has_at_most_60_characters(alice: Person) -> None:
    response = buy(logged_in(alice), po_number="P" * 61)
    assert "at most 60 characters" in field_error(response, "po_number")


def test_buying_twice_is_refused_above_the_page(alice: Person) -> None:
    browser = logged_in(alice)
    buy(browser)
    response = buy(browser, offer="enterprise:month")
    assert "This account already has a subscription" in text(response)
    assert subscription(alice).edition == "regular"


def test_the_form_needs_its_csrf_token(alice: Person) -> None:
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(alice.user)
    assert browser.post(f"{PAGE}buy/", {"offer": "regular:month", **card()}).status_code == 403
    assert subscription(alice).edition == "trial"


def test_opening_the_form_address_leads_back_to_the_page(alice: Person) -> None:
    assert logged_in(alice).get(f"{PAGE}buy/")["Location"] == f"{PAGE}#buy"
