"""Billing periods: from a start to the same instant one calendar month or year later, anchored on the first start.

The n-th period of a subscription runs from `period_bound(anchor, n)` to `period_bound(anchor, n + 1)`; each bound is
computed from the anchor (never from the previous bound), so a subscription started on 31 January renews on
28/29 February, then 31 March, not on the 28th for ever.
"""

from __future__ import annotations

import calendar
from datetime import datetime, timedelta

from stint.billing.models import Interval


def add_months(moment: datetime, months: int) -> datetime:
    month_index = moment.month - 1 + months
    year, month = moment.year + month_index // 12, month_index % 12 + 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


def period_bound(anchor: datetime, index: int, interval: str) -> datetime:
    return add_months(anchor, index * (12 if interval == Interval.YEAR else 1))


def whole_second(moment: datetime) -> datetime:
    """Billing instants are whole seconds (API.md: a proration line starts at the instant of the change)."""
    return moment.replace(microsecond=0)


def seconds_between(start: datetime, end: datetime) -> int:
    delta: timedelta = end - start
    return delta.days * 86400 + delta.seconds
