"""Template filters of the tracking pages: durations as h:mm, times in the person's zone."""

from __future__ import annotations

from datetime import date

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

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


_CELL = (
    '<td class="timesheet__cell"><input class="cell" type="text" inputmode="text" autocomplete="off" size="5" '
    'aria-label="{}, {}" value="{}" data-saved="{}" data-day="{}" data-date="{}" data-item="{}" data-activity="{}" '
    'data-row="{}"{}></td>'
)
_CLOSED_DAY = ' disabled title="Time cannot be recorded this far ahead"'


@register.simple_tag
def timesheet_cells(row: Row, last_open_day: date) -> SafeString:
    """A row's seven cells, built in Python: the template engine spent most of the week page's time on them."""
    label = row.label + (f", {row.activity_type.name}" if row.activity_type else "")
    item = str(row.work_item.pk) if row.work_item else ""
    activity = str(row.activity_type.pk) if row.activity_type else ""
    cells = []
    for index, day, seconds in row.day_cells:
        value = hm(seconds)
        closed = mark_safe(_CLOSED_DAY) if day > last_open_day else ""  # noqa: S308 (a constant)
        cells.append(
            format_html(
                _CELL,
                label,
                f"{day:%A, %b} {day.day}",
                value,
                value,
                index,
                day.isoformat(),
                item,
                activity,
                row.key,
                closed,
            )
        )
    return mark_safe("".join(cells))  # noqa: S308 (each cell escaped by format_html)
