"""Days, weeks and instants in a person's time zone; DST-safe (a day may have 23 or 25 hours)."""

from __future__ import annotations

import zoneinfo
from datetime import UTC, date, datetime, time, timedelta

from stint.core.errors import Invalid


def local_midnight(day: date, tz: zoneinfo.ZoneInfo) -> datetime:
    """The instant a local day begins, in UTC (fold=0: the first of two equal wall times)."""
    return datetime.combine(day, time.min, tzinfo=tz).astimezone(UTC)


def day_span(day: date, tz: zoneinfo.ZoneInfo) -> tuple[datetime, datetime]:
    return local_midnight(day, tz), local_midnight(day + timedelta(days=1), tz)


def week_start(day: date, first_weekday: int) -> date:
    """The first day of the week holding `day`; `first_weekday` 0 = Monday ... 6 = Sunday."""
    return day - timedelta(days=(day.weekday() - first_weekday) % 7)


def parse_instant(value: str, *, tz: zoneinfo.ZoneInfo, field: str) -> datetime:
    """API.md's date filters: a date (midnight in the caller's zone) or a datetime with an offset."""
    text = value.strip()
    try:
        if len(text) == 10:
            return local_midnight(date.fromisoformat(text), tz)
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except (ValueError, OverflowError) as exc:  # OverflowError: 0001-01-01 east of UTC has no UTC instant
        raise Invalid(
            f"{field} must be a date (2026-11-23) or a date and time with an offset (2026-11-23T09:00:00+01:00).",
            f"invalid_{field}",
            field=field,
        ) from exc
    if parsed.tzinfo is None:
        raise Invalid(
            f"{field} needs an offset, e.g. 2026-11-23T09:00:00+01:00 or ...Z.", f"invalid_{field}", field=field
        )
    try:
        return parsed.astimezone(UTC)
    except OverflowError as exc:
        raise Invalid(f"{field} is out of range.", f"invalid_{field}", field=field) from exc


def whole_seconds(moment: datetime) -> datetime:
    return moment.replace(microsecond=0)
