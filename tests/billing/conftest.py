from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from stint.core import clock
from stint.core.clock import FrozenClock

VISA = {"type": "card", "number": "4242424242424242", "exp_month": 12, "exp_year": 2030, "cvc": "123"}
DECLINED = {"type": "card", "number": "4000000000000002", "exp_month": 12, "exp_year": 2030, "cvc": "123"}
FAILS_LATER = {"type": "card", "number": "4000000000000341", "exp_month": 12, "exp_year": 2030, "cvc": "123"}
START = datetime(2026, 1, 31, 9, 0, tzinfo=UTC)


@pytest.fixture
def frozen() -> Iterator[FrozenClock]:
    """The clock stands at START before anyone signs up (declare it before the people fixtures)."""
    with clock.using(FrozenClock(START)) as frozen_clock:
        assert isinstance(frozen_clock, FrozenClock)
        yield frozen_clock
