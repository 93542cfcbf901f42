"""My Account's overview: edition, trial countdown or period end, seats, credit balance, the plan picker with the
database prices, and helpful empty states."""

from __future__ import annotations

from typing import Any

from django.db import connection
from django.test.utils import CaptureQueriesContext

from stint.accounts.services import named_user_deactivate
from stint.billing.models import Price
from stint.billing.services import subscription_cancel
from stint.core.clock import FrozenClock
from tests.conftest import Person, edition_set, make_member
from tests.web.billing.conftest import DAY, PAGE, bought, subscription
from tests.web.conftest import logged_in, text


def test_a_trial_shows_its_countdown_its_named_users_and_what_each_plan_costs_now(alice: Person, bob: Person) -> None:
    page = text(logged_in(alice).get(PAGE))
    assert "Edition Trial" in page
    assert "Trial ends March 2, 2026, 09:00 (UTC) 30 days left" in page
    assert "Seats 2 named users Unlimited during the trial." in page
    assert "Credit balance USD 0.00" in page
    assert "Regular, monthly USD 9.00 per user per month USD 18.00 now, for your 2 named users" in page
    assert "Regular, annual USD 90.00 per user per year USD 180.00 now, for your 2 named users" in page
    assert "Enterprise, monthly USD 15.00 per user per month USD 30.00 now, for your 2 named users" in page
    assert "Enterprise, annual USD 150.00 per user per year USD 300.00 now, for your 2 named users" in page


def test_the_countdown_moves_with_the_clock(frozen: FrozenClock, alice: Person) -> None:
    frozen.advance(29 * DAY + 3600)
    assert "less than a day left" in text(logged_in(alice).get(PAGE))


def test_prices_come_from_the_database(alice: Person) -> None:
    Price.objects.filter(plan__code="regular", interval="month").update(unit_amount_minor=1100)
    page = text(logged_in(alice).get(PAGE))
    assert "Regular, monthly USD 11.00 per user per month USD 11.00 now, for your 1 named user" in page


def test_an_account_without_documents_explains_where_they_will_come_from(alice: Person) -> None:
    page = text(logged_in(alice).get(PAGE))
    assert "No invoices yet Your first invoice appears here when you buy a subscription" in page
    assert "No credit notes yet A credit note is issued when you remove a user" in page


def test_a_paid_subscription_shows_its_plan_renewal_seats_and_balance(alice: Person, bob: Person) -> None:
    bought(alice)
    page = text(logged_in(alice).get(PAGE))
    assert "Edition Regular Active" in page
    assert "Plan Regular (monthly)" in page
    assert "Current period Renews on February 28, 2026, 09:00 (UTC)" in page
    assert "Seats 2 paid in this period" in page
    assert "Credit balance USD 0.00" in page
    assert "Regular, monthly current USD 9.00 per user per month USD 18.00 a month for your 2 named users" in page
    assert "Cancel subscription" in page and "Refund and move to Free" in page


def test_a_cancelled_subscription_says_when_it_ends(alice: Person) -> None:
    bought(alice)
    subscription_cancel(account=alice.account, actor=alice.user)
    page = text(logged_in(alice).get(PAGE))
    assert "Edition Regular Cancelled" in page
    assert "Current period Ends on February 28, 2026, 09:00 (UTC) (cancelled) Then the account is on Free." in page
    assert "Resume subscription" in page
    assert "Cancel subscription" not in page


def test_dates_are_shown_in_the_admins_time_zone(alice: Person) -> None:
    alice.user.timezone = "Asia/Tokyo"
    alice.user.save()
    bought(alice)
    assert "Renews on February 28, 2026, 18:00 (Asia/Tokyo)" in text(logged_in(alice).get(PAGE))


def test_a_credit_balance_is_explained(alice: Person, bob: Person) -> None:
    bought(alice)
    sub = subscription(alice)
    sub.credit_balance_minor = 450
    sub.save(update_fields=["credit_balance_minor"])
    page = text(logged_in(alice).get(PAGE))
    assert "Credit balance USD 4.50 Credit in your favour; it is taken off your next invoice." in page


def test_free_says_what_it_allows_and_offers_the_plans(alice: Person, bob: Person) -> None:
    edition_set(alice.account, "free")
    page = text(logged_in(alice).get(PAGE))
    assert "Edition Free" in page
    assert "Free lets 3 of them track time." in page
    assert "The account is on Free: 3 named users and the newest 300 time records." in page
    assert "Buy a subscription" in page


def test_the_page_reads_in_the_same_few_queries_however_many_documents(alice: Person, bob: Person) -> None:
    bought(alice)
    browser = logged_in(alice)

    def add_and_remove(n: int) -> None:
        person = make_member(alice, f"Person {n}", f"p{n}@example.com")  # an invoice
        named_user_deactivate(account=alice.account, actor=alice.user, membership=person.membership)  # a credit note

    add_and_remove(0)
    browser.get(PAGE)  # the session's first page reads a few things once
    with CaptureQueriesContext(connection) as few:
        browser.get(PAGE)
    for n in range(1, 5):
        add_and_remove(n)
    with CaptureQueriesContext(connection) as many:
        browser.get(PAGE)
    assert len(many) == len(few)


def test_a_server_on_a_license_sends_buyers_to_the_cloud(settings: Any, alice: Person) -> None:
    settings.STINT_MODE = "onprem"
    settings.STINT_LICENSE_SERVER_URL = ""
    browser = logged_in(alice)
    page = text(browser.get(PAGE))
    assert "This server works without a connection to Stint\N{RIGHT SINGLE QUOTATION MARK}s cloud." in page
    assert "To buy or change the subscription, order from our sales team" in page
    assert "Buy and pay now" not in page
    response = browser.post(f"{PAGE}buy/", {"offer": "regular:month", "payment_method": "card"})
    assert "This server runs on a license" in text(response)
    assert subscription(alice).edition == "trial"
