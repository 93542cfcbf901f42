from datetime import UTC, datetime, timedelta

import pytest

from stint.core import clock
from stint.core.clock import FrozenClock


def test_the_system_clock_is_aware_and_in_utc() -> None:
    now = clock.now()
    assert now.tzinfo is not None
    assert now.utcoffset() == timedelta(0)


def test_a_frozen_clock_stands_still_until_moved() -> None:
    at = datetime(2026, 3, 29, 0, 30, tzinfo=UTC)
    with clock.using(FrozenClock(at)) as frozen:
        assert clock.now() == at
        assert clock.now() == at
        assert isinstance(frozen, FrozenClock)
        frozen.advance(3600)
        assert clock.now() == at + timedelta(hours=1)
    assert clock.now() != at + timedelta(hours=1)


def test_a_frozen_clock_refuses_naive_times() -> None:
    with pytest.raises(ValueError, match="aware"):
        FrozenClock(datetime(2026, 1, 1))
