"""Reads of tracking data. Every read of time records goes through `visible_time_records`."""

from __future__ import annotations

from datetime import UTC, datetime

from django.db.models import Q, QuerySet

from stint.accounts.models import Account, Edition, Membership
from stint.billing.models import Plan
from stint.core.errors import Forbidden, NotFound
from stint.tracking.models import ActivityType, Timer, TimeRecord, TrackingRules, WorkItem

# DESIGN.md's rule, for an installation whose Free plan row is missing; the plan in the database decides otherwise.
FREE_VISIBLE_RECORDS = 300


def free_visible_limit() -> int | None:
    """How many of an account's newest records the Free edition shows: the Free plan's limit, which staff edit in
    the back-office (seeded: 300). None: all of them."""
    row = Plan.objects.filter(code="free").values_list("max_visible_time_records").first()
    return FREE_VISIBLE_RECORDS if row is None else row[0]


def visible_boundary(*, account: Account, limit: int | None = None) -> tuple[datetime, int] | None:
    """(start, id) of the oldest visible record when the free edition hides older ones; None when nothing is."""
    if account.edition != Edition.FREE:
        return None
    limit = free_visible_limit() if limit is None else limit
    if limit is None:
        return None
    if limit == 0:
        return (datetime.max.replace(tzinfo=UTC), 0)  # nothing visible: no record starts after the last instant
    return (
        TimeRecord.objects.filter(account=account)
        .order_by("-start", "-id")
        .values_list("start", "id")[limit - 1 : limit]
        .first()
    )


def visible_time_records(*, account: Account) -> QuerySet[TimeRecord]:
    """In the free edition only the newest records of the account (by start time; 300 unless staff changed the
    Free plan) are visible; the older ones are kept and reappear on upgrade. Ties on start time are broken by id,
    so exactly that many are visible."""
    records = TimeRecord.objects.filter(account=account)
    boundary = visible_boundary(account=account)
    if boundary is None:
        return records
    start, pk = boundary
    return records.filter(Q(start__gt=start) | Q(start=start, id__gte=pk))


def hidden_time_record_count(*, account: Account, limit: int | None = None) -> int:
    if account.edition != Edition.FREE:
        return 0
    limit = free_visible_limit() if limit is None else limit
    if limit is None:
        return 0
    return max(0, TimeRecord.objects.filter(account=account).count() - limit)


def time_records(
    *,
    account: Account,
    membership: Membership,
    start: datetime | None = None,
    end: datetime | None = None,
    user_id: int | None = None,
    work_item_id: int | None = None,
    activity_type_id: int | None = None,
    billable: bool | None = None,
    team_id: int | None = None,
) -> QuerySet[TimeRecord]:
    """The records this person may see (members: their own), filtered; `start` inclusive, `end` exclusive."""
    records = visible_time_records(account=account)
    if not membership.can_manage:
        records = records.filter(user_id=membership.user_id)
    if start is not None:
        records = records.filter(start__gte=start)
    if end is not None:
        records = records.filter(start__lt=end)
    if user_id is not None:
        records = records.filter(user_id=user_id)
    if work_item_id is not None:
        records = records.filter(work_item_id=work_item_id)
    if activity_type_id is not None:
        records = records.filter(activity_type_id=activity_type_id)
    if billable is not None:
        records = records.filter(billable=billable)
    if team_id is not None:
        records = records.filter(user__memberships__teams__id=team_id, user__memberships__account=account)
    return records


def time_record_get(*, account: Account, membership: Membership, record_id: int) -> TimeRecord:
    found = visible_time_records(account=account).filter(pk=record_id).first()
    if found is None:
        raise NotFound("There is no time record with this id that you can see.", "time_record_not_found")
    # Within the account, a member learns that the record is someone else's (API.md: not allowed is 403).
    if not membership.can_manage and found.user_id != membership.user_id:
        raise Forbidden("Members can only see and change their own time.", "own_records_only")
    return found


def work_items(*, account: Account, search: str | None = None, include_archived: bool = False) -> QuerySet[WorkItem]:
    items = WorkItem.objects.filter(account=account)
    if not include_archived:
        items = items.filter(archived_at__isnull=True)
    search = (search or "").strip()  # blank is no search: it would otherwise match every item without a reference
    if search:
        items = items.filter(Q(title__icontains=search) | Q(external_ref__iexact=search))
    return items


def work_item_get(*, account: Account, item_id: int) -> WorkItem:
    found = WorkItem.objects.filter(account=account, pk=item_id).first()
    if found is None:
        raise NotFound("There is no work item with this id in your account.", "work_item_not_found")
    return found


def recent_work_items(*, account: Account, membership: Membership, limit: int = 10) -> list[WorkItem]:
    """The items this person tracked on most recently, newest first, for the tracker bar's picker."""
    ids: list[int] = []
    rows = (
        TimeRecord.objects.filter(account=account, user_id=membership.user_id, work_item__isnull=False)
        .order_by("-start")
        .values_list("work_item_id", flat=True)[:200]
    )
    for item_id in rows:
        if item_id not in ids:
            ids.append(item_id)
        if len(ids) == limit:
            break
    usable = WorkItem.objects.filter(account=account, pk__in=ids, archived_at__isnull=True, state=WorkItem.State.OPEN)
    found = {item.pk: item for item in usable}
    return [found[i] for i in ids if i in found]


def activity_types(*, account: Account, include_archived: bool = False) -> QuerySet[ActivityType]:
    types = ActivityType.objects.filter(account=account)
    return types if include_archived else types.filter(archived_at__isnull=True)


def activity_type_get(*, account: Account, type_id: int) -> ActivityType:
    found = ActivityType.objects.filter(account=account, pk=type_id).first()
    if found is None:
        raise NotFound("There is no activity type with this id in your account.", "activity_type_not_found")
    return found


def tracking_rules(*, account: Account) -> TrackingRules:
    rules, _ = TrackingRules.objects.get_or_create(account=account)
    return rules


def running_timer(*, account: Account, membership: Membership) -> Timer | None:
    return (
        Timer.objects.filter(account=account, user_id=membership.user_id)
        .select_related("work_item", "activity_type")
        .first()
    )
