"""Tracking API tests run at a fixed instant (tests.tracking.helpers.NOW), so "today" and "the future" are known."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from stint.core import clock
from stint.core.clock import FrozenClock
from tests.tracking.helpers import NOW


@pytest.fixture(autouse=True)
def frozen() -> Iterator[FrozenClock]:
    with clock.using(FrozenClock(NOW)) as frozen_clock:
        assert isinstance(frozen_clock, FrozenClock)
        yield frozen_clock
