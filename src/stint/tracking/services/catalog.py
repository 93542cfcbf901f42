"""Work items (a tree) and activity types: what time is spent on, and what kind of work it is."""

from __future__ import annotations

import re
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import ProtectedError

from stint.accounts.models import Account, User
from stint.accounts.validation import clean_text
from stint.core import clock
from stint.core.errors import Conflict, Invalid
from stint.tracking.models import ActivityType, TimeRecord, TrackingPreference, WorkItem
from stint.tracking.permissions import membership_of, require_manager

INTERNAL_ITEMS = ["Vacation", "Sick leave", "Meetings"]
_COLOR = re.compile(r"^#[0-9a-fA-F]{6}$")


def account_tracking_setup(*, account: Account) -> None:
    """What every new account starts with: internal items for vacation, sick leave and meetings."""
    now = clock.now()
    WorkItem.objects.bulk_create(
        WorkItem(account=account, title=title, type=WorkItem.Type.INTERNAL, created_at=now, updated_at=now)
        for title in INTERNAL_ITEMS
    )


def _parent(*, account: Account, parent_id: int | None, item: WorkItem | None = None) -> WorkItem | None:
    if parent_id is None:
        return None
    parent = WorkItem.objects.filter(account=account, pk=parent_id).first()
    if parent is None:
        raise Invalid(
            f"There is no work item with id {parent_id} in your account.", "unknown_parent", field="parent_id"
        )
    if item is not None:
        ancestor: WorkItem | None = parent
        while ancestor is not None:  # walking up from the new parent must not reach the item itself
            if ancestor.pk == item.pk:
                raise Invalid(
                    "A work item cannot be moved under itself or one of its children.",
                    "parent_cycle",
                    field="parent_id",
                )
            ancestor = ancestor.parent
    return parent


def _check_fields(fields: dict[str, Any]) -> dict[str, Any]:
    clean = dict(fields)
    if "title" in clean:
        clean["title"] = clean_text(clean["title"], field="title", label="a title", max_length=300)
    if "type" in clean and clean["type"] not in WorkItem.Type.values:
        raise Invalid(f"type must be one of: {', '.join(WorkItem.Type.values)}.", "invalid_type", field="type")
    if "state" in clean and clean["state"] not in WorkItem.State.values:
        raise Invalid("state must be open or closed.", "invalid_state", field="state")
    if "external_ref" in clean:
        clean["external_ref"] = (clean["external_ref"] or "").strip()
        if len(clean["external_ref"]) > 100:
            raise Invalid("external_ref can be at most 100 characters.", "external_ref_too_long", field="external_ref")
    if clean.get("estimate_s") is not None and not 0 <= clean["estimate_s"] <= 10**9:
        raise Invalid("estimate_s must be a number of seconds, 0 or more.", "invalid_estimate", field="estimate_s")
    return clean


def work_item_create(*, account: Account, actor: User, parent_id: int | None = None, **fields: Any) -> WorkItem:
    require_manager(account=account, actor=actor, what="create work items")
    fields = _check_fields({"type": WorkItem.Type.TASK, "state": WorkItem.State.OPEN, **fields})
    parent = _parent(account=account, parent_id=parent_id)
    now = clock.now()
    return WorkItem.objects.create(account=account, parent=parent, created_at=now, updated_at=now, **fields)


def work_item_update(*, account: Account, actor: User, item: WorkItem, **changes: Any) -> WorkItem:
    require_manager(account=account, actor=actor, what="change work items")
    with transaction.atomic():
        if "parent_id" in changes:
            item.parent = _parent(account=account, parent_id=changes.pop("parent_id"), item=item)
        archived = changes.pop("archived", None)
        if archived is not None:
            item.archived_at = clock.now() if archived else None
        for name, value in _check_fields(changes).items():
            setattr(item, name, value)
        item.updated_at = clock.now()
        item.save()
    return item


def work_item_delete(*, account: Account, actor: User, item: WorkItem) -> None:
    require_manager(account=account, actor=actor, what="delete work items")
    if item.children.exists():
        raise Conflict("This work item has children; move or delete them first, or archive it.", "has_children")
    if TimeRecord.objects.filter(account=account, work_item=item).exists():
        raise Conflict(
            "Time was recorded on this work item; archive it instead so the time keeps its item.", "has_records"
        )
    try:
        item.delete()
    except ProtectedError as exc:
        raise Conflict("This work item is still in use; archive it instead.", "in_use") from exc


def _check_activity(fields: dict[str, Any]) -> dict[str, Any]:
    clean = dict(fields)
    if "name" in clean:
        clean["name"] = clean_text(clean["name"], field="name", label="a name", max_length=100)
    if "color" in clean and clean["color"] is not None and not _COLOR.match(clean["color"]):
        raise Invalid("color must look like #2b59c3.", "invalid_color", field="color")
    return clean


def _save_activity(activity: ActivityType) -> ActivityType:
    try:
        with transaction.atomic():
            if activity.is_default:  # one default per account: the new one takes over
                ActivityType.objects.filter(account=activity.account, is_default=True).exclude(pk=activity.pk).update(
                    is_default=False
                )
            activity.save()
    except IntegrityError as exc:
        raise Conflict(
            f"There is already an activity type called {activity.name!r}.", "activity_type_exists", field="name"
        ) from exc
    return activity


def activity_type_create(
    *, account: Account, actor: User, name: str, color: str | None = None, is_default: bool = False
) -> ActivityType:
    require_manager(account=account, actor=actor, what="create activity types")
    fields = _check_activity({"name": name, "color": color})
    activity = ActivityType(account=account, name=fields["name"], is_default=is_default, created_at=clock.now())
    if fields["color"]:
        activity.color = fields["color"]
    return _save_activity(activity)


def activity_type_update(*, account: Account, actor: User, activity: ActivityType, **changes: Any) -> ActivityType:
    require_manager(account=account, actor=actor, what="change activity types")
    archived = changes.pop("archived", None)
    if archived is not None:
        activity.archived_at = clock.now() if archived else None
    for name, value in _check_activity(changes).items():
        if value is not None:
            setattr(activity, name, value)
    return _save_activity(activity)


def activity_type_delete(*, account: Account, actor: User, activity: ActivityType) -> None:
    require_manager(account=account, actor=actor, what="delete activity types")
    if TimeRecord.objects.filter(account=account, activity_type=activity).exists():
        raise Conflict("Time was recorded with this activity type; archive it instead.", "has_records")
    activity.delete()


def favorite_activity_set(*, account: Account, user: User, activity: ActivityType | None) -> None:
    membership_of(account=account, user=user)
    TrackingPreference.objects.update_or_create(
        account=account, user=user, defaults={"favorite_activity_type": activity}
    )
