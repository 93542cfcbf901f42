"""API.md "Tracking": work items (a tree) and activity types."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from ninja import Query, Router, Schema, Status
from pydantic import Field

from stint.api.auth import ApiRequest
from stint.api.schemas import Id, errors
from stint.core.pagination import paginate
from stint.tracking import selectors, services
from stint.tracking.models import ActivityType, WorkItem

router = Router(tags=["Tracking"])

ItemType = Literal["epic", "feature", "task", "bug", "internal"]
ItemState = Literal["open", "closed"]


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
