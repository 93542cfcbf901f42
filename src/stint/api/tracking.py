"""API.md "Tracking": time records (one, or a batch of up to 500) and the server-side timer."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from ninja import Query, Router, Schema, Status
from pydantic import AwareDatetime, BaseModel, Field

from stint.api.auth import ApiRequest
from stint.api.schemas import Id, Seconds, errors
from stint.core.pagination import paginate_newest
from stint.tracking import selectors, services
from stint.tracking.models import Timer, TimeRecord
from stint.tracking.services import RecordSpec
from stint.tracking.services.records import time_records_add
from stint.tracking.timeutil import parse_instant

router = Router(tags=["Tracking"])


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
    hidden_count: int = Field(
        description="Records hidden by the free edition: only the newest are visible (300, unless the Free plan "
        "in the back-office says otherwise)."
    )


class TimeRecordIn(BaseModel):
    # A plain pydantic model: ninja's Schema runs a Python validator on every item (to read Django objects),
    # 15 ms of a 500-item batch; a request body needs none of that.
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
        # Field by field rather than through model_dump(): this runs 500 times per batch.
        return RecordSpec(
            start=self.start,
            end=self.end,
            duration_s=self.duration_s,
            work_item_id=self.work_item_id,
            activity_type_id=self.activity_type_id,
            billable=self.billable,
            billable_s=self.billable_s,
            comment=self.comment,
            user_id=self.user_id,
        )


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


class BatchIn(BaseModel):
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
        created = time_records_add(
            account=request.account,
            actor=request.user,
            specs=[item.spec() for item in payload.items],
            validate_only=payload.validate_only,
        )
    except services.BatchInvalid as exc:
        return Status(422, {"detail": exc.detail, "code": exc.code, "errors": exc.errors})
    # All or nothing: once accepted, every item was validated.
    if payload.validate_only:
        return Status(200, {"created": [], "validated": len(payload.items)})
    return Status(201, {"created": created, "validated": len(created)})


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
