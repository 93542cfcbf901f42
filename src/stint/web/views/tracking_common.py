"""What the tracking pages share: today in the person's zone, the work items a picker offers, the free edition's
banner."""

from __future__ import annotations

from datetime import date
from typing import Any

from stint.accounts.models import Edition
from stint.core import clock
from stint.tracking import selectors
from stint.tracking.models import WorkItem
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
    if request.account.edition != Edition.FREE:
        return {"hidden_records": 0}
    limit = selectors.free_visible_limit()
    hidden = selectors.hidden_time_record_count(account=request.account, limit=limit) if limit is not None else 0
    return {"hidden_records": hidden, "visible_limit": limit}


ITEM_CHOICES_MAX = 200


def work_item_choices(request: MemberRequest, find: str, *, chosen: int | None = None) -> dict[str, Any]:
    """The open work items a picker offers: all of them in a small account; otherwise the person's recent items, or
    what their search finds (a select of thousands of items is slow to send and useless to scroll). `chosen`, an
    open item already picked, is always among them."""
    open_items = selectors.work_items(account=request.account, search=find or None).filter(state="open")
    # Whether there are too many, asked without sorting and loading them: thousands in a large account.
    limited = open_items.order_by()[ITEM_CHOICES_MAX : ITEM_CHOICES_MAX + 1].exists()
    items: list[WorkItem]
    if limited and not find:
        items = selectors.recent_work_items(account=request.account, membership=request.membership, limit=30)
    else:
        items = list(open_items.order_by("title")[:ITEM_CHOICES_MAX])
    if chosen is not None and all(item.pk != chosen for item in items):
        picked = selectors.work_items(account=request.account).filter(state="open", pk=chosen).first()
        if picked is not None:
            items.insert(0, picked)
    return {"items": items, "items_limited": limited}
