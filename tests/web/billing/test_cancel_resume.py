"""Cancel and resume: each through a confirmation that states the end date or the renewal and its amount."""

from __future__ import annotations

from tests.conftest import Person
from tests.web.billing.conftest import PAGE, bought, subscription
from tests.web.conftest import logged_in, text


def test_the_cancel_confirmation_states_the_end_date_and_free_afterwards(alice: Person) -> None:
    bought(alice)
    page = text(logged_in(alice).get(f"{PAGE}cancel/"))
    assert "Cancel the subscription?" in page
    assert "Regular stays as it is until February 28, 2026, 09:00 (UTC); it is not renewed" in page
    assert "Then the account is on Free: 3 named users and the newest 300 time records." in page
    assert "use “Refund” instead (possible until March 2, 2026, 09:00 (UTC))" in page
    assert "Keep subscription" in page
    assert not subscription(alice).cancel_at_period_end


def test_alice_cancels_then_resumes(alice: Person, bob: Person) -> None:
    bought(alice)
    browser = logged_in(alice)
    assert browser.post(f"{PAGE}cancel/")["Location"] == PAGE
    page = text(browser.get(PAGE))
    assert (
        "The subscription is cancelled: it ends on February 28, 2026, 09:00 (UTC), then the account is on Free." in page
    )
    assert "Ends on February 28, 2026, 09:00 (UTC) (cancelled)" in page
    assert subscription(alice).cancel_at_period_end

    confirm = text(browser.get(f"{PAGE}resume/"))
    assert "Resume the subscription? Due on Feb 28, 2026, before credit USD 18.00" in confirm
    assert "Regular (monthly) renews on February 28, 2026, 09:00 (UTC) instead of ending" in confirm
    assert "At the renewal USD 18.00 is due for your 2 named users at today's price" in confirm
    assert "paid with Visa •••• 4242" in confirm
    browser.post(f"{PAGE}resume/")
    page = text(browser.get(PAGE))
    assert "The subscription is resumed: it renews on February 28, 2026, 09:00 (UTC)." in page
    assert "Renews on February 28, 2026, 09:00 (UTC)" in page
    assert not subscription(alice).cancel_at_period_end


def test_a_trial_has_nothing_to_cancel_or_resume(alice: Person) -> None:
    browser = logged_in(alice)
    for action in ("cancel", "resume"):
        response = browser.get(f"{PAGE}{action}/")
        assert response["Location"] == PAGE
    assert "There is no paid subscription at the moment." in text(browser.get(PAGE))


def test_resuming_what_is_not_cancelled_says_so(alice: Person) -> None:
    bought(alice)
    browser = logged_in(alice)
    assert browser.get(f"{PAGE}resume/")["Location"] == PAGE
    assert "The subscription is not cancelled; it renews on February 28, 2026" in text(browser.get(PAGE))
