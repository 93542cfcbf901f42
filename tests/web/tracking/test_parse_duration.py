from __future__ import annotations

import pytest

from stint.core.errors import Invalid
from stint.tracking.timesheet import format_duration, parse_duration


@pytest.mark.parametrize(
    ("typed", "seconds"),
    [
        ("1:30", 5400),
        ("0:45", 2700),
        ("1.5", 5400),
        ("1,25", 4500),
        ("2", 7200),
        ("90m", 5400),
        ("90 min", 5400),
        ("2h", 7200),
        ("1h30m", 5400),
        ("1h 30m", 5400),
        ("1h30", 5400),
        ("1.5h", 5400),
        (" 2H ", 7200),
        ("", 0),
        ("0", 0),
    ],
)
def test_it_reads_the_ways_people_type_durations(typed: str, seconds: int) -> None:
    assert parse_duration(typed) == seconds


@pytest.mark.parametrize("typed", ["abc", "1:75", "-1", "1h90x", "h", "m", "1:3", "2x"])
def test_it_explains_what_it_cannot_read(typed: str) -> None:
    with pytest.raises(Invalid) as caught:
        parse_duration(typed)
    assert "1:30, 1.5, 90m, 2h or 1h30m" in caught.value.detail


def test_it_refuses_more_than_a_day() -> None:
    with pytest.raises(Invalid, match="at most 24 hours"):
        parse_duration("25h")


def test_durations_show_as_hours_and_minutes() -> None:
    assert format_duration(5400) == "1:30"
    assert format_duration(0) == "0:00"
    assert format_duration(36000 + 60) == "10:01"
