"""What the tracking pages share: today in the person's zone, the free edition's banner."""

from __future__ import annotations

from datetime import date
from typing import Any

from stint.core import clock
from stint.tracking import selectors
from stint.web.access import MemberRequest


def today(request: MemberRequest) -> date:
    return clock.now().astimezone(request.user.tz).date()


def parse_day(request: MemberRequest, value: str | None) -> date:
    try:
        return date.fromisoformat(value) if value else today(request)
    except ValueError:
        return today(request)


def free_banner(request: MemberRequest) -> dict[str, Any]:
    return {"hidden_records": selectors.hidden_time_record_count(account=request.account)}
