"""Template filters of the tracking pages: durations as h:mm, times in the person's zone."""

from __future__ import annotations

from django import template

from stint.tracking.timesheet import format_duration

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
