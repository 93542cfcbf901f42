"""GET and PATCH /tracking-rules: everyone reads the account's entry rules, admins change them, and new records
follow the new rules at once."""

from __future__ import annotations

import pytest

from stint.tracking.selectors import tracking_rules
from tests.api.conftest import assert_error
from tests.conftest import Api, Person

NINE = "2026-11-23T09:00:00Z"
DEFAULTS = {
    "max_record_s": 24 * 3600,
    "max_days_ahead": 0,
    "require_work_item": False,
    "require_activity_type": False,
    "require_comment": False,
}


def test_everyone_in_the_account_reads_the_rules(alice: Person, bob: Person, erin: Person, api: Api) -> None:
    for person in (alice, bob, erin):
        response = api.as_(person).get("/tracking-rules")
        assert response.status_code == 200, response
        assert response.json() == DEFAULTS


def test_the_rules_need_a_token(api: Api) -> None:
    assert_error(api.get("/tracking-rules"), 401, "not_authenticated")
    assert_error(api.patch("/tracking-rules", {"require_comment": True}), 401, "not_authenticated")


def test_alice_changes_some_rules_and_keeps_the_others(alice: Person, api: Api) -> None:
    response = api.as_(alice).patch("/tracking-rules", {"max_record_s": 8 * 3600, "require_comment": True})
    assert response.status_code == 200, response
    assert response.json() == {**DEFAULTS, "max_record_s": 8 * 3600, "require_comment": True}
    assert api.as_(alice).get("/tracking-rules").json()["max_record_s"] == 8 * 3600


def test_a_field_sent_as_null_is_left_as_it_is(alice: Person, api: Api) -> None:
    api.as_(alice).patch("/tracking-rules", {"max_days_ahead": 3})
    response = api.as_(alice).patch("/tracking-rules", {"max_days_ahead": None, "require_work_item": True})
    assert response.json()["max_days_ahead"] == 3
    assert response.json()["require_work_item"] is True


def test_a_required_comment_is_enforced_at_once(alice: Person, api: Api) -> None:
    assert api.as_(alice).post("/time-records", {"start": NINE, "duration_s": 600}).status_code == 201
    api.as_(alice).patch("/tracking-rules", {"require_comment": True})
    response = api.as_(alice).post("/time-records", {"start": "2026-11-23T10:00:00Z", "duration_s": 600})
    assert_error(response, 422, "comment_required")
    with_comment = {"start": "2026-11-23T10:00:00Z", "duration_s": 600, "comment": "Planning"}
    assert api.as_(alice).post("/time-records", with_comment).status_code == 201


def test_a_shorter_maximum_is_enforced_at_once(alice: Person, bob: Person, api: Api) -> None:
    api.as_(alice).patch("/tracking-rules", {"max_record_s": 3600})
    assert api.as_(bob).post("/time-records", {"start": NINE, "duration_s": 3600}).status_code == 201
    too_long = {"start": "2026-11-23T11:00:00Z", "duration_s": 3601}
    assert api.as_(bob).post("/time-records", too_long).status_code == 422


def test_bob_and_erin_may_not_change_the_rules(alice: Person, bob: Person, erin: Person, api: Api) -> None:
    for person in (bob, erin):
        assert_error(api.as_(person).patch("/tracking-rules", {"require_comment": True}), 403, "admin_only")
        # Even a refused value is refused for the role first, not explained.
        assert_error(api.as_(person).patch("/tracking-rules", {"max_record_s": 1}), 403, "admin_only")
    assert tracking_rules(account=alice.account).require_comment is False


def test_charlie_reads_and_changes_only_his_own_accounts_rules(alice: Person, charlie: Person, api: Api) -> None:
    response = api.as_(charlie).patch("/tracking-rules", {"require_comment": True, "max_days_ahead": 7})
    assert response.status_code == 200, response
    assert tracking_rules(account=charlie.account).require_comment is True
    assert tracking_rules(account=alice.account).require_comment is False
    assert api.as_(alice).get("/tracking-rules").json() == DEFAULTS


@pytest.mark.parametrize(
    ("body", "code", "field"),
    [
        ({"max_record_s": 899}, "invalid_max_record_s", "max_record_s"),
        ({"max_record_s": 7 * 24 * 3600 + 1}, "invalid_max_record_s", "max_record_s"),
        ({"max_record_s": 0}, "invalid_max_record_s", "max_record_s"),
        ({"max_record_s": -3600}, "invalid_max_record_s", "max_record_s"),
        ({"max_days_ahead": -1}, "invalid_max_days_ahead", "max_days_ahead"),
        ({"max_days_ahead": 366}, "invalid_max_days_ahead", "max_days_ahead"),
    ],
)
def test_values_out_of_range_are_refused_naming_the_field(
    alice: Person, api: Api, body: dict, code: str, field: str
) -> None:
    error = assert_error(api.as_(alice).patch("/tracking-rules", body), 422, code, field=field)
    assert field in error["detail"]
    assert api.as_(alice).get("/tracking-rules").json() == DEFAULTS


def test_the_limits_themselves_are_allowed(alice: Person, api: Api) -> None:
    low = api.as_(alice).patch("/tracking-rules", {"max_record_s": 900, "max_days_ahead": 0})
    assert low.status_code == 200, low
    high = api.as_(alice).patch("/tracking-rules", {"max_record_s": 7 * 24 * 3600, "max_days_ahead": 365})
    assert high.json()["max_record_s"] == 7 * 24 * 3600 and high.json()["max_days_ahead"] == 365


@pytest.mark.parametrize(
    "raw",
    [
        '{"max_record_s": "a lot"}',
        '{"max_record_s": 1e30}',
        '{"max_record_s": 99999999999999999999999999}',
        '{"max_days_ahead": 2.5}',
        '{"require_comment": "perhaps"}',
        '{"require_comment": [true]}',
        "[]",
        '"rules"',
        "{not json",
    ],
)
def test_malformed_bodies_are_answered_with_400_never_500(alice: Person, api: Api, raw: str) -> None:
    assert_error(api.as_(alice).patch("/tracking-rules", raw=raw), 400)
    assert api.as_(alice).get("/tracking-rules").json() == DEFAULTS


def test_unknown_rules_are_ignored_like_any_unknown_field(alice: Person, api: Api) -> None:
    response = api.as_(alice).patch("/tracking-rules", {"max_weekly_hours": 40})
    assert response.status_code == 200, response
    assert response.json() == DEFAULTS
