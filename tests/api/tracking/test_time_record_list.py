"""API.md Tracking: GET /time-records: newest first, filters from/to/user_id/work_item_id, keyset pages."""

from __future__ import annotations

from datetime import timedelta

from tests.api.conftest import assert_error
from tests.conftest import Api, Person, Response
from tests.tracking.helpers import at, records_of, work_item


def starts(response: Response) -> list[str]:
    assert response.status_code == 200, response
    return [item["start"] for item in response.json()["items"]]


def test_the_list_is_newest_first_with_no_hidden_records(alice: Person, api: Api) -> None:
    records_of(alice, at("2026-11-23 09:00"), at("2026-11-25 09:00"), at("2026-11-24 09:00"))

    response = api.as_(alice).get("/time-records")

    assert starts(response) == ["2026-11-25T09:00:00Z", "2026-11-24T09:00:00Z", "2026-11-23T09:00:00Z"]
    assert response.json()["hidden_count"] == 0 and response.json()["next_cursor"] is None


def test_members_see_only_their_own_records_managers_and_admins_everyones(
    alice: Person, bob: Person, erin: Person, api: Api
) -> None:
    records_of(alice, at("2026-11-23 09:00"))
    records_of(bob, at("2026-11-24 09:00"))

    assert starts(api.as_(bob).get("/time-records")) == ["2026-11-24T09:00:00Z"]
    assert starts(api.as_(bob).get("/time-records", user_id=alice.id)) == []
    assert len(starts(api.as_(erin).get("/time-records"))) == 2
    assert starts(api.as_(alice).get("/time-records", user_id=bob.id)) == ["2026-11-24T09:00:00Z"]


def test_charlies_list_never_includes_alices_records(alice: Person, charlie: Person, api: Api) -> None:
    records_of(alice, at("2026-11-23 09:00"))
    records_of(charlie, at("2026-11-24 09:00"))

    assert starts(api.as_(charlie).get("/time-records")) == ["2026-11-24T09:00:00Z"]
    assert starts(api.as_(alice).get("/time-records")) == ["2026-11-23T09:00:00Z"]


def test_a_date_filter_means_midnight_in_the_callers_time_zone(alice: Person, api: Api) -> None:
    alice.user.timezone = "Europe/Berlin"
    alice.user.save()
    # 22:30 UTC on the 22nd is 23:30 on the 22nd in Berlin; 23:30 UTC on the 22nd is already the 23rd there.
    records_of(alice, at("2026-11-22 22:30"), at("2026-11-22 23:30"), at("2026-11-23 22:59"), at("2026-11-23 23:00"))

    day = api.as_(alice).get("/time-records", **{"from": "2026-11-23", "to": "2026-11-24"})

    assert starts(day) == ["2026-11-23T22:59:00Z", "2026-11-22T23:30:00Z"]


def test_datetime_filters_take_an_offset_from_is_inclusive_and_to_exclusive(alice: Person, api: Api) -> None:
    records_of(alice, at("2026-11-23 08:00"), at("2026-11-23 09:00"), at("2026-11-23 10:00"))

    response = api.as_(alice).get(
        "/time-records", **{"from": "2026-11-23T10:00:00+01:00", "to": "2026-11-23T11:00:00+01:00"}
    )

    assert starts(response) == ["2026-11-23T09:00:00Z"]
    assert starts(api.as_(alice).get("/time-records", to="2026-11-23T09:00:00Z")) == ["2026-11-23T08:00:00Z"]


def test_bad_date_filters_are_refused_with_a_reason(alice: Person, api: Api) -> None:
    assert_error(api.as_(alice).get("/time-records", **{"from": "23.11.2026"}), 422, "invalid_from")
    assert_error(api.as_(alice).get("/time-records", to="2026-11-23T09:00:00"), 422, "invalid_to")
    assert_error(api.as_(alice).get("/time-records", **{"from": "0001-01-01T00:00:00+05:00"}), 422, "invalid_from")
    alice.user.timezone = "Asia/Tokyo"
    alice.user.save()
    assert_error(api.as_(alice).get("/time-records", to="0001-01-01"), 422, "invalid_to")


def test_records_are_filtered_by_work_item(alice: Person, api: Api) -> None:
    item = work_item(alice)
    records_of(alice, at("2026-11-23 09:00"), work_item=item)
    records_of(alice, at("2026-11-24 09:00"))

    assert starts(api.as_(alice).get("/time-records", work_item_id=item.pk)) == ["2026-11-23T09:00:00Z"]
    assert starts(api.as_(alice).get("/time-records", work_item_id=2**62)) == []
    assert_error(api.as_(alice).get("/time-records", work_item_id=2**63), 400)
    assert_error(api.as_(alice).get("/time-records", user_id=2**64), 400)


def test_pages_cover_every_record_once_newest_first(alice: Person, bob: Person, api: Api) -> None:
    first = at("2026-11-01 08:00")
    made = records_of(alice, *[first + timedelta(hours=h) for h in range(25)], minutes=30)
    # Bob's records start at the same instants: ties on start are broken by id, without gaps or repeats.
    made += records_of(bob, *[first + timedelta(hours=h) for h in range(25)], minutes=30)

    seen: list[int] = []
    cursor = None
    while True:
        query = {"limit": 7} | ({"cursor": cursor} if cursor else {})
        body = api.as_(alice).get("/time-records", **query).json()
        seen += [item["id"] for item in body["items"]]
        cursor = body["next_cursor"]
        if cursor is None:
            break

    assert len(seen) == len(set(seen)) == 50
    expected = sorted(made, key=lambda r: (r.start, r.pk), reverse=True)
    assert seen == [r.pk for r in expected]


def test_limit_and_cursor_are_checked(alice: Person, api: Api) -> None:
    assert_error(api.as_(alice).get("/time-records", limit=501), 400, "invalid_limit")
    assert_error(api.as_(alice).get("/time-records", limit=0), 400, "invalid_limit")
    assert_error(api.as_(alice).get("/time-records", cursor="not-ours"), 400, "invalid_cursor")


def test_nobody_without_a_token_lists_records(alice: Person, api: Api) -> None:
    assert_error(api.get("/time-records"), 401)
