"""What the tracking pages share: today in the person's zone, the free edition's banner."""

from __future__ import annotations

from datetime import date
from typing import Any

from stint.core import clock
from stint.tracking import selectors
from stint.web.access import MemberRequest


def today(request: MemberRequest) -> date:
    return clock.now().astimezone(request.user.tz).date()


# The years the services accept for a record (see tracking.services.records); pages outside them make no sense.
FIRST_YEAR, LAST_YEAR = 1900, 9000


def parse_day(request: MemberRequest, value: str | None) -> date:
    """A day from the query string; anything unreadable or out of range means today."""
    try:
        day = date.fromisoformat(value) if value else today(request)
    except ValueError:
        return today(request)
    return day if FIRST_YEAR <= day.year <= LAST_YEAR else today(request)


def free_banner(request: MemberRequest) -> dict[str, Any]:
    return {"hidden_records": selectors.hidden_time_record_count(account=request.account)}
