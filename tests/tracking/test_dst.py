"""Time zones: a timer across a DST change records the real elapsed seconds; local days of 23 and 25 hours."""

from __future__ import annotations

import zoneinfo
from datetime import date, timedelta

import pytest

from stint.core import clock
from stint.core.clock import FrozenClock
from stint.tracking.services import timer_start, timer_stop
from stint.tracking.timeutil import day_span, week_start
from tests.conftest import Api, Person
from tests.tracking.helpers import at, records_of

BERLIN = zoneinfo.ZoneInfo("Europe/Berlin")


@pytest.fixture
def alice_in_berlin(alice: Person) -> Person:
    alice.user.timezone = "Europe/Berlin"
    alice.user.save()
    return alice


def test_a_timer_across_the_autumn_change_records_four_hours_for_three_on_the_wall(alice_in_berlin: Person) -> None:
    # 00:30 CEST on Oct 25 (22:30 UTC on the 24th) to 03:30 CET: 02:00-03:00 happens twice.
    alice = alice_in_berlin
    with clock.using(FrozenClock(at("2026-10-24 22:30"))) as frozen:
        assert isinstance(frozen, FrozenClock)
        timer_start(account=alice.account, user=alice.user)
        frozen.set(at("2026-10-25 02:30"))
        record = timer_stop(account=alice.account, user=alice.user)

    assert record.duration_s == 4 * 3600
    assert record.start.astimezone(BERLIN).strftime("%H:%M %Z") == "00:30 CEST"
    assert record.end.astimezone(BERLIN).strftime("%H:%M %Z") == "03:30 CET"


def test_a_timer_across_the_spring_change_records_one_hour_for_two_on_the_wall(alice_in_berlin: Person) -> None:
    # 01:30 CET on Mar 29 to 03:30 CEST: 02:00-03:00 does not exist that night.
    alice = alice_in_berlin
    with clock.using(FrozenClock(at("2026-03-29 00:30"))) as frozen:
        assert isinstance(frozen, FrozenClock)
        timer_start(account=alice.account, user=alice.user)
        frozen.set(at("2026-03-29 01:30"))
        record = timer_stop(account=alice.account, user=alice.user)

    assert record.duration_s == 3600
    assert record.end.astimezone(BERLIN).strftime("%H:%M %Z") == "03:30 CEST"


def test_local_days_of_the_changes_last_25_and_23_hours() -> None:
    autumn_start, autumn_end = day_span(date(2026, 10, 25), BERLIN)
    spring_start, spring_end = day_span(date(2026, 3, 29), BERLIN)

    assert autumn_end - autumn_start == timedelta(hours=25)
    assert spring_end - spring_start == timedelta(hours=23)
    assert autumn_start == at("2026-10-24 22:00") and spring_start == at("2026-03-28 23:00")


def test_week_start_follows_the_persons_choice() -> None:
    thursday = date(2026, 11, 26)

    assert week_start(thursday, 0) == date(2026, 11, 23)
    assert week_start(thursday, 6) == date(2026, 11, 22)
    assert week_start(thursday, 5) == date(2026, 11, 21)


def test_a_date_filter_over_the_25_hour_day_holds_all_25_hourly_records(alice_in_berlin: Person, api: Api) -> None:
    alice = alice_in_berlin
    # Hourly records from 21:00 UTC on Oct 24 to 23:00 UTC on Oct 25: 25 of them fall on Oct 25 in Berlin.
    records_of(alice, *[at("2026-10-24 21:00") + timedelta(hours=h) for h in range(27)], minutes=30)

    with clock.using(FrozenClock(at("2026-11-26 15:00"))):
        body = api.as_(alice).get("/time-records", **{"from": "2026-10-25", "to": "2026-10-26"}).json()

    assert len(body["items"]) == 25
    assert sum(item["duration_s"] for item in body["items"]) == 25 * 1800


def test_a_date_filter_over_the_23_hour_day_holds_23_hourly_records(alice_in_berlin: Person, api: Api) -> None:
    alice = alice_in_berlin
    records_of(alice, *[at("2026-03-28 22:00") + timedelta(hours=h) for h in range(26)], minutes=30)

    body = api.as_(alice).get("/time-records", **{"from": "2026-03-29", "to": "2026-03-30"}).json()

    assert len(body["items"]) == 23


def test_the_repeated_hour_holds_two_records_that_do_not_overlap(alice_in_berlin: Person, api: Api) -> None:
    alice = alice_in_berlin
    with clock.using(FrozenClock(at("2026-11-26 15:00"))):
        first = api.as_(alice).post("/time-records", {"start": "2026-10-25T02:00:00+02:00", "duration_s": 3600})
        second = api.as_(alice).post("/time-records", {"start": "2026-10-25T02:00:00+01:00", "duration_s": 3600})

    assert first.status_code == second.status_code == 201, (first, second)
    assert [first.json()["start"], second.json()["start"]] == ["2026-10-25T00:00:00Z", "2026-10-25T01:00:00Z"]
