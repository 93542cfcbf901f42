"""The account's entry rules, checked on every new or changed record: overlap, length, future, required fields."""

from __future__ import annotations

from stint.tracking.models import ActivityType, TimeRecord, WorkItem
from tests.api.conftest import assert_error
from tests.conftest import Api, Person, Response
from tests.tracking.helpers import NOW, at, iso, records_of, set_rules, work_item

NINE = "2026-11-23T09:00:00Z"


def post(api: Api, person: Person, start: str, **fields: object) -> Response:
    return api.as_(person).post("/time-records", {"start": start, **fields})


def test_a_record_overlapping_the_persons_other_record_is_a_conflict(alice: Person, api: Api) -> None:
    records_of(alice, at("2026-11-23 09:00"), minutes=60)

    body = assert_error(post(api, alice, "2026-11-23T09:30:00Z", duration_s=3600), 409, "overlapping_record")
    assert "09:00 to 10:00" in body["detail"]
    assert_error(post(api, alice, "2026-11-23T08:00:00Z", duration_s=4 * 3600), 409, "overlapping_record")
    assert_error(post(api, alice, "2026-11-23T09:15:00Z", duration_s=60), 409, "overlapping_record")
    assert TimeRecord.objects.count() == 1


def test_records_that_touch_do_not_overlap(alice: Person, api: Api) -> None:
    records_of(alice, at("2026-11-23 09:00"), minutes=60)

    assert post(api, alice, "2026-11-23T10:00:00Z", duration_s=1800).status_code == 201
    assert post(api, alice, "2026-11-23T08:00:00Z", end=NINE).status_code == 201


def test_other_peoples_records_may_overlap(alice: Person, bob: Person, api: Api) -> None:
    records_of(alice, at("2026-11-23 09:00"), minutes=60)

    assert post(api, bob, NINE, duration_s=3600).status_code == 201


def test_a_record_must_last_at_least_a_second(alice: Person, api: Api) -> None:
    assert_error(post(api, alice, NINE, duration_s=0), 422, "non_positive_duration")
    assert_error(post(api, alice, NINE, duration_s=-60), 422, "non_positive_duration")
    assert_error(post(api, alice, NINE, end=NINE), 422, "non_positive_duration")
    assert_error(post(api, alice, NINE, end="2026-11-23T08:59:00Z"), 422, "non_positive_duration")
    assert post(api, alice, NINE, duration_s=1).status_code == 201


def test_a_record_may_be_as_long_as_the_accounts_maximum_and_no_longer(alice: Person, api: Api) -> None:
    assert_error(post(api, alice, "2026-11-20T00:00:00Z", duration_s=24 * 3600 + 1), 422, "record_too_long")
    assert post(api, alice, "2026-11-20T00:00:00Z", duration_s=24 * 3600).status_code == 201

    set_rules(alice.account, max_record_s=2 * 3600)
    body = assert_error(post(api, alice, "2026-11-22T00:00:00Z", end="2026-11-22T02:00:01Z"), 422, "record_too_long")
    assert "2 hours" in body["detail"]
    assert post(api, alice, "2026-11-22T00:00:00Z", end="2026-11-22T02:00:00Z").status_code == 201


def test_time_later_today_is_allowed_but_not_tomorrow(alice: Person, api: Api) -> None:
    # NOW is 15:00 UTC on the 26th; by default nothing may be recorded on a day after today.
    assert post(api, alice, "2026-11-26T22:00:00Z", end="2026-11-27T00:00:00Z").status_code == 201
    assert_error(post(api, alice, "2026-11-27T00:00:00Z", duration_s=60), 422, "too_far_ahead")
    assert_error(post(api, alice, "2026-11-26T23:30:00Z", end="2026-11-27T00:30:00Z"), 422, "too_far_ahead")


def test_the_days_ahead_follow_the_persons_time_zone(alice: Person, api: Api) -> None:
    alice.user.timezone = "Pacific/Auckland"  # already the 27th there at NOW (04:00 local)
    alice.user.save()

    assert post(api, alice, "2026-11-27T09:00:00+13:00", duration_s=60).status_code == 201
    assert_error(post(api, alice, "2026-11-28T09:00:00+13:00", duration_s=60), 422, "too_far_ahead")


def test_the_last_open_day_ends_at_midnight_in_the_persons_zone(alice: Person, api: Api) -> None:
    alice.user.timezone = "America/New_York"  # 10:00 on the 26th at NOW
    alice.user.save()
    set_rules(alice.account, max_days_ahead=1)

    late = post(api, alice, "2026-11-27T23:00:00-05:00", end="2026-11-28T00:00:01-05:00")
    assert_error(late, 422, "too_far_ahead")
    assert post(api, alice, "2026-11-27T23:00:00-05:00", end="2026-11-28T00:00:00-05:00").status_code == 201


def test_an_account_may_allow_some_days_ahead(alice: Person, api: Api) -> None:
    set_rules(alice.account, max_days_ahead=3)

    assert post(api, alice, "2026-11-29T09:00:00Z", duration_s=3600).status_code == 201
    body = assert_error(post(api, alice, "2026-11-30T09:00:00Z", duration_s=3600), 422, "too_far_ahead")
    assert "3 days" in body["detail"]


def test_an_account_may_require_a_work_item(alice: Person, api: Api) -> None:
    set_rules(alice.account, require_work_item=True)
    item = work_item(alice)

    assert_error(post(api, alice, NINE, duration_s=60), 422, "work_item_required")
    assert post(api, alice, NINE, duration_s=60, work_item_id=item.pk).status_code == 201


def test_an_account_may_require_an_activity_type_which_the_default_satisfies(alice: Person, api: Api) -> None:
    set_rules(alice.account, require_activity_type=True)
    design = ActivityType.objects.create(account=alice.account, name="Design", created_at=NOW)

    assert_error(post(api, alice, NINE, duration_s=60), 422, "activity_type_required")
    assert post(api, alice, NINE, duration_s=60, activity_type_id=design.pk).status_code == 201

    ActivityType.objects.create(account=alice.account, name="Dev", is_default=True, created_at=NOW)
    assert post(api, alice, "2026-11-23T10:00:00Z", duration_s=60).status_code == 201


def test_an_account_may_require_a_comment(alice: Person, api: Api) -> None:
    set_rules(alice.account, require_comment=True)

    assert_error(post(api, alice, NINE, duration_s=60), 422, "comment_required")
    assert_error(post(api, alice, NINE, duration_s=60, comment="   "), 422, "comment_required")
    assert post(api, alice, NINE, duration_s=60, comment="Standup").status_code == 201


def test_without_the_rules_nothing_is_required(alice: Person, api: Api) -> None:
    body = post(api, alice, NINE, duration_s=60).json()

    assert body["work_item_id"] is None and body["activity_type_id"] is None and body["comment"] == ""


def test_no_time_on_closed_or_archived_work_items(alice: Person, api: Api) -> None:
    closed = work_item(alice, "Shipped", state=WorkItem.State.CLOSED)
    archived = work_item(alice, "Old", archived_at=NOW)

    assert_error(post(api, alice, NINE, duration_s=60, work_item_id=closed.pk), 422, "work_item_closed")
    assert_error(post(api, alice, NINE, duration_s=60, work_item_id=archived.pk), 422, "work_item_closed")
    assert not TimeRecord.objects.exists()


def test_the_rules_also_hold_when_a_record_is_changed(alice: Person, api: Api) -> None:
    [record] = records_of(alice, at("2026-11-23 09:00"), minutes=60)
    records_of(alice, at("2026-11-23 11:00"), minutes=60)
    closed = work_item(alice, "Shipped", state=WorkItem.State.CLOSED)
    path = f"/time-records/{record.pk}"

    assert_error(api.as_(alice).patch(path, {"end": "2026-11-23T11:30:00Z"}), 409, "overlapping_record")
    assert_error(api.as_(alice).patch(path, {"duration_s": 0}), 422, "non_positive_duration")
    assert_error(api.as_(alice).patch(path, {"duration_s": 25 * 3600}), 422, "record_too_long")
    tomorrow = {"start": iso(at("2026-11-27 09:00")), "duration_s": 60}
    assert_error(api.as_(alice).patch(path, tomorrow), 422, "too_far_ahead")
    assert_error(api.as_(alice).patch(path, {"work_item_id": closed.pk}), 422, "work_item_closed")
    set_rules(alice.account, require_comment=True)
    assert_error(api.as_(alice).patch(path, {"billable": False}), 422, "comment_required")
    record.refresh_from_db()
    assert (record.start, record.duration_s, record.work_item_id, record.billable) == (
        at("2026-11-23 09:00"),
        3600,
        None,
        True,
    )


def test_a_record_moved_onto_its_own_old_span_is_no_overlap(alice: Person, api: Api) -> None:
    [record] = records_of(alice, at("2026-11-23 09:00"), minutes=60)

    response = api.as_(alice).patch(f"/time-records/{record.pk}", {"start": "2026-11-23T09:30:00Z"})

    assert response.status_code == 200, response
    assert response.json()["end"] == "2026-11-23T10:00:00Z" and response.json()["duration_s"] == 1800


def test_an_archived_activity_type_takes_no_new_time(alice: Person, api: Api) -> None:
    activity = api.as_(alice).post("/activity-types", {"name": "Old kind"}).json()
    api.as_(alice).patch(f"/activity-types/{activity['id']}", {"archived": True})
    response = api.as_(alice).post(
        "/time-records", {"start": "2026-11-23T09:00:00Z", "duration_s": 600, "activity_type_id": activity["id"]}
    )
    assert_error(response, 422, "activity_type_archived", field="activity_type_id")
