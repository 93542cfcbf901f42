"""Settings / Tracking rules (admins), and the Settings navigation to the three catalog pages."""

from __future__ import annotations

from stint.tracking.selectors import tracking_rules
from tests.api.conftest import assert_error
from tests.conftest import Api, Person
from tests.web.conftest import field_error, logged_in, text

PAGE = "/settings/tracking-rules/"
RULES = {"max_record_hours": "8", "max_days_ahead": "0"}


def test_alice_sees_the_current_rules(alice: Person) -> None:
    page = logged_in(alice).get(PAGE).content.decode()
    assert 'name="max_record_hours" value="24' in page
    assert 'name="max_days_ahead" value="0"' in page


def test_a_required_comment_is_enforced_on_the_next_record(alice: Person, bob: Person, api: Api) -> None:
    response = logged_in(alice).post(PAGE, {**RULES, "require_comment": "on"}, follow=True)
    assert "The tracking rules were saved" in text(response)
    rules = tracking_rules(account=alice.account)
    assert (rules.max_record_s, rules.require_comment, rules.require_work_item) == (8 * 3600, True, False)
    refused = api.as_(bob).post("/time-records", {"start": "2026-11-23T09:00:00Z", "duration_s": 600})
    assert_error(refused, 422, "comment_required")


def test_alice_may_allow_days_ahead_and_a_quarter_hour_maximum(alice: Person) -> None:
    logged_in(alice).post(PAGE, {"max_record_hours": "0.25", "max_days_ahead": "14"})
    rules = tracking_rules(account=alice.account)
    assert (rules.max_record_s, rules.max_days_ahead) == (900, 14)


def test_values_out_of_range_are_refused_next_to_their_field(alice: Person) -> None:
    browser = logged_in(alice)
    short = browser.post(PAGE, {"max_record_hours": "0.1", "max_days_ahead": "0"})
    assert field_error(short, "max_record_hours") == (
        "The longest record must be between 0.25 hours (15 minutes) and 168 hours (7 days)."
    )
    ahead = browser.post(PAGE, {"max_record_hours": "8", "max_days_ahead": "400"})
    assert "from 0 (nothing in the future) to 365" in field_error(ahead, "max_days_ahead")
    blank = browser.post(PAGE, {"max_record_hours": "", "max_days_ahead": "x"})
    assert field_error(blank, "max_record_hours") and field_error(blank, "max_days_ahead")
    assert tracking_rules(account=alice.account).max_record_s == 24 * 3600


def test_only_admins_open_the_rules(alice: Person, bob: Person, erin: Person) -> None:
    for person in (bob, erin):
        browser = logged_in(person)
        assert browser.get(PAGE).status_code == 403
        assert browser.post(PAGE, {**RULES, "require_comment": "on"}).status_code == 403
    assert tracking_rules(account=alice.account).require_comment is False


def test_charlies_rules_are_his_own(alice: Person, charlie: Person) -> None:
    logged_in(charlie).post(PAGE, {**RULES, "require_work_item": "on"})
    assert tracking_rules(account=charlie.account).require_work_item is True
    assert tracking_rules(account=alice.account).require_work_item is False


def test_the_settings_navigation_shows_the_catalog_to_everyone_and_the_rules_to_admins(
    alice: Person, bob: Person
) -> None:
    admin = logged_in(alice).get("/settings/work-items/").content.decode()
    member = logged_in(bob).get("/settings/work-items/").content.decode()
    for page in (admin, member):
        assert 'href="/settings/work-items/" aria-current="page">Work items' in page
        assert 'href="/settings/activity-types/">Activity types' in page
    assert 'href="/settings/tracking-rules/">Tracking rules' in admin
    assert "/settings/tracking-rules/" not in member
