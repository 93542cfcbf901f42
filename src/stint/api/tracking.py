"""API.md "Tracking": work items, activity types, time records (one, batch), the timer."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from ninja import Query, Router, Schema, Status
from pydantic import AwareDatetime, Field

from stint.api.auth import ApiRequest
from stint.api.schemas import errors
from stint.core.pagination import paginate, paginate_newest
from stint.tracking import selectors, services
from stint.tracking.models import ActivityType, Timer, TimeRecord, WorkItem
from stint.tracking.services import RecordSpec
from stint.tracking.timeutil import parse_instant

router = Router(tags=["Tracking"])

ItemType = Literal["epic", "feature", "task", "bug", "internal"]
ItemState = Literal["open", "closed"]
# Ids the database can hold (SQLite and PostgreSQL integers are 64-bit): anything else is malformed, not a 500.
Id = Annotated[int, Field(ge=1, le=2**63 - 1)]
# Seconds within about 31 years either way: enough for any record or estimate; negative durations still reach the
# entry rules, which explain why they are refused.
Seconds = Annotated[int, Field(ge=-(10**9), le=10**9)]


# --- work items ---


class WorkItemOut(Schema):
    id: int
    title: str
    type: ItemType
    parent_id: int | None
    state: ItemState
    external_ref: str
    estimate_s: int | None
    archived: bool
    created_at: datetime
    updated_at: datetime

    @staticmethod
    def of(item: WorkItem) -> dict:
        return {
            "id": item.pk,
            "title": item.title,
            "type": item.type,
            "parent_id": item.parent_id,
            "state": item.state,
            "external_ref": item.external_ref,
            "estimate_s": item.estimate_s,
            "archived": item.archived_at is not None,
            "created_at": item.created_at,
            "updated_at": item.updated_at,
        }


class WorkItemPage(Schema):
    items: list[WorkItemOut]
    next_cursor: str | None


class WorkItemIn(Schema):
    title: str
    type: ItemType = "task"
    parent_id: Id | None = None
    state: ItemState = "open"
    external_ref: str = ""
    estimate_s: int | None = Field(None, ge=0, le=10**9)


class WorkItemPatch(Schema):
    title: str | None = None
    type: ItemType | None = None
    parent_id: Id | None = None
    state: ItemState | None = None
    external_ref: str | None = None
    estimate_s: int | None = Field(None, ge=0, le=10**9)
    archived: bool | None = None


class WorkItemFilters(Schema):
    # No NUL: PostgreSQL text cannot hold one, so the query would fail rather than find nothing.
    search: str | None = Field(
        None, max_length=300, pattern=r"^[^\x00]*$", description="Part of the title, or the exact external reference."
    )
    parent_id: Id | None = None
    state: ItemState | None = None
    include_archived: bool = False
    limit: int | None = None
    cursor: str | None = None


@router.get("/work-items", response={200: WorkItemPage, **errors(400, 401)})
def work_item_list(request: ApiRequest, filters: Query[WorkItemFilters]):
    items = selectors.work_items(
        account=request.account, search=filters.search, include_archived=filters.include_archived
    )
    if filters.parent_id is not None:
        items = items.filter(parent_id=filters.parent_id)
    if filters.state is not None:
        items = items.filter(state=filters.state)
    rows, next_cursor = paginate(items, limit=filters.limit, cursor=filters.cursor)
    return {"items": [WorkItemOut.of(i) for i in rows], "next_cursor": next_cursor}


@router.post("/work-items", response={201: WorkItemOut, **errors(400, 401, 403, 422)})
def work_item_create(request: ApiRequest, payload: WorkItemIn):
    """Create a work item (managers and admins), under `parent_id` if given."""
    item = services.work_item_create(account=request.account, actor=request.user, **payload.dict())
    return Status(201, WorkItemOut.of(item))


@router.get("/work-items/{item_id}", response={200: WorkItemOut, **errors(400, 401, 404)})
def work_item_get(request: ApiRequest, item_id: int):
    return WorkItemOut.of(selectors.work_item_get(account=request.account, item_id=item_id))


@router.patch("/work-items/{item_id}", response={200: WorkItemOut, **errors(400, 401, 403, 404, 422)})
def work_item_update(request: ApiRequest, item_id: int, payload: WorkItemPatch):
    """Change, move (`parent_id`), close (`state`) or archive (`archived: true`) a work item."""
    item = selectors.work_item_get(account=request.account, item_id=item_id)
    changes = payload.dict(exclude_unset=True)
    item = services.work_item_update(account=request.account, actor=request.user, item=item, **changes)
    return WorkItemOut.of(item)


@router.delete("/work-items/{item_id}", response={204: None, **errors(400, 401, 403, 404, 409)})
def work_item_delete(request: ApiRequest, item_id: int):
    """Delete an unused work item; one with time or children answers 409 (archive it instead)."""
    item = selectors.work_item_get(account=request.account, item_id=item_id)
    services.work_item_delete(account=request.account, actor=request.user, item=item)
    return Status(204, None)


# --- activity types ---


class ActivityTypeOut(Schema):
    id: int
    name: str
    color: str
    is_default: bool
    archived: bool

    @staticmethod
    def of(activity: ActivityType) -> dict:
        return {
            "id": activity.pk,
            "name": activity.name,
            "color": activity.color,
            "is_default": activity.is_default,
            "archived": activity.archived_at is not None,
        }


class ActivityTypePage(Schema):
    items: list[ActivityTypeOut]
    next_cursor: str | None


class ActivityTypeIn(Schema):
    name: str
    color: str | None = Field(None, description="#rrggbb")
    is_default: bool = False


class ActivityTypePatch(Schema):
    name: str | None = None
    color: str | None = None
    is_default: bool | None = None
    archived: bool | None = None


@router.get("/activity-types", response={200: ActivityTypePage, **errors(400, 401)})
def activity_type_list(
    request: ApiRequest, include_archived: bool = False, limit: int | None = None, cursor: str | None = None
):
    types = selectors.activity_types(account=request.account, include_archived=include_archived)
    rows, next_cursor = paginate(types, limit=limit, cursor=cursor)
    return {"items": [ActivityTypeOut.of(a) for a in rows], "next_cursor": next_cursor}


@router.post("/activity-types", response={201: ActivityTypeOut, **errors(400, 401, 403, 409, 422)})
def activity_type_create(request: ApiRequest, payload: ActivityTypeIn):
    """Create an activity type (managers and admins); `is_default: true` makes it the account's default."""
    activity = services.activity_type_create(account=request.account, actor=request.user, **payload.dict())
    return Status(201, ActivityTypeOut.of(activity))


@router.get("/activity-types/{type_id}", response={200: ActivityTypeOut, **errors(400, 401, 404)})
def activity_type_get(request: ApiRequest, type_id: int):
    return ActivityTypeOut.of(selectors.activity_type_get(account=request.account, type_id=type_id))


@router.patch("/activity-types/{type_id}", response={200: ActivityTypeOut, **errors(400, 401, 403, 404, 409, 422)})
def activity_type_update(request: ApiRequest, type_id: int, payload: ActivityTypePatch):
    activity = selectors.activity_type_get(account=request.account, type_id=type_id)
    activity = services.activity_type_update(
        account=request.account, actor=request.user, activity=activity, **payload.dict(exclude_unset=True)
    )
    return ActivityTypeOut.of(activity)


@router.delete("/activity-types/{type_id}", response={204: None, **errors(400, 401, 403, 404, 409)})
def activity_type_delete(request: ApiRequest, type_id: int):
    activity = selectors.activity_type_get(account=request.account, type_id=type_id)
    services.activity_type_delete(account=request.account, actor=request.user, activity=activity)
    return Status(204, None)


# --- time records ---


class TimeRecordOut(Schema):
    id: int
    user_id: int
    start: datetime
    end: datetime
    duration_s: int
    billable: bool
    billable_s: int
    work_item_id: int | None
    activity_type_id: int | None
    comment: str
    source: Literal["timer", "manual", "import", "api"]
    added_by_id: int | None
    edited_by_id: int | None
    created_at: datetime
    updated_at: datetime


class TimeRecordPage(Schema):
    items: list[TimeRecordOut]
    next_cursor: str | None
    hidden_count: int = Field(description="Records hidden by the free edition (only the newest 300 are visible).")


class TimeRecordIn(Schema):
    start: AwareDatetime
    end: AwareDatetime | None = None
    duration_s: Seconds | None = None
    work_item_id: Id | None = None
    activity_type_id: Id | None = None
    billable: bool | None = None
    billable_s: Seconds | None = None
    comment: str | None = None
    user_id: Id | None = Field(None, description="Managers and admins may record for others; default: you.")

    def spec(self) -> RecordSpec:
        return RecordSpec(**self.dict())


class TimeRecordPatch(Schema):
    start: AwareDatetime | None = None
    end: AwareDatetime | None = None
    duration_s: Seconds | None = None
    work_item_id: Id | None = None
    activity_type_id: Id | None = None
    billable: bool | None = None
    billable_s: Seconds | None = None
    comment: str | None = None
    user_id: Id | None = None


class BatchIn(Schema):
    items: list[TimeRecordIn] = Field(max_length=services.BATCH_MAX)
    validate_only: bool = False


class BatchOut(Schema):
    created: list[int]
    validated: int


class BatchError(Schema):
    index: int
    detail: str
    code: str
    field: str | None = None


class BatchErrors(Schema):
    detail: str
    code: str
    errors: list[BatchError]


class RecordFilters(Schema):
    from_: str | None = Field(None, alias="from", description="A date (midnight in your time zone) or a datetime.")
    to: str | None = Field(None, description="Exclusive; a date or a datetime.")
    user_id: Id | None = None
    work_item_id: Id | None = None
    activity_type_id: Id | None = None
    billable: bool | None = None
    team_id: Id | None = None
    limit: int | None = None
    cursor: str | None = None


@router.get("/time-records", response={200: TimeRecordPage, **errors(400, 401, 422)})
def time_record_list(request: ApiRequest, filters: Query[RecordFilters]):
    """Records you may see (members: their own), newest first; `hidden_count` tells how many the free edition hides."""
    tz = request.user.tz
    records = selectors.time_records(
        account=request.account,
        membership=request.membership,
        start=parse_instant(filters.from_, tz=tz, field="from") if filters.from_ else None,
        end=parse_instant(filters.to, tz=tz, field="to") if filters.to else None,
        user_id=filters.user_id,
        work_item_id=filters.work_item_id,
        activity_type_id=filters.activity_type_id,
        billable=filters.billable,
        team_id=filters.team_id,
    )
    rows, next_cursor = paginate_newest(records, field="start", limit=filters.limit, cursor=filters.cursor)
    return {
        "items": rows,
        "next_cursor": next_cursor,
        "hidden_count": selectors.hidden_time_record_count(account=request.account),
    }


@router.post("/time-records", response={201: TimeRecordOut, **errors(400, 401, 403, 409, 422)})
def time_record_create(request: ApiRequest, payload: TimeRecordIn):
    """Record time: `start` and `end` or `duration_s`. 409 when it overlaps another record of the same person."""
    return Status(201, services.time_record_create(account=request.account, actor=request.user, spec=payload.spec()))


@router.post(
    "/time-records/batch",
    response={201: BatchOut, 200: BatchOut, 422: BatchErrors, **errors(400, 401, 403)},
)
def time_record_batch(request: ApiRequest, payload: BatchIn):
    """Up to 500 records, all or nothing. With `validate_only` nothing is saved: 200 if all would be accepted.
    Otherwise 422 with `errors: [{index, detail, code}]`, one per refused item."""
    try:
        records = services.time_records_create(
            account=request.account,
            actor=request.user,
            specs=[item.spec() for item in payload.items],
            validate_only=payload.validate_only,
        )
    except services.BatchInvalid as exc:
        return Status(422, {"detail": exc.detail, "code": exc.code, "errors": exc.errors})
    if payload.validate_only:
        return Status(200, {"created": [], "validated": len(records)})
    return Status(201, {"created": [r.pk for r in records], "validated": len(records)})


@router.get("/time-records/{record_id}", response={200: TimeRecordOut, **errors(400, 401, 404)})
def time_record_get(request: ApiRequest, record_id: int):
    return selectors.time_record_get(account=request.account, membership=request.membership, record_id=record_id)


@router.patch("/time-records/{record_id}", response={200: TimeRecordOut, **errors(400, 401, 403, 404, 409, 422)})
def time_record_update(request: ApiRequest, record_id: int, payload: TimeRecordPatch):
    record: TimeRecord = selectors.time_record_get(
        account=request.account, membership=request.membership, record_id=record_id
    )
    return services.time_record_update(
        account=request.account, actor=request.user, record=record, changes=payload.dict(exclude_unset=True)
    )


@router.delete("/time-records/{record_id}", response={204: None, **errors(400, 401, 403, 404)})
def time_record_delete(request: ApiRequest, record_id: int):
    record = selectors.time_record_get(account=request.account, membership=request.membership, record_id=record_id)
    services.time_records_delete(account=request.account, actor=request.user, records=[record])
    return Status(204, None)


# --- the timer ---


class TimerOut(Schema):
    running: bool
    started_at: datetime | None = None
    work_item_id: int | None = None
    activity_type_id: int | None = None
    comment: str | None = None
    billable: bool | None = None

    @staticmethod
    def of(timer: Timer | None) -> dict:
        if timer is None:
            return {"running": False}
        return {
            "running": True,
            "started_at": timer.started_at,
            "work_item_id": timer.work_item_id,
            "activity_type_id": timer.activity_type_id,
            "comment": timer.comment,
            "billable": timer.billable,
        }


class TimerStarted(TimerOut):
    stopped: TimeRecordOut | None = Field(None, description="The record of the timer that was running before.")


class TimerIn(Schema):
    work_item_id: Id | None = None
    activity_type_id: Id | None = None
    comment: str = ""
    billable: bool = True


class TimerStopped(Schema):
    time_record: TimeRecordOut


@router.get("/timer", response={200: TimerOut, **errors(401)})
def timer_get(request: ApiRequest):
    return TimerOut.of(selectors.running_timer(account=request.account, membership=request.membership))


@router.post("/timer/start", response={201: TimerStarted, **errors(400, 401, 409, 422)})
def timer_start(request: ApiRequest, payload: TimerIn):
    """Start your timer (it runs on the server); a running one is stopped first and returned as `stopped`."""
    timer, stopped = services.timer_start(account=request.account, user=request.user, **payload.dict())
    return Status(201, {**TimerOut.of(timer), "stopped": stopped})


@router.post("/timer/stop", response={200: TimerStopped, **errors(401, 409, 422)})
def timer_stop(request: ApiRequest):
    """Stop your timer: its time becomes a record. 409 if none runs (or if the record would overlap another)."""
    return {"time_record": services.timer_stop(account=request.account, user=request.user)}


class TimerPatch(Schema):
    work_item_id: Id | None = None
    activity_type_id: Id | None = None
    comment: str | None = None
    billable: bool | None = None
    started_at: AwareDatetime | None = Field(None, description="Move the start earlier (forgot to start it).")


@router.patch("/timer", response={200: TimerOut, **errors(400, 401, 409, 422)})
def timer_update(request: ApiRequest, payload: TimerPatch):
    """Change your running timer: its work item, activity, comment, billable flag, or an earlier start."""
    return TimerOut.of(
        services.timer_update(account=request.account, user=request.user, **payload.dict(exclude_unset=True))
    )


@router.delete("/timer", response={204: None, **errors(401, 409)})
def timer_discard(request: ApiRequest):
    """Throw your running timer away without recording its time."""
    services.timer_discard(account=request.account, user=request.user)
    return Status(204, None)
