"""API.md Tracking: POST /time-records: a span given by end or duration, its defaults, and who may record it."""

from __future__ import annotations

from stint.tracking.models import ActivityType, TimeRecord
from tests.api.conftest import assert_error
from tests.conftest import Api, Person
from tests.tracking.helpers import NOW, work_item

MONDAY_9 = "2026-11-23T09:00:00+01:00"


def test_alice_records_time_with_start_and_end(alice: Person, api: Api) -> None:
    item = work_item(alice, "Checkout")
    response = api.as_(alice).post(
        "/time-records",
        {"start": MONDAY_9, "end": "2026-11-23T10:30:00+01:00", "work_item_id": item.pk, "comment": " Review "},
    )

    assert response.status_code == 201, response
    body = response.json()
    assert body["start"] == "2026-11-23T08:00:00Z" and body["end"] == "2026-11-23T09:30:00Z"
    assert body["duration_s"] == 5400 and body["billable"] is True and body["billable_s"] == 5400
    assert body["user_id"] == alice.id and body["work_item_id"] == item.pk and body["comment"] == "Review"
    assert body["source"] == "api" and body["added_by_id"] == alice.id and body["edited_by_id"] is None
    assert body["created_at"] == body["updated_at"] == "2026-11-26T15:00:00Z"


def test_a_duration_sets_the_end(alice: Person, api: Api) -> None:
    body = api.as_(alice).post("/time-records", {"start": MONDAY_9, "duration_s": 1800}).json()

    assert body["end"] == "2026-11-23T08:30:00Z" and body["duration_s"] == 1800


def test_end_and_duration_must_agree_when_both_are_sent(alice: Person, api: Api) -> None:
    agreeing = {"start": MONDAY_9, "end": "2026-11-23T10:00:00+01:00", "duration_s": 3600}
    assert api.as_(alice).post("/time-records", agreeing).status_code == 201

    disagreeing = {"start": "2026-11-23T11:00:00+01:00", "end": "2026-11-23T12:00:00+01:00", "duration_s": 60}
    assert_error(api.as_(alice).post("/time-records", disagreeing), 422, "end_duration_mismatch")


def test_a_record_needs_an_end_or_a_duration_and_a_start(alice: Person, api: Api) -> None:
    assert_error(api.as_(alice).post("/time-records", {"start": MONDAY_9}), 422, "end_or_duration_required")
    assert_error(api.as_(alice).post("/time-records", {"duration_s": 60}), 400)
    assert_error(api.as_(alice).post("/time-records", {"start": "2026-11-23T09:00:00", "duration_s": 60}), 400)


def test_seconds_are_cut_to_whole_seconds(alice: Person, api: Api) -> None:
    body = api.as_(alice).post("/time-records", {"start": "2026-11-23T09:00:00.900+01:00", "duration_s": 60}).json()

    assert body["start"] == "2026-11-23T08:00:00Z" and body["duration_s"] == 60


def test_a_non_billable_record_has_no_billable_seconds(alice: Person, api: Api) -> None:
    body = api.as_(alice).post("/time-records", {"start": MONDAY_9, "duration_s": 3600, "billable": False}).json()

    assert body["billable"] is False and body["billable_s"] == 0


def test_billable_seconds_may_be_less_than_the_duration_but_not_more(alice: Person, api: Api) -> None:
    body = api.as_(alice).post("/time-records", {"start": MONDAY_9, "duration_s": 3600, "billable_s": 900}).json()
    assert body["billable"] is True and body["billable_s"] == 900

    later = "2026-11-23T11:00:00+01:00"
    too_much = {"start": later, "duration_s": 3600, "billable_s": 3601}
    assert_error(api.as_(alice).post("/time-records", too_much), 422, "invalid_billable_s")
    assert_error(api.as_(alice).post("/time-records", {**too_much, "billable_s": -1}), 422, "invalid_billable_s")
    assert_error(api.as_(alice).post("/time-records", {**too_much, "billable_s": 10**15}), 400)


def test_the_accounts_default_activity_type_is_applied(alice: Person, api: Api) -> None:
    default = ActivityType.objects.create(account=alice.account, name="Dev", is_default=True, created_at=NOW)
    other = ActivityType.objects.create(account=alice.account, name="Design", created_at=NOW)

    first = api.as_(alice).post("/time-records", {"start": MONDAY_9, "duration_s": 60}).json()
    second = (
        api.as_(alice)
        .post("/time-records", {"start": "2026-11-23T10:00:00+01:00", "duration_s": 60, "activity_type_id": other.pk})
        .json()
    )

    assert first["activity_type_id"] == default.pk
    assert second["activity_type_id"] == other.pk


def test_a_member_records_their_own_time_but_not_someone_elses(alice: Person, bob: Person, api: Api) -> None:
    own = api.as_(bob).post("/time-records", {"start": MONDAY_9, "duration_s": 600})
    assert own.status_code == 201 and own.json()["user_id"] == bob.id

    for_alice = {"start": MONDAY_9, "duration_s": 600, "user_id": alice.id}
    assert_error(api.as_(bob).post("/time-records", for_alice), 403, "own_records_only")
    assert not TimeRecord.objects.filter(user=alice.user).exists()


def test_managers_and_admins_record_time_for_others(alice: Person, bob: Person, erin: Person, api: Api) -> None:
    by_erin = api.as_(erin).post("/time-records", {"start": MONDAY_9, "duration_s": 600, "user_id": bob.id}).json()
    by_alice = (
        api.as_(alice)
        .post("/time-records", {"start": "2026-11-24T09:00:00+01:00", "duration_s": 600, "user_id": bob.id})
        .json()
    )

    assert (by_erin["user_id"], by_erin["added_by_id"]) == (bob.id, erin.id)
    assert (by_alice["user_id"], by_alice["added_by_id"]) == (bob.id, alice.id)
    assert [r["id"] for r in api.as_(bob).get("/time-records").json()["items"]] == [by_alice["id"], by_erin["id"]]


def test_nobody_records_time_for_another_accounts_user(alice: Person, charlie: Person, api: Api) -> None:
    body = {"start": MONDAY_9, "duration_s": 600, "user_id": charlie.id}

    assert_error(api.as_(alice).post("/time-records", body), 422, "unknown_user")
    assert_error(api.as_(charlie).post("/time-records", {**body, "user_id": alice.id}), 422, "unknown_user")
    assert not TimeRecord.objects.exists()


def test_another_accounts_work_item_or_activity_type_is_unknown(alice: Person, charlie: Person, api: Api) -> None:
    item = work_item(alice, "Alice's secret project")
    activity = ActivityType.objects.create(account=alice.account, name="Alice's secret", created_at=NOW)

    refused = assert_error(
        api.as_(charlie).post("/time-records", {"start": MONDAY_9, "duration_s": 60, "work_item_id": item.pk}),
        422,
        "unknown_work_item",
    )
    assert "secret" not in refused["detail"]
    refused = assert_error(
        api.as_(charlie).post("/time-records", {"start": MONDAY_9, "duration_s": 60, "activity_type_id": activity.pk}),
        422,
        "unknown_activity_type",
    )
    assert "secret" not in refused["detail"]
    assert not TimeRecord.objects.exists()


def test_unknown_and_impossible_ids_are_refused_without_a_server_error(alice: Person, api: Api) -> None:
    record = {"start": MONDAY_9, "duration_s": 60}

    assert_error(api.as_(alice).post("/time-records", {**record, "work_item_id": 2**62}), 422, "unknown_work_item")
    assert_error(
        api.as_(alice).post("/time-records", {**record, "activity_type_id": 2**62}), 422, "unknown_activity_type"
    )
    assert_error(api.as_(alice).post("/time-records", {**record, "user_id": 2**62}), 422, "unknown_user")
    for name in ("work_item_id", "activity_type_id", "user_id"):
        assert_error(api.as_(alice).post("/time-records", {**record, name: 2**63}), 400)
        assert_error(api.as_(alice).post("/time-records", {**record, name: 0}), 400)


def test_absurd_times_and_durations_are_refused_without_a_server_error(alice: Person, api: Api) -> None:
    assert_error(api.as_(alice).post("/time-records", {"start": MONDAY_9, "duration_s": 10**12}), 400)
    assert_error(api.as_(alice).post("/time-records", {"start": MONDAY_9, "duration_s": -(10**12)}), 400)
    assert_error(
        api.as_(alice).post("/time-records", {"start": "0001-01-01T00:00:00+05:00", "duration_s": 60}),
        422,
        "invalid_start",
    )
    assert_error(
        api.as_(alice).post("/time-records", {"start": MONDAY_9, "end": "9999-12-31T23:59:59-05:00"}),
        422,
        "invalid_end",
    )


def test_a_comment_is_at_most_5000_characters(alice: Person, api: Api) -> None:
    record = {"start": MONDAY_9, "duration_s": 60}

    assert_error(api.as_(alice).post("/time-records", {**record, "comment": "x" * 5001}), 422, "comment_too_long")
    assert api.as_(alice).post("/time-records", {**record, "comment": "x" * 5000}).status_code == 201
