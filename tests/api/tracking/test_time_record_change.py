"""API.md Tracking: GET, PATCH and DELETE /time-records/{id}: members their own, managers and admins anyone's."""

from __future__ import annotations

from stint.tracking.models import TimeRecord
from tests.api.conftest import assert_error
from tests.conftest import Api, Person
from tests.tracking.helpers import at, records_of, work_item


def test_a_person_reads_changes_and_deletes_their_own_record(bob: Person, api: Api) -> None:
    [record] = records_of(bob, at("2026-11-23 09:00"), minutes=60)
    path = f"/time-records/{record.pk}"

    assert api.as_(bob).get(path).json()["duration_s"] == 3600
    changed = api.as_(bob).patch(path, {"duration_s": 1800, "comment": "Shorter"})
    assert changed.status_code == 200, changed
    assert changed.json()["end"] == "2026-11-23T09:30:00Z" and changed.json()["comment"] == "Shorter"
    assert changed.json()["edited_by_id"] == bob.id
    assert api.as_(bob).delete(path).status_code == 204
    assert_error(api.as_(bob).get(path), 404, "time_record_not_found")


def test_a_member_cannot_read_change_or_delete_someone_elses_record(alice: Person, bob: Person, api: Api) -> None:
    [record] = records_of(alice, at("2026-11-23 09:00"), minutes=60)
    path = f"/time-records/{record.pk}"

    assert_error(api.as_(bob).get(path), 403, "own_records_only")
    assert_error(api.as_(bob).patch(path, {"comment": "Bob was here"}), 403, "own_records_only")
    assert_error(api.as_(bob).delete(path), 403, "own_records_only")
    record.refresh_from_db()
    assert record.comment == "" and record.edited_by_id is None


def test_a_member_cannot_hand_their_record_to_someone_else(alice: Person, bob: Person, api: Api) -> None:
    [record] = records_of(bob, at("2026-11-23 09:00"))

    assert_error(api.as_(bob).patch(f"/time-records/{record.pk}", {"user_id": alice.id}), 403, "own_records_only")
    assert TimeRecord.objects.get(pk=record.pk).user_id == bob.id


def test_a_manager_changes_a_members_record_and_is_recorded_as_its_editor(
    alice: Person, bob: Person, erin: Person, api: Api
) -> None:
    [record] = records_of(bob, at("2026-11-23 09:00"), minutes=60)

    response = api.as_(erin).patch(f"/time-records/{record.pk}", {"billable": False, "comment": "Internal"})

    assert response.status_code == 200, response
    body = response.json()
    assert body["user_id"] == bob.id and body["added_by_id"] == bob.id and body["edited_by_id"] == erin.id
    assert body["billable"] is False and body["billable_s"] == 0
    assert api.as_(bob).get(f"/time-records/{record.pk}").json()["edited_by_id"] == erin.id


def test_an_admin_changes_and_deletes_anyones_record(alice: Person, bob: Person, frank: Person, api: Api) -> None:
    first, second = records_of(bob, at("2026-11-23 09:00"), at("2026-11-23 11:00"))
    item = work_item(alice, "Support")

    changed = api.as_(frank).patch(f"/time-records/{first.pk}", {"work_item_id": item.pk})
    assert changed.json()["work_item_id"] == item.pk and changed.json()["edited_by_id"] == frank.id
    assert api.as_(alice).delete(f"/time-records/{second.pk}").status_code == 204
    assert list(TimeRecord.objects.values_list("pk", flat=True)) == [first.pk]


def test_a_manager_moves_a_record_to_another_person_unless_it_overlaps_theirs(
    alice: Person, bob: Person, erin: Person, api: Api
) -> None:
    [record] = records_of(bob, at("2026-11-23 09:00"), minutes=60)
    records_of(alice, at("2026-11-23 09:30"), minutes=60)

    assert_error(api.as_(erin).patch(f"/time-records/{record.pk}", {"user_id": alice.id}), 409, "overlapping_record")
    moved = api.as_(erin).patch(f"/time-records/{record.pk}", {"user_id": erin.id})
    assert moved.status_code == 200 and moved.json()["user_id"] == erin.id


def test_a_null_user_id_leaves_the_record_with_its_person(alice: Person, bob: Person, erin: Person, api: Api) -> None:
    [record] = records_of(bob, at("2026-11-23 09:00"))

    response = api.as_(erin).patch(f"/time-records/{record.pk}", {"user_id": None, "comment": "Checked"})

    assert response.status_code == 200 and response.json()["user_id"] == bob.id


def test_changing_the_span_recomputes_the_billable_seconds(alice: Person, api: Api) -> None:
    [record] = records_of(alice, at("2026-11-23 09:00"), minutes=60)
    path = f"/time-records/{record.pk}"

    assert api.as_(alice).patch(path, {"billable_s": 600}).json()["billable_s"] == 600
    body = api.as_(alice).patch(path, {"end": "2026-11-23T11:00:00Z"}).json()
    assert body["duration_s"] == 7200 and body["billable_s"] == 7200
    assert_error(api.as_(alice).patch(path, {"billable_s": 7201}), 422, "invalid_billable_s")


def test_a_deactivated_persons_records_can_still_be_corrected_but_not_added_to(
    alice: Person, bob: Person, api: Api
) -> None:
    [record] = records_of(bob, at("2026-11-23 09:00"))
    assert api.as_(alice).delete(f"/users/{bob.id}").status_code == 204

    corrected = api.as_(alice).patch(f"/time-records/{record.pk}", {"comment": "Left in November"})
    assert corrected.status_code == 200, corrected
    assert corrected.json()["user_id"] == bob.id and corrected.json()["edited_by_id"] == alice.id
    new = {"start": "2026-11-24T09:00:00Z", "duration_s": 60, "user_id": bob.id}
    assert_error(api.as_(alice).post("/time-records", new), 422, "unknown_user")
    [hers] = records_of(alice, at("2026-11-25 09:00"))
    assert_error(api.as_(alice).patch(f"/time-records/{hers.pk}", {"user_id": bob.id}), 422, "unknown_user")


def test_charlie_never_reads_or_touches_alices_records(alice: Person, charlie: Person, api: Api) -> None:
    [record] = records_of(alice, at("2026-11-23 09:00"), comment="Alice's secret")
    path = f"/time-records/{record.pk}"

    for response in (
        api.as_(charlie).get(path),
        api.as_(charlie).patch(path, {"comment": "Charlie was here"}),
        api.as_(charlie).delete(path),
    ):
        body = assert_error(response, 404, "time_record_not_found")
        assert "secret" not in str(body)
    assert api.as_(charlie).get("/time-records").json()["items"] == []
    assert api.as_(charlie).get("/time-records", user_id=alice.id).json()["items"] == []
    assert TimeRecord.objects.get(pk=record.pk).comment == "Alice's secret"


def test_unknown_records_answer_404(alice: Person, api: Api) -> None:
    assert_error(api.as_(alice).get("/time-records/999999"), 404, "time_record_not_found")
    assert_error(api.as_(alice).patch(f"/time-records/{2**70}", {"comment": "x"}), 404)
    assert_error(api.as_(alice).delete("/time-records/999999"), 404)


def test_time_on_a_closed_item_can_still_be_corrected_but_not_moved_onto_one(alice: Person, api: Api) -> None:
    item = work_item(alice, "Shipped feature")
    [record] = records_of(alice, at("2026-11-23 09:00"), minutes=60, work_item=item)
    item.state = "closed"
    item.save()
    fixed = api.as_(alice).patch(f"/time-records/{record.pk}", {"comment": "Typo fixed", "duration_s": 1800})
    assert fixed.status_code == 200, fixed
    assert fixed.json()["work_item_id"] == item.pk and fixed.json()["comment"] == "Typo fixed"
    [other] = records_of(alice, at("2026-11-23 11:00"), minutes=60)
    assert_error(api.as_(alice).patch(f"/time-records/{other.pk}", {"work_item_id": item.pk}), 422, "work_item_closed")


def test_editing_a_record_without_activity_does_not_give_it_the_default(alice: Person, api: Api) -> None:
    api.as_(alice).post("/activity-types", {"name": "Development", "is_default": True})
    [record] = records_of(alice, at("2026-11-23 09:00"), minutes=60)
    changed = api.as_(alice).patch(f"/time-records/{record.pk}", {"comment": "Later"})
    assert changed.json()["activity_type_id"] is None
    cleared = api.as_(alice).patch(f"/time-records/{record.pk}", {"activity_type_id": None})
    assert cleared.json()["activity_type_id"] is None
