"""The one clock of the domain.

Domain code asks `clock.now()`, never `timezone.now()`: tests (and the test clock of API.md) swap the clock in
one place, and every rule that depends on time moves with it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime: ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class FrozenClock:
    """A clock that stands still until moved; for tests."""

    def __init__(self, at: datetime) -> None:
        if at.tzinfo is None:
            raise ValueError("FrozenClock needs an aware datetime.")
        self._at = at

    def now(self) -> datetime:
        return self._at

    def advance(self, seconds: float) -> datetime:
        self._at += timedelta(seconds=seconds)
        return self._at

    def set(self, at: datetime) -> None:
        self._at = at


_current: Clock = SystemClock()


def now() -> datetime:
    return _current.now()


def install(clock: Clock) -> Clock:
    """Replace the clock; answers the previous one."""
    global _current
    previous, _current = _current, clock
    return previous


@contextmanager
def using(clock: Clock) -> Iterator[Clock]:
    previous = install(clock)
    try:
        yield clock
    finally:
        install(previous)
