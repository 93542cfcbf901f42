"""Changing plan or interval in My Account: at once, the unused part credited, the new plan charged from now."""

from __future__ import annotations

from stint.core.clock import FrozenClock
from tests.conftest import Person
from tests.web.billing.conftest import DAY, PAGE, bought, subscription
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
    assert field_error(response, "offer") == "This is your plan already; choose another one to change to."


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
