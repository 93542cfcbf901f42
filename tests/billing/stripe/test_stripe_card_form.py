"""My Account with Stripe as the gateway: Stripe's card form (Stripe.js) replaces our card fields, the page sends
only the payment method id Stripe gave the browser, and the purchase goes through the Stripe-shaped local server."""

from __future__ import annotations

from stint.billing.models import Invoice
from tests.billing.stripe.fake_stripe import FakeStripe
from tests.conftest import Person
from tests.web.billing.conftest import PAGE, subscription
from tests.web.conftest import field_error, logged_in, text

STRIPE_JS = '<script src="https://js.stripe.com/v3/">'


def stripe_buy(browser: object, token: str, **fields: str) -> object:
    return browser.post(f"{PAGE}buy/", {"offer": "regular:month", "payment_method": "card", "token": token, **fields})  # type: ignore[attr-defined]


def test_with_stripe_the_page_loads_stripes_card_form_instead_of_card_fields(
    alice: Person, fake_stripe: FakeStripe
) -> None:
    html = logged_in(alice).get(PAGE).content.decode()
    assert STRIPE_JS in html
    assert 'data-stripe-key="pk_test_' in html and "data-stripe-card" in html
    assert 'name="number"' not in html and 'name="cvc"' not in html


def test_with_the_sandbox_no_script_comes_from_stripe(alice: Person) -> None:
    html = logged_in(alice).get(PAGE).content.decode()
    assert "js.stripe.com" not in html
    assert 'name="number"' in html


def test_alice_buys_with_the_payment_method_from_stripes_card_form(alice: Person, fake_stripe: FakeStripe) -> None:
    browser = logged_in(alice)
    response = stripe_buy(browser, "pm_card_visa")
    assert response.status_code == 302, text(response)  # type: ignore[arg-type]
    sub = subscription(alice)
    assert (sub.edition, sub.gateway, sub.card_brand, sub.card_last4) == ("regular", "stripe", "visa", "4242")
    invoice = Invoice.objects.get(account=alice.account)
    assert invoice.status == "paid"
    charges = [call for call in fake_stripe.requests if call.method == "POST" and call.path == "/v1/payment_intents"]
    assert len(charges) == 1 and charges[0].params["amount"] == str(invoice.amount_due_minor)
    assert "Visa •••• 4242" in text(browser.get(PAGE))


def test_a_card_declined_by_stripe_is_answered_next_to_the_card_form(alice: Person, fake_stripe: FakeStripe) -> None:
    response = stripe_buy(logged_in(alice), "tok_chargeDeclined")
    assert response.status_code == 200  # type: ignore[attr-defined]
    assert "declined" in field_error(response, "token")  # type: ignore[arg-type]
    sub = subscription(alice)
    assert (sub.edition, sub.payment_method_type) == ("trial", "")
    assert not Invoice.objects.filter(account=alice.account, status="paid").exists()


def test_a_brand_we_do_not_take_is_refused_next_to_the_card_form(alice: Person, fake_stripe: FakeStripe) -> None:
    response = stripe_buy(logged_in(alice), "pm_card_discover")
    assert field_error(response, "token") == (  # type: ignore[arg-type]
        "We accept Visa, MasterCard and American Express cards only; please use one of those."
    )
    assert subscription(alice).edition == "trial"


def test_a_card_payment_without_stripes_answer_asks_for_the_card(alice: Person, fake_stripe: FakeStripe) -> None:
    response = stripe_buy(logged_in(alice), "")
    assert "Enter the card in the card form" in field_error(response, "token")  # type: ignore[arg-type]
    assert not fake_stripe.requests
    assert subscription(alice).edition == "trial"


def test_card_numbers_sent_to_our_server_are_ignored_with_stripe(alice: Person, fake_stripe: FakeStripe) -> None:
    """A forged form posting a raw card number gets the same answer as an empty card form: numbers never reach us."""
    response = stripe_buy(logged_in(alice), "", number="4242424242424242", exp_month="12", exp_year="2030", cvc="123")
    assert "Enter the card in the card form" in field_error(response, "token")  # type: ignore[arg-type]
    assert "4242424242424242" not in response.content.decode()  # type: ignore[attr-defined]
