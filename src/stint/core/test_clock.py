"""The test clock of API.md (`STINT_TEST_CLOCK=1`, refused without `STINT_DEBUG=1`): moves the installation's clock
forward, so that browser and acceptance tests can reach renewals, trial ends and dunning without waiting for them.

How every process agrees on the moved time: the offset lives in one database row (`ClockOffset`), not in memory.
Each process runs an `OffsetClock` (the real clock plus the offset it last read), installed at start-up by
`CoreConfig.ready`. Every HTTP request (`TestClockMiddleware`) and every worker pass (`run_once`) reads the row
first, so a move made by one process is seen by the next request or pass of every other one. From the instant set,
the clock runs on at real speed. Without the flag none of this runs: no clock is installed, no query is made.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.db import transaction

from stint.core import clock
from stint.core.clock import Clock, SystemClock
from stint.core.errors import Invalid
from stint.core.models import ClockOffset

# Far enough for any billing scenario, and leaves room for code that adds a year or two to "now".
LATEST = datetime(9000, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)

_real = SystemClock()


class OffsetClock:
    """The real clock, run ahead by the test clock's offset.

    The offset is kept per thread: a request sees the offset read when it began (or set by its own move), so a
    concurrent request whose read is older can never set the clock back under it. A thread that never refreshed
    sees the offset read last by any thread.
    """

    def __init__(self, base: Clock | None = None) -> None:
        self.base = base or SystemClock()
        self._latest = timedelta(0)
        self._local = threading.local()

    @property
    def offset(self) -> timedelta:
        offset: timedelta = getattr(self._local, "offset", self._latest)
        return offset

    def set_offset(self, offset: timedelta) -> None:
        self._local.offset = offset
        self._latest = offset

    def now(self) -> datetime:
        return self.base.now() + self.offset


_installed: OffsetClock | None = None


def offset_clock_install() -> Clock:
    """Install this process's OffsetClock (at start-up, with the flag); answers the clock it replaced.

    No query here: apps may still be loading. The offset is read at the first request or worker pass.
    """
    global _installed
    _installed = OffsetClock()
    return clock.install(_installed)


def offset_clock_remove(previous: Clock) -> None:
    """Undo `offset_clock_install` (tests)."""
    global _installed
    _installed = None
    clock.install(previous)


def offset_clock_refresh() -> None:
    """Read the offset, which another process may have moved (one query). Nothing at all without the flag."""
    if _installed is None or not settings.STINT_TEST_CLOCK:
        return
    offset_us = ClockOffset.objects.filter(pk=1).values_list("offset_us", flat=True).first()
    _installed.set_offset(timedelta(microseconds=offset_us or 0))


@dataclass(frozen=True)
class ClockReading:
    now: datetime
    real_now: datetime
    offset: timedelta
    moved_to: datetime | None  # the instant the clock was last moved to, in the installation's time


def _reading(state: ClockOffset | None, *, real_now: datetime) -> ClockReading:
    offset = timedelta(microseconds=state.offset_us if state else 0)
    moved_to = state.moved_at + offset if state and state.moved_at else None
    return ClockReading(now=real_now + offset, real_now=real_now, offset=offset, moved_to=moved_to)


def clock_read() -> ClockReading:
    return _reading(ClockOffset.objects.filter(pk=1).first(), real_now=_real.now())


def clock_move(*, to: datetime | None = None, advance_s: int | None = None) -> ClockReading:
    """Move the installation's clock forward, to `to` or by `advance_s` seconds, then run every worker tick (and
    deliver the outbox) at the new time; answers once they are done."""
    if (to is None) == (advance_s is None):
        raise Invalid(
            "Send either 'now' (the time to move to, with its offset) or 'advance_s' (seconds to move forward), "
            "not both and not neither.",
            "clock_move_unclear",
        )
    if to is not None and to.utcoffset() is None:
        raise Invalid("Give 'now' with its offset, e.g. 2026-12-01T09:00:00+01:00.", "naive_datetime", field="now")
    if advance_s is not None and advance_s <= 0:
        raise Invalid(
            f"'advance_s' must be a positive number of seconds, not {advance_s}: the test clock only moves forward.",
            "clock_not_forward",
            field="advance_s",
        )
    with transaction.atomic():
        # Locked: two concurrent moves apply one after the other, each from the time the other one left.
        state, _ = ClockOffset.objects.select_for_update().get_or_create(pk=1)
        real_now = _real.now()
        current = real_now + timedelta(microseconds=state.offset_us)
        if advance_s is not None:
            if advance_s > (LATEST - current).total_seconds():
                raise Invalid(
                    f"The test clock cannot go past {LATEST:%Y-%m-%d}; advance it by fewer seconds.",
                    "clock_too_far",
                    field="advance_s",
                )
            target = current + timedelta(seconds=advance_s)
        else:
            assert to is not None
            target = to.astimezone(UTC)
            if target < current:
                raise Invalid(
                    f"The test clock only moves forward: it already reads {current:%Y-%m-%d %H:%M:%S} UTC, after "
                    f"{target:%Y-%m-%d %H:%M:%S} UTC. Choose a later time (the clock keeps running at real speed).",
                    "clock_backwards",
                    field="now",
                )
            if target > LATEST:
                raise Invalid(
                    f"The test clock cannot go past {LATEST:%Y-%m-%d}; choose an earlier time.",
                    "clock_too_far",
                    field="now",
                )
        state.offset_us = (target - real_now) // _MICROSECOND
        state.moved_at = real_now
        state.save(update_fields=["offset_us", "moved_at"])
    if _installed is not None:
        _installed.set_offset(timedelta(microseconds=state.offset_us))

    # Imported here: the worker reads this module's offset at every pass.
    from stint.core.worker import run_once

    run_once(force=True)
    return _reading(state, real_now=_real.now())
