"""The current payment method and its "change" form."""

from __future__ import annotations

from tests.conftest import Person
from tests.web.billing.conftest import PAGE, bought, card, subscription
from tests.web.conftest import field_error, logged_in, text


def test_alice_replaces_her_visa_with_a_mastercard(alice: Person) -> None:
    bought(alice)
    browser = logged_in(alice)
    response = browser.post(f"{PAGE}payment-method/", card("5555 5555 5555 4444", exp_month="3", exp_year="2031"))
    assert response["Location"] == f"{PAGE}#payment-method"
    page = text(browser.get(PAGE))
    assert "The payment method is now MasterCard •••• 4444; it pays the next invoices." in page
    assert "Current MasterCard •••• 4444 expires 03/2031" in page
    assert "payment_method.changed Alice Archer set the payment method to MasterCard •••• 4444." in page


def test_a_declined_card_leaves_the_current_one_in_place(alice: Person) -> None:
    bought(alice)
    response = logged_in(alice).post(f"{PAGE}payment-method/", card("4000000000000002"))
    assert field_error(response, "number").startswith("The card was declined by its bank")
    assert "Current Visa •••• 4242" in text(response)
    assert '<details class="disclosure" open>' in response.content.decode()  # the form stays open on its error
    assert subscription(alice).card_last4 == "4242"


def test_bank_transfer_needs_an_annual_plan(alice: Person) -> None:
    bought(alice)
    response = logged_in(alice).post(f"{PAGE}payment-method/", {"payment_method": "bank_transfer"})
    assert "annual plans only" in field_error(response, "payment_method")
    assert subscription(alice).payment_method_type == "card"


def test_an_annual_plan_switches_to_check(alice: Person) -> None:
    bought(alice, interval="year")
    browser = logged_in(alice)
    browser.post(f"{PAGE}payment-method/", {"payment_method": "check"})
    assert "Current Check Invoices are payable within 30 days" in text(browser.get(PAGE))


def test_a_monthly_plan_offers_bank_transfer_and_check_disabled_with_the_reason(alice: Person) -> None:
    bought(alice)
    html = logged_in(alice).get(PAGE).content.decode()
    assert 'value="bank_transfer" id="id_payment_method_1" data-annual-only disabled' in html
    assert "your plan is monthly. To pay that way, choose an annual plan and bank transfer or check together" in html
