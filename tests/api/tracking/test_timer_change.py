"""PATCH /timer and DELETE /timer (extras beyond API.md): fix or throw away a running timer."""

from __future__ import annotations

from stint.core.clock import FrozenClock
from stint.tracking.models import TimeRecord, WorkItem
from tests.api.conftest import assert_error
from tests.conftest import Api, Person
from tests.tracking.helpers import set_rules, work_item


def test_alice_moves_her_timers_start_earlier_and_changes_its_item(
    alice: Person, api: Api, frozen: FrozenClock
) -> None:
    item = work_item(alice, "Checkout")
    api.as_(alice).post("/timer/start", {})
    changed = api.as_(alice).patch("/timer", {"started_at": "2026-11-26T14:30:00Z", "work_item_id": item.pk})
    assert changed.status_code == 200, changed
    assert changed.json()["started_at"] == "2026-11-26T14:30:00Z"
    frozen.advance(600)
    record = api.as_(alice).post("/timer/stop").json()["time_record"]
    assert record["duration_s"] == 40 * 60 and record["work_item_id"] == item.pk


def test_a_timer_cannot_be_moved_into_the_future_or_onto_a_closed_item(
    alice: Person, api: Api, frozen: FrozenClock
) -> None:
    closed = work_item(alice, "Old", state=WorkItem.State.CLOSED)
    api.as_(alice).post("/timer/start", {})
    assert_error(api.as_(alice).patch("/timer", {"started_at": "2026-11-26T16:00:00Z"}), 422, "invalid_started_at")
    assert_error(api.as_(alice).patch("/timer", {"work_item_id": closed.pk}), 422, "work_item_closed")
    assert api.as_(alice).get("/timer").json()["work_item_id"] is None


def test_a_timer_stuck_by_a_new_rule_can_be_fixed_and_stopped(alice: Person, api: Api, frozen: FrozenClock) -> None:
    api.as_(alice).post("/timer/start", {})
    set_rules(alice.account, require_comment=True)
    frozen.advance(60)
    assert_error(api.as_(alice).post("/timer/stop"), 422, "comment_required")
    assert api.as_(alice).patch("/timer", {"comment": "Planning"}).status_code == 200
    assert api.as_(alice).post("/timer/stop").json()["time_record"]["comment"] == "Planning"


def test_discarding_a_timer_records_nothing(alice: Person, api: Api, frozen: FrozenClock) -> None:
    api.as_(alice).post("/timer/start", {})
    frozen.advance(60)
    assert api.as_(alice).delete("/timer").status_code == 204
    assert api.as_(alice).get("/timer").json()["running"] is False
    assert not TimeRecord.objects.filter(account=alice.account).exists()
    assert_error(api.as_(alice).delete("/timer"), 409, "no_timer_running")


def test_bobs_and_charlies_changes_never_touch_alices_timer(
    alice: Person, bob: Person, charlie: Person, api: Api, frozen: FrozenClock
) -> None:
    api.as_(alice).post("/timer/start", {"comment": "Mine"})
    assert_error(api.as_(bob).patch("/timer", {"comment": "Bob's"}), 409, "no_timer_running")
    assert_error(api.as_(charlie).delete("/timer"), 409, "no_timer_running")
    assert api.as_(alice).get("/timer").json()["comment"] == "Mine"


def test_null_clears_the_timers_work_item(alice: Person, api: Api, frozen: FrozenClock) -> None:
    item = work_item(alice, "Checkout")
    api.as_(alice).post("/timer/start", {"work_item_id": item.pk, "comment": "Keep me"})
    changed = api.as_(alice).patch("/timer", {"work_item_id": None, "comment": None})
    assert changed.json()["work_item_id"] is None and changed.json()["comment"] == "Keep me"
