"""Changing plan or interval in My Account: at once, the unused part credited, the new plan charged from now; and the
payment method from now on in the same change."""

from __future__ import annotations

from stint.billing.models import Invoice
from stint.core.clock import FrozenClock
from tests.conftest import Person
from tests.web.billing.conftest import DAY, PAGE, bought, card, subscription
from tests.web.conftest import field_error, logged_in, text


def test_alice_moves_to_enterprise_half_way_through_the_month(frozen: FrozenClock, alice: Person, bob: Person) -> None:
    bought(alice)
    frozen.advance(14 * DAY)  # half of February 2026's 28 days
    browser = logged_in(alice)
    response = browser.post(f"{PAGE}plan/", {"offer": "enterprise:month"})
    assert response["Location"] == f"{PAGE}#plan"
    page = text(browser.get(PAGE))
    assert (
        "Your subscription is now Enterprise (monthly). The unused part of the old plan, USD 9.00, was credited "
        "(CN-2026-000001). Invoice INV-2026-000002: USD 6.00 due and paid." in page
    )
    assert "Plan Enterprise (monthly)" in page
    assert "CN-2026-000001 Feb 14, 2026 Plan change against INV-2026-000001 USD 9.00" in page
    assert subscription(alice).edition == "enterprise"


def test_choosing_the_current_plan_changes_nothing(alice: Person) -> None:
    bought(alice)
    response = logged_in(alice).post(f"{PAGE}plan/", {"offer": "regular:month"})
    assert field_error(response, "plan_offer") == "This is your plan already; choose another one to change to."


def test_a_bank_transfer_account_needs_a_card_before_going_monthly(alice: Person) -> None:
    bought(alice, interval="year")
    browser = logged_in(alice)
    browser.post(f"{PAGE}payment-method/", {"payment_method": "bank_transfer"})
    response = browser.post(f"{PAGE}plan/", {"offer": "regular:month"})
    assert "add a card to switch to monthly" in text(response)
    assert subscription(alice).interval == "year"


def test_a_trial_has_no_plan_to_change(alice: Person) -> None:
    browser = logged_in(alice)
    response = browser.post(f"{PAGE}plan/", {"offer": "enterprise:month"})
    assert "There is no subscription to change yet" in text(response)
    assert subscription(alice).edition == "trial"


# --- the interval and the payment method in one change ---


def test_alice_goes_from_monthly_by_card_to_annual_by_bank_transfer_in_one_change(alice: Person) -> None:
    bought(alice)
    browser = logged_in(alice)
    response = browser.post(f"{PAGE}plan/", {"offer": "regular:year", "payment_method": "bank_transfer"})
    assert response["Location"] == f"{PAGE}#plan"
    page = text(browser.get(PAGE))
    assert (
        "Your subscription is now Regular (annual). The payment method is now Bank transfer. The unused part of the "
        "old plan, USD 9.00, was credited (CN-2026-000001). Invoice INV-2026-000002: USD 81.00 due, payable within "
        "30 days (the PDF says how)." in page
    )
    assert "Plan Regular (annual)" in page
    assert "Current Bank transfer Invoices are payable within 30 days" in page
    assert "INV-2026-000002 Jan 31, 2026 Plan change" in page
    after = subscription(alice)
    assert (after.interval, after.payment_method_type, after.card_last4) == ("year", "bank_transfer", "")
    invoice = Invoice.objects.get(number="INV-2026-000002")
    assert (invoice.status, invoice.amount_due_minor) == ("open", 8100)
    assert "subscription.changed Alice Archer changed the subscription from Regular (monthly) to Regular (annual)." in (
        page
    )
    assert "payment_method.changed Alice Archer set the payment method to Bank transfer." in page


def test_bank_transfer_with_a_monthly_plan_is_refused_next_to_the_payment_method(alice: Person) -> None:
    bought(alice)
    response = logged_in(alice).post(f"{PAGE}plan/", {"offer": "enterprise:month", "payment_method": "check"})
    assert "annual plans only" in field_error(response, "plan_payment_method")
    after = subscription(alice)
    assert (after.edition, after.payment_method_type) == ("regular", "card")


def test_a_new_card_that_fails_to_pay_the_change_changes_nothing(alice: Person) -> None:
    bought(alice)
    response = logged_in(alice).post(
        f"{PAGE}plan/", {"offer": "regular:year", **card("4000 0000 0000 0341", cvc="987")}
    )
    assert field_error(response, "plan_number").startswith("The card was declined")
    html = response.content.decode()
    assert "4000 0000 0000 0341" not in html and "4000000000000341" not in html and 'value="987"' not in html
    assert "Visa ending 0341: please type the number again" in text(response)
    after = subscription(alice)
    assert (after.interval, after.card_last4) == ("month", "4242")
    assert not Invoice.objects.filter(account=alice.account, status="open").exists()


def test_the_same_plan_with_another_payment_method_changes_only_the_method(alice: Person) -> None:
    bought(alice, interval="year")
    browser = logged_in(alice)
    browser.post(f"{PAGE}plan/", {"offer": "regular:year", "payment_method": "check"})
    page = text(browser.get(PAGE))
    assert "The payment method is now Check." in page
    assert "Your subscription is now" not in page
    assert Invoice.objects.filter(account=alice.account).count() == 1


def test_the_plan_form_offers_to_keep_the_card_on_file(alice: Person) -> None:
    bought(alice)
    html = logged_in(alice).get(PAGE).content.decode()
    assert 'value="current" id="id_plan_payment_method_current" checked' in html
    assert "Keep Visa •••• 4242" in html
    assert 'id="id_plan_number"' in html and 'id="id_number"' in html  # two card forms, no id twice


def test_when_the_card_on_file_fails_the_error_is_next_to_the_payment_method(alice: Person) -> None:
    bought(alice)
    browser = logged_in(alice)
    browser.post(f"{PAGE}payment-method/", card("4000 0000 0000 0341"))  # accepted; every charge on it fails
    response = browser.post(f"{PAGE}plan/", {"offer": "enterprise:month", "payment_method": "current"})
    assert field_error(response, "plan_payment_method").startswith("The card was declined")
    assert subscription(alice).edition == "regular"
