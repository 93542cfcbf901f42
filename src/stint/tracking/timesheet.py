"""The week timesheet: a grid of (work item x activity type) x 7 days, and setting one cell's total.

A cell is the sum of a person's records of that row that start on that local day (a DST day has 23 or 25 hours;
days are cut at local midnight). Typing a new total changes records so the sum matches: an increase adds a manual
record after the person's last record of the day (or at 09:00, or in the first free gap that keeps it inside the
day), a decrease shrinks or deletes the row's records of the day, latest first. All in one transaction, through the
record services, so every rule and the overlap check apply.
"""

from __future__ import annotations

import re
import zoneinfo
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from django.db import transaction

from stint.accounts.models import Account, User
from stint.core.errors import Invalid
from stint.tracking.models import ActivityType, Source, TimeRecord, WorkItem
from stint.tracking.selectors import visible_time_records
from stint.tracking.services import RecordSpec, time_record_create, time_record_update, time_records_delete
from stint.tracking.timeutil import day_span, local_midnight, week_start

DAY_START = time(9, 0)
_CLOCK = re.compile(r"^(\d+):([0-5]\d)$")
_DECIMAL = re.compile(r"^\d+(?:[.,]\d+)?$")
_UNITS = re.compile(r"^(?:(\d+(?:[.,]\d+)?)h)?(?:(\d+)(?:m|min)?)?$")
DURATION_HELP = "Type a duration like 1:30, 1.5, 90m, 2h or 1h30m."


def parse_duration(text: str) -> int:
    """A typed duration in seconds: `1:30`, `1.5` (hours), `90m`, `2h`, `1h30m`; empty means 0."""
    value = text.strip().lower().replace(" ", "")
    if not value:
        return 0
    seconds: float
    if match := _CLOCK.match(value):
        seconds = int(match.group(1)) * 3600 + int(match.group(2)) * 60
    elif _DECIMAL.match(value):
        seconds = float(value.replace(",", ".")) * 3600
    elif (match := _UNITS.match(value)) and (match.group(1) or value.endswith(("m", "min"))):
        hours = float((match.group(1) or "0").replace(",", "."))
        seconds = hours * 3600 + int(match.group(2) or 0) * 60
    else:
        raise Invalid(f"'{text.strip()}' is not a duration. {DURATION_HELP}", "invalid_duration", field="duration")
    total = round(seconds / 60) * 60  # whole minutes: what a timesheet shows
    if total > 24 * 3600:
        raise Invalid("A day has at most 24 hours.", "duration_too_long", field="duration")
    return total


def format_duration(seconds: int) -> str:
    minutes = round(seconds / 60)
    return f"{minutes // 60}:{minutes % 60:02d}"


@dataclass
class Row:
    work_item: WorkItem | None
    activity_type: ActivityType | None
    days: list[date] = field(default_factory=list)
    cells: list[int] = field(default_factory=lambda: [0] * 7)

    @property
    def day_cells(self) -> list[tuple[int, date, int]]:
        """(index, day, seconds) for each day of the week: what the template draws."""
        return [(i, day, self.cells[i]) for i, day in enumerate(self.days)]

    @property
    def key(self) -> str:
        return f"{self.work_item.pk if self.work_item else 0}-{self.activity_type.pk if self.activity_type else 0}"

    @property
    def total(self) -> int:
        return sum(self.cells)

    @property
    def label(self) -> str:
        return str(self.work_item) if self.work_item else "No work item"


@dataclass
class Week:
    days: list[date]
    rows: list[Row]

    @property
    def day_totals(self) -> list[int]:
        return [sum(row.cells[i] for row in self.rows) for i in range(7)]

    @property
    def total(self) -> int:
        return sum(row.total for row in self.rows)


def week_days(*, user: User, day: date) -> list[date]:
    first = week_start(day, user.week_start)
    return [first + timedelta(days=i) for i in range(7)]


def timesheet_week(
    *,
    account: Account,
    user: User,
    day: date,
    extra_rows: Sequence[tuple[WorkItem | None, ActivityType | None]] = (),
) -> Week:
    """The person's week holding `day`: one row per (work item, activity type) with time, plus `extra_rows`."""
    tz = user.tz
    days = week_days(user=user, day=day)
    begin, end = local_midnight(days[0], tz), local_midnight(days[-1] + timedelta(days=1), tz)
    records = (
        visible_time_records(account=account)
        .filter(user=user, start__gte=begin, start__lt=end)
        .select_related("work_item", "activity_type")
    )
    rows: dict[tuple[int, int], Row] = {}
    for record in records:
        key = (record.work_item_id or 0, record.activity_type_id or 0)
        row = rows.setdefault(key, Row(record.work_item, record.activity_type, days))
        index = (record.start.astimezone(tz).date() - days[0]).days
        row.cells[index] += record.duration_s
    for item, activity in extra_rows:
        rows.setdefault((item.pk if item else 0, activity.pk if activity else 0), Row(item, activity, days))
    ordered = sorted(rows.values(), key=lambda r: (r.label.lower(), r.activity_type.name if r.activity_type else ""))
    return Week(days=days, rows=ordered)


def _row_records(
    *, account: Account, user: User, day: date, work_item_id: int | None, activity_type_id: int | None
) -> list[TimeRecord]:
    begin, end = day_span(day, user.tz)
    return list(
        visible_time_records(account=account)
        .filter(
            user=user,
            start__gte=begin,
            start__lt=end,
            work_item_id=work_item_id,
            activity_type_id=activity_type_id,
        )
        .order_by("-start", "-id")
    )


def _free_start(*, account: Account, user: User, day: date, seconds: int) -> datetime:
    """Where a new record of `seconds` fits on the day: after the person's last record of the day, else at 09:00,
    else after any record, else at midnight; the first of these that stays inside the day and overlaps nothing."""
    begin, end = day_span(day, user.tz)
    spans = list(
        TimeRecord.objects.filter(account=account, user=user, start__lt=end, end__gt=begin)
        .order_by("start")
        .values_list("start", "end")
    )
    nine = datetime.combine(day, DAY_START, tzinfo=user.tz).astimezone(UTC)
    ends = [e for s, e in spans if s >= begin]
    candidates = ([max(ends)] if ends else []) + [nine] + sorted(e for _, e in spans) + [begin]
    length = timedelta(seconds=seconds)
    for start in candidates:
        finish = start + length
        if start >= begin and finish <= end and not any(s < finish and e > start for s, e in spans):
            return start
    raise Invalid(
        f"There is no free {format_duration(seconds)} left on {day:%b %-d} between your other records.",
        "no_free_time",
        field="duration",
    )


def timesheet_set_cell(
    *,
    account: Account,
    actor: User,
    user: User,
    day: date,
    work_item_id: int | None,
    activity_type_id: int | None,
    duration_s: int,
) -> int:
    """Make the row's total on `day` equal `duration_s`; answers the new total. Raises the services' errors."""
    if duration_s < 0:
        raise Invalid("A duration cannot be negative.", "invalid_duration", field="duration")
    with transaction.atomic():
        records = _row_records(
            account=account, user=user, day=day, work_item_id=work_item_id, activity_type_id=activity_type_id
        )
        current = sum(r.duration_s for r in records)
        if duration_s > current:
            time_record_create(
                account=account,
                actor=actor,
                source=Source.MANUAL,
                spec=RecordSpec(
                    start=_free_start(account=account, user=user, day=day, seconds=duration_s - current),
                    duration_s=duration_s - current,
                    user_id=user.pk,
                    work_item_id=work_item_id,
                    activity_type_id=activity_type_id,
                    without_activity=activity_type_id is None,
                ),
            )
        elif duration_s < current:
            excess = current - duration_s
            doomed: list[TimeRecord] = []
            for record in records:  # latest first
                if excess <= 0:
                    break
                if record.duration_s <= excess:
                    doomed.append(record)
                    excess -= record.duration_s
                else:
                    time_record_update(
                        account=account,
                        actor=actor,
                        record=record,
                        changes={"duration_s": record.duration_s - excess},
                    )
                    excess = 0
            if doomed:
                time_records_delete(account=account, actor=actor, records=doomed)
    return duration_s


def group_by_day(records: Sequence[TimeRecord], *, tz: zoneinfo.ZoneInfo) -> dict[date, list[TimeRecord]]:
    days: dict[date, list[TimeRecord]] = defaultdict(list)
    for record in records:
        days[record.start.astimezone(tz).date()].append(record)
    return days
