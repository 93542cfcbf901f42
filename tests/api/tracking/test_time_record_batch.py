"""API.md Tracking: POST /time-records/batch: up to 500 records, all or nothing, with validate_only."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from stint.tracking.models import ActivityType, TimeRecord, WorkItem
from stint.tracking.services import favorite_activity_set
from tests.api.conftest import assert_error
from tests.conftest import Api, Person
from tests.tracking.helpers import NOW, at, iso, records_of, work_item


def items(count: int, *, minutes: int = 10) -> list[dict[str, Any]]:
    """`count` back-to-back records from Nov 2, 08:00 UTC on."""
    first = at("2026-11-02 08:00")
    return [{"start": iso(first + timedelta(minutes=minutes * i)), "duration_s": minutes * 60} for i in range(count)]


def test_a_batch_of_500_records_is_created(alice: Person, api: Api) -> None:
    response = api.as_(alice).post("/time-records/batch", {"items": items(500, minutes=5)})

    assert response.status_code == 201, response
    created = response.json()["created"]
    assert len(created) == 500 and len(set(created)) == 500
    assert TimeRecord.objects.filter(account=alice.account, user=alice.user).count() == 500
    assert set(TimeRecord.objects.values_list("source", flat=True)) == {"api"}


def test_a_batch_of_501_is_refused_and_nothing_is_saved(alice: Person, api: Api) -> None:
    response = api.as_(alice).post("/time-records/batch", {"items": items(501, minutes=5)})

    assert response.status_code in (400, 422), response
    assert_error(response, response.status_code)
    assert not TimeRecord.objects.exists()


def test_an_empty_batch_is_refused(alice: Person, api: Api) -> None:
    assert_error(api.as_(alice).post("/time-records/batch", {"items": []}), 422, "empty_batch")


def test_one_bad_item_refuses_the_whole_batch_and_says_which(alice: Person, api: Api) -> None:
    closed = work_item(alice, "Shipped", state=WorkItem.State.CLOSED)
    batch = items(5)
    batch[1]["duration_s"] = 0
    batch[3]["work_item_id"] = closed.pk

    response = api.as_(alice).post("/time-records/batch", {"items": batch})

    body = assert_error(response, 422, "batch_invalid")
    assert [(e["index"], e["code"]) for e in body["errors"]] == [(1, "non_positive_duration"), (3, "work_item_closed")]
    assert all(e["detail"] for e in body["errors"])
    assert not TimeRecord.objects.exists()


def test_items_overlapping_each_other_or_a_stored_record_are_refused(alice: Person, api: Api) -> None:
    records_of(alice, at("2026-11-03 09:00"), minutes=60)
    batch = [
        {"start": "2026-11-02T09:00:00Z", "duration_s": 3600},
        {"start": "2026-11-02T09:30:00Z", "duration_s": 3600},  # overlaps item 0
        {"start": "2026-11-03T09:59:00Z", "duration_s": 3600},  # overlaps the stored record
        {"start": "2026-11-02T10:15:00Z", "duration_s": 1800},  # overlaps item 1
        {"start": "2026-11-03T10:00:00Z", "duration_s": 1},  # overlaps item 2 only
    ]

    body = assert_error(api.as_(alice).post("/time-records/batch", {"items": batch}), 422, "batch_invalid")

    flagged = {e["index"]: e["code"] for e in body["errors"]}
    assert flagged == {i: "overlapping_record" for i in (1, 2, 3, 4)}
    assert TimeRecord.objects.count() == 1


def test_touching_items_in_a_batch_are_fine(alice: Person, api: Api) -> None:
    batch = [
        {"start": "2026-11-02T09:00:00Z", "end": "2026-11-02T10:00:00Z"},
        {"start": "2026-11-02T10:00:00Z", "end": "2026-11-02T11:00:00Z"},
    ]

    assert api.as_(alice).post("/time-records/batch", {"items": batch}).status_code == 201


def test_validate_only_checks_everything_and_saves_nothing(alice: Person, api: Api) -> None:
    good = api.as_(alice).post("/time-records/batch", {"items": items(3), "validate_only": True})
    assert good.status_code == 200 and good.json() == {"created": [], "validated": 3}

    bad = items(3)
    bad[2]["start"] = "2026-12-24T09:00:00Z"
    body = assert_error(
        api.as_(alice).post("/time-records/batch", {"items": bad, "validate_only": True}), 422, "batch_invalid"
    )
    assert [(e["index"], e["code"]) for e in body["errors"]] == [(2, "too_far_ahead")]
    assert not TimeRecord.objects.exists()


def test_a_manager_batches_for_several_people_a_member_only_for_themselves(
    alice: Person, bob: Person, erin: Person, api: Api
) -> None:
    batch = [
        {"start": "2026-11-02T09:00:00Z", "duration_s": 600, "user_id": bob.id},
        {"start": "2026-11-02T09:00:00Z", "duration_s": 600, "user_id": alice.id},
    ]
    assert api.as_(erin).post("/time-records/batch", {"items": batch}).status_code == 201

    body = assert_error(
        api.as_(bob).post("/time-records/batch", {"items": [{**b, "start": "2026-11-03T09:00:00Z"} for b in batch]}),
        422,
        "batch_invalid",
    )
    assert [(e["index"], e["code"]) for e in body["errors"]] == [(1, "own_records_only")]
    assert TimeRecord.objects.count() == 2


def test_ids_from_another_account_or_beyond_the_database_are_refused(alice: Person, charlie: Person, api: Api) -> None:
    theirs = work_item(alice, "Alice's secret")
    batch = [{"start": "2026-11-02T09:00:00Z", "duration_s": 60, "work_item_id": theirs.pk}]

    body = assert_error(api.as_(charlie).post("/time-records/batch", {"items": batch}), 422, "batch_invalid")
    assert body["errors"][0]["code"] == "unknown_work_item" and "secret" not in str(body)
    huge = [{"start": "2026-11-02T09:00:00Z", "duration_s": 60, "user_id": 2**64}]
    assert_error(api.as_(charlie).post("/time-records/batch", {"items": huge}), 400)
    assert not TimeRecord.objects.exists()


def test_each_created_id_holds_the_values_of_its_item(alice: Person, bob: Person, api: Api) -> None:
    task = work_item(alice, "Checkout page")
    design = ActivityType.objects.create(account=alice.account, name="Design", created_at=NOW)
    usual = ActivityType.objects.create(account=alice.account, name="Usual", is_default=True, created_at=NOW)
    favourite = ActivityType.objects.create(account=alice.account, name="Favourite", created_at=NOW)
    favorite_activity_set(account=alice.account, user=bob.user, activity=favourite)
    batch = [
        {"start": "2026-11-02T09:00:00Z", "duration_s": 600, "user_id": bob.id, "comment": "  fixed it  "},
        {"start": "2026-11-02T08:00:00+01:00", "end": "2026-11-02T08:30:00+01:00", "billable": False},
        {"start": "2026-11-03T09:00:00Z", "duration_s": 3600, "work_item_id": task.pk, "billable_s": 1800,
         "activity_type_id": design.pk},
    ]  # fmt: skip

    response = api.as_(alice).post("/time-records/batch", {"items": batch})

    assert response.status_code == 201, response
    created = [TimeRecord.objects.get(pk=pk) for pk in response.json()["created"]]
    assert [(r.user_id, iso(r.start), iso(r.end), r.duration_s) for r in created] == [
        (bob.id, "2026-11-02T09:00:00Z", "2026-11-02T09:10:00Z", 600),
        (alice.id, "2026-11-02T07:00:00Z", "2026-11-02T07:30:00Z", 1800),
        (alice.id, "2026-11-03T09:00:00Z", "2026-11-03T10:00:00Z", 3600),
    ]
    assert [(r.billable, r.billable_s, r.comment) for r in created] == [
        (True, 600, "fixed it"), (False, 0, ""), (True, 1800, "")
    ]  # fmt: skip
    assert [(r.work_item_id, r.activity_type_id) for r in created] == [
        (None, favourite.pk), (None, usual.pk), (task.pk, design.pk)
    ]  # fmt: skip
    assert {(r.source, r.added_by_id, r.edited_by_id, r.created_at) for r in created} == {("api", alice.id, None, NOW)}


def test_text_a_database_cannot_store_refuses_the_batch(alice: Person, api: Api) -> None:
    nul = '{"items": [{"start": "2026-11-02T09:00:00Z", "duration_s": 60, "comment": "a\\u0000b"}]}'
    assert_error(api.as_(alice).post("/time-records/batch", raw=nul), 400, "invalid_text")
    surrogate = '{"items": [{"start": "2026-11-02T09:00:00Z", "duration_s": 60, "comment": "\\ud800"}]}'
    assert_error(api.as_(alice).post("/time-records/batch", raw=surrogate), 400, "invalid_text")
    encoded = surrogate.replace("\\ud800", "\ud800").encode("utf-8", "surrogatepass")  # the bytes, not the escape
    assert_error(api.as_(alice).post("/time-records/batch", raw=encoded), 400, "invalid_text")
    assert not TimeRecord.objects.exists()

    words = [{"start": "2026-11-02T09:00:00Z", "duration_s": 60, "comment": "한국어 회의 - Überblick ✓"}]
    raw = json.dumps({"items": words}, ensure_ascii=False).encode()
    assert api.as_(alice).post("/time-records/batch", raw=raw).status_code == 201
    assert TimeRecord.objects.get().comment == "한국어 회의 - Überblick ✓"
