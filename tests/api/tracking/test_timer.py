"""API.md Tracking: GET /timer, POST /timer/start, POST /timer/stop: one server-side timer per person."""

from __future__ import annotations

from stint.accounts.services import api_token_create
from stint.core.clock import FrozenClock
from stint.tracking.models import Timer, TimeRecord, WorkItem
from tests.api.conftest import assert_error
from tests.conftest import Api, Person
from tests.tracking.helpers import NOW, records_of, set_rules, work_item


def test_no_timer_runs_at_first(alice: Person, api: Api) -> None:
    assert api.as_(alice).get("/timer").json()["running"] is False


def test_a_started_timer_runs_on_the_server_and_stopping_it_makes_a_record(
    alice: Person, api: Api, frozen: FrozenClock
) -> None:
    item = work_item(alice, "Checkout")
    started = api.as_(alice).post("/timer/start", {"work_item_id": item.pk, "comment": "Pairing"})
    assert started.status_code == 201, started
    assert started.json()["running"] is True and started.json()["stopped"] is None
    assert started.json()["started_at"] == "2026-11-26T15:00:00Z"

    frozen.advance(25 * 60 + 0.7)
    _, other_token = api_token_create(account=alice.account, user=alice.user, label="another device")
    elsewhere = api.with_token(other_token).get("/timer").json()
    assert elsewhere["running"] is True and elsewhere["work_item_id"] == item.pk and elsewhere["comment"] == "Pairing"

    stopped = api.with_token(other_token).post("/timer/stop")
    assert stopped.status_code == 200, stopped
    record = stopped.json()["time_record"]
    assert record["start"] == "2026-11-26T15:00:00Z" and record["end"] == "2026-11-26T15:25:00Z"
    assert record["duration_s"] == 1500 and record["source"] == "timer" and record["work_item_id"] == item.pk
    assert record["comment"] == "Pairing" and record["user_id"] == alice.id
    assert api.as_(alice).get("/timer").json()["running"] is False
    assert api.as_(alice).get(f"/time-records/{record['id']}").status_code == 200


def test_stopping_when_no_timer_runs_is_a_conflict(alice: Person, api: Api) -> None:
    assert_error(api.as_(alice).post("/timer/stop"), 409, "no_timer_running")


def test_starting_a_timer_stops_the_running_one_first(alice: Person, api: Api, frozen: FrozenClock) -> None:
    first, second = work_item(alice, "First"), work_item(alice, "Second")
    api.as_(alice).post("/timer/start", {"work_item_id": first.pk})
    frozen.advance(600)

    response = api.as_(alice).post("/timer/start", {"work_item_id": second.pk})

    assert response.status_code == 201, response
    body = response.json()
    assert body["work_item_id"] == second.pk and body["started_at"] == "2026-11-26T15:10:00Z"
    assert body["stopped"]["work_item_id"] == first.pk and body["stopped"]["duration_s"] == 600
    assert Timer.objects.filter(user=alice.user).count() == 1
    frozen.advance(60)
    assert api.as_(alice).post("/timer/stop").json()["time_record"]["start"] == "2026-11-26T15:10:00Z"
    assert TimeRecord.objects.filter(user=alice.user).count() == 2


def test_a_timer_stopped_within_its_first_second_counts_one_second(alice: Person, api: Api) -> None:
    api.as_(alice).post("/timer/start", {})

    assert api.as_(alice).post("/timer/stop").json()["time_record"]["duration_s"] == 1


def test_each_person_has_their_own_timer(alice: Person, bob: Person, charlie: Person, api: Api) -> None:
    api.as_(bob).post("/timer/start", {"comment": "Bob's work"})

    assert api.as_(alice).get("/timer").json()["running"] is False
    assert api.as_(charlie).get("/timer").json()["running"] is False
    assert_error(api.as_(alice).post("/timer/stop"), 409, "no_timer_running")
    assert api.as_(bob).get("/timer").json()["comment"] == "Bob's work"


def test_a_timer_cannot_start_on_a_closed_or_foreign_work_item(alice: Person, charlie: Person, api: Api) -> None:
    closed = work_item(alice, "Shipped", state=WorkItem.State.CLOSED)
    theirs = work_item(charlie, "Charlie's secret")

    assert_error(api.as_(alice).post("/timer/start", {"work_item_id": closed.pk}), 422, "work_item_closed")
    body = assert_error(api.as_(alice).post("/timer/start", {"work_item_id": theirs.pk}), 422, "unknown_work_item")
    assert "secret" not in body["detail"]
    assert_error(api.as_(alice).post("/timer/start", {"work_item_id": 2**63}), 400)
    assert not Timer.objects.exists()


def test_a_timer_the_rules_would_refuse_to_save_does_not_start(alice: Person, api: Api) -> None:
    # Otherwise it could never be stopped: its record would be refused at every attempt.
    set_rules(alice.account, require_comment=True, require_work_item=True)
    item = work_item(alice)

    assert_error(api.as_(alice).post("/timer/start", {"work_item_id": item.pk}), 422, "comment_required")
    assert_error(api.as_(alice).post("/timer/start", {"comment": "Standup"}), 422, "work_item_required")
    assert_error(
        api.as_(alice).post("/timer/start", {"work_item_id": item.pk, "comment": "x" * 5001}), 422, "comment_too_long"
    )
    assert api.as_(alice).post("/timer/start", {"work_item_id": item.pk, "comment": "Standup"}).status_code == 201


def test_a_timer_stopped_after_the_maximum_length_ends_at_the_limit(
    alice: Person, api: Api, frozen: FrozenClock
) -> None:
    set_rules(alice.account, max_record_s=3600)
    api.as_(alice).post("/timer/start", {})
    frozen.advance(3 * 3600)

    record = api.as_(alice).post("/timer/stop").json()["time_record"]

    assert record["duration_s"] == 3600 and record["end"] == "2026-11-26T16:00:00Z"


def test_a_stop_that_would_overlap_keeps_the_timer_running(alice: Person, api: Api, frozen: FrozenClock) -> None:
    api.as_(alice).post("/timer/start", {})
    records_of(alice, NOW.replace(minute=10), minutes=10)
    frozen.advance(30 * 60)

    assert_error(api.as_(alice).post("/timer/stop"), 409, "overlapping_record")
    assert api.as_(alice).get("/timer").json()["running"] is True


def test_nobody_without_a_token_uses_the_timer(alice: Person, api: Api) -> None:
    assert_error(api.get("/timer"), 401)
    assert_error(api.post("/timer/start", {}), 401)
    assert_error(api.post("/timer/stop"), 401)
