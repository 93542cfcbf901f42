"""API.md "Test clock": POST /test-clock moves the installation's clock forward and runs the worker's ticks; GET
shows it; without STINT_TEST_CLOCK=1 the path does not exist."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from stint.core import clock
from stint.core.models import ClockOffset
from stint.core.test_clock import offset_clock_install, offset_clock_remove
from stint.core.worker import TICKS, register_tick
from tests.api.conftest import assert_error
from tests.conftest import Api, Person

REAL = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def flag_on(settings: Any) -> Iterator[None]:
    """STINT_TEST_CLOCK=1, and this process runs the offset clock as it would after starting with the flag."""
    settings.STINT_TEST_CLOCK = True
    previous = offset_clock_install()
    yield
    offset_clock_remove(previous)


@pytest.fixture
def real_time(time_machine: Any) -> Any:
    """The real clock stands still at REAL until the test shifts it."""
    time_machine.move_to(REAL, tick=False)
    return time_machine


@pytest.fixture
def tick_times() -> Iterator[list[datetime]]:
    """A throwaway worker tick: the times it saw, one per run."""
    seen: list[datetime] = []

    def tick() -> None:
        seen.append(clock.now())

    register_tick(tick, every_s=3600)
    yield seen
    TICKS.pop(tick)


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text)


# --- moving the clock ---


@pytest.mark.usefixtures("flag_on", "real_time")
def test_advancing_moves_the_clock_forward_by_that_many_seconds(api: Api, alice: Person) -> None:
    response = api.as_(alice).post("/test-clock", {"advance_s": 3 * 86400})

    assert response.status_code == 200, response
    body = response.json()
    assert utc(body["now"]) == REAL + timedelta(days=3)
    assert utc(body["real_now"]) == REAL
    assert body["offset_s"] == 3 * 86400
    assert body["now"].endswith("Z")
    assert clock.now() == REAL + timedelta(days=3)


@pytest.mark.usefixtures("flag_on", "real_time")
def test_setting_now_moves_the_clock_to_that_instant(api: Api, alice: Person) -> None:
    response = api.as_(alice).post("/test-clock", {"now": "2027-01-01T10:30:00+01:00"})

    assert response.status_code == 200, response
    assert response.json()["now"] == "2027-01-01T09:30:00Z"
    assert response.json()["moved_to"] == "2027-01-01T09:30:00Z"
    assert clock.now() == datetime(2027, 1, 1, 9, 30, tzinfo=UTC)


@pytest.mark.usefixtures("flag_on", "real_time")
def test_advances_add_up(api: Api, alice: Person) -> None:
    api.as_(alice).post("/test-clock", {"now": "2027-03-01T00:00:00Z"})
    response = api.as_(alice).post("/test-clock", {"advance_s": 3600})

    assert response.json()["now"] == "2027-03-01T01:00:00Z"
    assert clock.now() == datetime(2027, 3, 1, 1, tzinfo=UTC)


@pytest.mark.usefixtures("flag_on", "real_time")
def test_the_clock_runs_on_at_real_speed_from_the_instant_set(api: Api, alice: Person, real_time: Any) -> None:
    api.as_(alice).post("/test-clock", {"now": "2027-06-30T23:59:00Z"})

    real_time.shift(90)

    assert clock.now() == datetime(2027, 7, 1, 0, 0, 30, tzinfo=UTC)
    shown = api.as_(alice).get("/test-clock").json()
    assert shown["now"] == "2027-07-01T00:00:30Z"
    assert shown["real_now"] == "2026-12-01T12:01:30Z"
    assert shown["moved_to"] == "2027-06-30T23:59:00Z"


@pytest.mark.usefixtures("flag_on", "real_time")
def test_any_member_of_any_account_may_move_and_read_it(api: Api, bob: Person, charlie: Person) -> None:
    assert api.as_(bob).post("/test-clock", {"advance_s": 60}).status_code == 200
    assert api.as_(charlie).post("/test-clock", {"advance_s": 60}).status_code == 200

    assert api.as_(charlie).get("/test-clock").json()["offset_s"] == 120
    assert api.as_(bob).get("/test-clock").json()["offset_s"] == 120


@pytest.mark.usefixtures("flag_on", "real_time")
def test_an_unmoved_clock_shows_the_real_time(api: Api, alice: Person) -> None:
    body = api.as_(alice).get("/test-clock").json()

    assert body == {
        "now": "2026-12-01T12:00:00Z",
        "real_now": "2026-12-01T12:00:00Z",
        "offset_s": 0,
        "moved_to": None,
    }


# --- refusals ---


@pytest.mark.usefixtures("flag_on", "real_time")
def test_it_refuses_to_go_back(api: Api, alice: Person) -> None:
    api.as_(alice).post("/test-clock", {"now": "2027-03-01T00:00:00Z"})

    response = api.as_(alice).post("/test-clock", {"now": "2027-02-28T23:00:00Z"})

    body = assert_error(response, 422, "clock_backwards", field="now")
    assert "only moves forward" in body["detail"]
    assert "2027-03-01 00:00:00 UTC" in body["detail"]
    assert clock.now() == datetime(2027, 3, 1, tzinfo=UTC)


@pytest.mark.usefixtures("flag_on", "real_time")
def test_it_refuses_a_time_before_the_real_time(api: Api, alice: Person) -> None:
    response = api.as_(alice).post("/test-clock", {"now": "2026-12-01T11:59:59Z"})

    assert_error(response, 422, "clock_backwards")
    assert clock.now() == REAL


@pytest.mark.usefixtures("flag_on", "real_time")
@pytest.mark.parametrize("advance_s", [0, -1, -86400])
def test_it_refuses_an_advance_that_is_not_positive(api: Api, alice: Person, advance_s: int) -> None:
    response = api.as_(alice).post("/test-clock", {"advance_s": advance_s})

    body = assert_error(response, 422, "clock_not_forward", field="advance_s")
    assert "positive" in body["detail"]
    assert clock.now() == REAL


@pytest.mark.usefixtures("flag_on", "real_time")
@pytest.mark.parametrize(
    "body", [{}, {"now": None, "advance_s": None}, {"now": "2027-01-01T00:00:00Z", "advance_s": 60}]
)
def test_it_needs_exactly_one_of_now_and_advance_s(api: Api, alice: Person, body: dict) -> None:
    response = api.as_(alice).post("/test-clock", body)

    detail = assert_error(response, 422, "clock_move_unclear")["detail"]
    assert "now" in detail and "advance_s" in detail
    assert clock.now() == REAL


@pytest.mark.usefixtures("flag_on", "real_time")
def test_it_refuses_a_time_without_its_offset(api: Api, alice: Person) -> None:
    assert_error(api.as_(alice).post("/test-clock", {"now": "2027-01-01T00:00:00"}), 422, "naive_datetime")


@pytest.mark.usefixtures("flag_on", "real_time")
def test_it_refuses_to_go_past_the_year_9000(api: Api, alice: Person) -> None:
    assert_error(api.as_(alice).post("/test-clock", {"now": "9500-01-01T00:00:00Z"}), 422, "clock_too_far")
    assert_error(api.as_(alice).post("/test-clock", {"advance_s": 10**12}), 422, "clock_too_far")
    assert_error(api.as_(alice).post("/test-clock", {"advance_s": 10**13}), 400)
    assert_error(api.as_(alice).post("/test-clock", {"now": "tomorrow"}), 400, "invalid_request")
    assert clock.now() == REAL


@pytest.mark.usefixtures("flag_on")
def test_without_a_token_it_answers_401(api: Api, alice: Person) -> None:
    assert_error(api.get("/test-clock"), 401, "not_authenticated")
    assert_error(api.post("/test-clock", {"advance_s": 60}), 401, "not_authenticated")
    assert_error(api.with_token("stint_" + "x" * 43).post("/test-clock", {"advance_s": 60}), 401, "invalid_token")
    assert not ClockOffset.objects.exists()


# --- the worker's ticks ---


@pytest.mark.usefixtures("flag_on", "real_time")
def test_a_post_runs_every_tick_once_at_the_moved_time_before_answering(
    api: Api, alice: Person, tick_times: list[datetime]
) -> None:
    api.as_(alice).post("/test-clock", {"advance_s": 60})  # ticks are forced, even one that ran a minute ago
    response = api.as_(alice).post("/test-clock", {"now": "2027-05-01T08:00:00Z"})

    assert response.status_code == 200
    assert tick_times == [REAL + timedelta(seconds=60), datetime(2027, 5, 1, 8, tzinfo=UTC)]


@pytest.mark.usefixtures("flag_on", "real_time")
def test_reading_or_a_refused_move_runs_no_tick(api: Api, alice: Person, tick_times: list[datetime]) -> None:
    api.as_(alice).get("/test-clock")
    api.as_(alice).post("/test-clock", {"advance_s": 0})
    api.as_(alice).post("/test-clock", {"now": "2020-01-01T00:00:00Z"})

    assert tick_times == []


# --- other processes ---


@pytest.mark.usefixtures("flag_on", "real_time")
def test_a_move_made_by_another_process_is_seen_by_the_next_request(api: Api, alice: Person) -> None:
    # What another web process or the worker would have written.
    ClockOffset.objects.create(pk=1, offset_us=86400 * 10**6, moved_at=REAL)
    assert clock.now() == REAL

    api.as_(alice).get("/me")

    assert clock.now() == REAL + timedelta(days=1)


# --- without the flag ---


@pytest.mark.parametrize("person", ["alice", None])
def test_without_the_flag_the_path_does_not_exist(
    api: Api, alice: Person, tick_times: list[datetime], person: str | None
) -> None:
    caller = api.as_(alice if person else None)
    before = clock.now()

    for response in [
        caller.get("/test-clock"),
        caller.post("/test-clock", {"advance_s": 86400}),
        caller.post("/test-clock", {"now": "2030-01-01T00:00:00Z"}),
    ]:
        body = assert_error(response, 404, "not_found")
        assert body["detail"] == "There is no API endpoint at /api/v1/test-clock."

    assert clock.now() - before < timedelta(minutes=1)
    assert tick_times == []
    assert not ClockOffset.objects.exists()


def test_without_the_flag_the_openapi_document_does_not_mention_it(api: Api) -> None:
    assert "/api/v1/test-clock" not in api.get("/openapi.json").json()["paths"]
