"""Template filters of the tracking pages: durations as h:mm, times in the person's zone."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from html import escape
from typing import Any

from django import template
from django.utils import dateformat
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.timezone import localtime

from stint.tracking.models import TimeRecord
from stint.tracking.timesheet import Row, format_duration

register = template.Library()


@register.filter
def hm(seconds: int | None) -> str:
    """3600 -> '1:00'; 0 or None -> ''."""
    return format_duration(seconds) if seconds else ""


@register.filter
def hm0(seconds: int | None) -> str:
    """Like hm, but 0 shows as '0:00' (totals)."""
    return format_duration(seconds or 0)


@register.filter
def get_item(values: dict[str, str], key: str) -> str:
    """A dictionary value whose key has a space (the import's column names)."""
    return values.get(key, "")


_CLOSED_DAY = ' disabled title="Time cannot be recorded this far ahead"'


@register.simple_tag
def timesheet_cells(row: Row, last_open_day: date) -> SafeString:
    """A row's seven cells, built in Python: the template engine spent most of the week page's time on them. What
    the cells of a row share is escaped once, not once per cell."""
    label = row.label + (f", {row.activity_type.name}" if row.activity_type else "")
    name = escape(label)
    shared = format_html(
        'data-item="{}" data-activity="{}" data-row="{}"',
        str(row.work_item.pk) if row.work_item else "",
        str(row.activity_type.pk) if row.activity_type else "",
        row.key,
    )
    cells = []
    for index, day, seconds in row.day_cells:
        value = escape(hm(seconds))
        closed = _CLOSED_DAY if day > last_open_day else ""
        cells.append(
            '<td class="timesheet__cell"><input class="cell" type="text" inputmode="text" autocomplete="off" size="5" '
            f'aria-label="{name}, {day:%A, %b} {day.day}" value="{value}" data-saved="{value}" data-day="{index}" '
            f'data-date="{day.isoformat()}" {shared}{closed}></td>'
        )
    return mark_safe("".join(cells))  # noqa: S308 (every value escaped above)


@register.simple_tag
def record_rows(records: list[TimeRecord], can_manage: bool) -> SafeString:
    """The explorer's rows, built in Python like the week's cells: 100 rows of ten cells through the template engine
    took a third of the page's time. Times are shown in the current time zone (the person's)."""
    rows = []
    days: dict[date, tuple[str, str]] = {}  # a page holds a few days: each day's labels are formatted once
    for record in records:
        start, end = localtime(record.start), localtime(record.end)
        start_time, end_time = f"{start:%H:%M}", f"{end:%H:%M}"
        day = start.date()
        if day not in days:
            days[day] = (dateformat.format(start, "M j"), dateformat.format(start, "D, M j, Y"))
        short, long = days[day]
        person = f'<td data-label="Person">{escape(record.user.name)}</td>' if can_manage else ""
        item = escape(str(record.work_item)) if record.work_item else "—"
        activity = escape(record.activity_type.name) if record.activity_type and record.activity_type.name else "—"
        billable = (
            '<span class="badge badge--ok">Billable</span>'
            if record.billable
            else '<span class="badge badge--muted">No</span>'
        )
        rows.append(
            "<tr>"
            f'<td class="records__check"><input type="checkbox" name="ids" value="{record.pk}" form="bulk" '
            f'aria-label="Select the record of {short} {start_time}" data-select></td>'
            f'<td data-label="Date" class="nowrap">{long}</td>'
            f'<td data-label="Time" class="nowrap">{start_time}\u2013{end_time}</td>'
            f"{person}"
            f'<td data-label="Work item">{item}</td>'
            f'<td data-label="Activity">{activity}</td>'
            f'<td data-label="Duration" class="num">{escape(hm(record.duration_s))}</td>'
            f'<td data-label="Billable">{billable}</td>'
            f'<td data-label="Comment" class="records__comment">{escape(record.comment)}</td>'
            "</tr>"
        )
    return mark_safe("\n".join(rows))  # noqa: S308 (every value escaped above)


@register.simple_tag
def options(choices: Iterable[tuple[Any, Any]], selected: Any = None) -> SafeString:
    """The <option>s of a long list (people, work items), built in Python: through the select widget's templates the
    200 people of an account took 6 ms. `selected`: the submitted value, if any."""
    chosen = None if selected is None else str(selected)
    return mark_safe(  # noqa: S308 (values and labels escaped)
        "".join(
            f'<option value="{escape(str(value))}"{" selected" if str(value) == chosen else ""}>'
            f"{escape(str(label))}</option>"
            for value, label in choices
        )
    )
