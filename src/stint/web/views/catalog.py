"""Settings / Work items, Settings / Activity types (managers and admins edit, everyone reads) and Settings /
Tracking rules (admins)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from stint.core.errors import StintError
from stint.tracking import selectors, services
from stint.tracking.models import ActivityType, TrackingPreference, WorkItem
from stint.tracking.permissions import require_manager
from stint.web.access import MemberRequest, admin_required, member_required
from stint.web.confirm import confirm_page
from stint.web.forms import show_error
from stint.web.forms_catalog import ActivityTypeCreateForm, ActivityTypeForm, TrackingRulesForm, WorkItemForm


def _require_manager(request: MemberRequest, what: str) -> None:
    """The page-level gate (before a form is shown); the same rule the services apply on saving."""
    require_manager(account=request.account, actor=request.user, what=what)


def _item_fields(form: WorkItemForm) -> dict[str, Any]:
    fields = dict(form.cleaned_data)
    fields["estimate_s"] = fields.pop("estimate")
    return fields


def _show_item_error(form: WorkItemForm, exc: StintError) -> None:
    if exc.field == "estimate_s":
        exc.field = "estimate"
    show_error(form, exc)


# --- work items ---


_INDENT = "\u2003"  # an em space per level, in the parent picker


@dataclass
class TreeRow:
    item: WorkItem
    depth: int
    context: bool  # shown only because a descendant matches the filters


def _tree_order(items: list[WorkItem]) -> list[tuple[WorkItem, int]]:
    """Every item with its depth, parents before their children, siblings by title. Items whose parent is not in
    the list start at the top level."""
    known = {item.pk for item in items}
    children: dict[int | None, list[WorkItem]] = {}
    for item in items:
        children.setdefault(item.parent_id if item.parent_id in known else None, []).append(item)
    for siblings in children.values():
        siblings.sort(key=lambda i: (i.title.casefold(), i.pk))
    ordered: list[tuple[WorkItem, int]] = []
    stack = [(item, 0) for item in reversed(children.get(None, []))]
    while stack:
        item, depth = stack.pop()
        ordered.append((item, depth))
        stack.extend((child, depth + 1) for child in reversed(children.get(item.pk, [])))
    return ordered


def _matches(item: WorkItem, *, search: str, state: str, archived: bool) -> bool:
    if item.archived_at is not None and not archived:
        return False
    if state and item.state != state:
        return False
    if search:
        needle = search.casefold()
        return needle in item.title.casefold() or needle == item.external_ref.casefold()
    return True


def work_item_tree(
    items: list[WorkItem], *, search: str = "", state: str = "", archived: bool = False
) -> list[TreeRow]:
    """The rows of the tree: the items that match, and their ancestors (muted) so each match keeps its place."""
    by_id = {item.pk: item for item in items}
    shown = {item.pk for item in items if _matches(item, search=search, state=state, archived=archived)}
    context: set[int] = set()
    for pk in shown:
        parent_id = by_id[pk].parent_id
        while parent_id is not None and parent_id in by_id and parent_id not in context:
            context.add(parent_id)
            parent_id = by_id[parent_id].parent_id
    return [
        TreeRow(item=item, depth=depth, context=item.pk not in shown)
        for item, depth in _tree_order(items)
        if item.pk in shown or item.pk in context
    ]


def _parent_choices(items: list[WorkItem], *, exclude: WorkItem | None = None) -> list[tuple[int, str]]:
    """Unarchived items, indented like the tree; an item's own current parent stays choosable even if archived."""
    keep = [i for i in items if i.archived_at is None or (exclude is not None and i.pk == exclude.parent_id)]
    return [
        (item.pk, _INDENT * depth + str(item))
        for item, depth in _tree_order(keep)
        if exclude is None or item.pk != exclude.pk
    ]


@member_required
def work_items(request: MemberRequest) -> HttpResponse:
    all_items = list(selectors.work_items(account=request.account, include_archived=True))
    can_edit = request.membership.can_manage
    initial = {"parent_id": request.GET.get("parent", "")}
    form = WorkItemForm(request.POST or None, initial=initial, parents=_parent_choices(all_items))
    if request.method == "POST":
        _require_manager(request, "create work items")
        if form.is_valid():
            try:
                item = services.work_item_create(account=request.account, actor=request.user, **_item_fields(form))
            except StintError as exc:
                _show_item_error(form, exc)
            else:
                messages.success(request, f"The work item “{item.title}” was created.")
                return redirect("work_items")
    search = request.GET.get("q", "").strip()[:300]
    state = request.GET.get("state", "")
    state = state if state in WorkItem.State.values else ""
    archived = request.GET.get("archived") == "1"
    rows = work_item_tree(all_items, search=search, state=state, archived=archived)
    return render(
        request,
        "web/catalog/work_items.html",
        {
            "rows": rows,
            "has_items": bool(all_items),
            "search": search,
            "state": state,
            "archived": archived,
            "filtered": bool(search or state),
            "form": form,
            "can_edit": can_edit,
        },
    )


@member_required
def work_item_edit(request: MemberRequest, item_id: int) -> HttpResponse:
    item = selectors.work_item_get(account=request.account, item_id=item_id)
    _require_manager(request, "change work items")
    all_items = list(selectors.work_items(account=request.account, include_archived=True))
    current = {
        "title": item.title,
        "type": item.type,
        "parent_id": item.parent_id or "",
        "external_ref": item.external_ref,
        "estimate": f"{item.estimate_s // 3600}:{item.estimate_s % 3600 // 60:02d}" if item.estimate_s else "",
    }
    form = WorkItemForm(request.POST or None, initial=current, parents=_parent_choices(all_items, exclude=item))
    if request.method == "POST" and form.is_valid():
        try:
            services.work_item_update(account=request.account, actor=request.user, item=item, **_item_fields(form))
        except StintError as exc:
            _show_item_error(form, exc)
        else:
            messages.success(request, f"The work item “{item.title}” was saved.")
            return redirect("work_items")
    return render(request, "web/catalog/work_item_edit.html", {"item": item, "form": form})


@require_POST
@member_required
def work_item_state(request: MemberRequest, item_id: int) -> HttpResponse:
    item = selectors.work_item_get(account=request.account, item_id=item_id)
    state = request.POST.get("state")
    if state not in WorkItem.State.values:
        messages.error(request, "Choose whether the work item is open or closed.")
        return redirect("work_items")
    services.work_item_update(account=request.account, actor=request.user, item=item, state=state)
    verb = "closed; no new time can be tracked on it" if state == WorkItem.State.CLOSED else "open again"
    messages.success(request, f"“{item.title}” is {verb}.")
    return redirect(_back(request, "work_items"))


@require_POST
@member_required
def work_item_archive(request: MemberRequest, item_id: int) -> HttpResponse:
    item = selectors.work_item_get(account=request.account, item_id=item_id)
    archived = request.POST.get("archived") == "1"
    services.work_item_update(account=request.account, actor=request.user, item=item, archived=archived)
    if archived:
        messages.success(request, f"“{item.title}” was archived: its time stays, but it can no longer be picked.")
    else:
        messages.success(request, f"“{item.title}” is back from the archive.")
    return redirect(_back(request, "work_items"))


@member_required
def work_item_delete(request: MemberRequest, item_id: int) -> HttpResponse:
    item = selectors.work_item_get(account=request.account, item_id=item_id)
    _require_manager(request, "delete work items")
    if request.method == "POST":
        try:
            services.work_item_delete(account=request.account, actor=request.user, item=item)
        except StintError as exc:
            messages.error(request, f"“{item.title}” was not deleted. {exc.detail}")
        else:
            messages.success(request, f"The work item “{item.title}” was deleted.")
        return redirect("work_items")
    return confirm_page(
        request,
        title=f"Delete the work item “{item.title}”?",
        points=[
            "It goes away for good. Only items without time and without children can be deleted.",
            "To keep its time but hide it from the pickers, archive it instead.",
        ],
        button="Delete work item",
        cancel=reverse("work_items"),
    )


def _back(request: MemberRequest, fallback: str) -> str:
    """Return to the list with its filters, never to another site."""
    query = request.POST.get("back", "")
    return reverse(fallback) + (query if query.startswith("?") else "")


# --- activity types ---


def _favorite_id(request: MemberRequest) -> int | None:
    preference = TrackingPreference.objects.filter(account=request.account, user=request.user).first()
    return preference.favorite_activity_type_id if preference else None


@member_required
def activity_types(request: MemberRequest) -> HttpResponse:
    can_edit = request.membership.can_manage
    form = ActivityTypeCreateForm(request.POST or None)
    if request.method == "POST":
        _require_manager(request, "create activity types")
        if form.is_valid():
            try:
                created = services.activity_type_create(
                    account=request.account, actor=request.user, **form.cleaned_data
                )
            except StintError as exc:
                show_error(form, exc)
            else:
                messages.success(request, f"The activity type {created.name} was created.")
                return redirect("activity_types")
    types = selectors.activity_types(account=request.account, include_archived=can_edit).order_by("archived_at", "name")
    return render(
        request,
        "web/catalog/activity_types.html",
        {"types": types, "favorite_id": _favorite_id(request), "form": form, "can_edit": can_edit},
    )


@member_required
def activity_type_edit(request: MemberRequest, type_id: int) -> HttpResponse:
    activity = selectors.activity_type_get(account=request.account, type_id=type_id)
    _require_manager(request, "change activity types")
    form = ActivityTypeForm(request.POST or None, initial={"name": activity.name, "color": activity.color})
    if request.method == "POST" and form.is_valid():
        try:
            services.activity_type_update(
                account=request.account, actor=request.user, activity=activity, **form.cleaned_data
            )
        except StintError as exc:
            show_error(form, exc)
        else:
            messages.success(request, f"The activity type {activity.name} was saved.")
            return redirect("activity_types")
    return render(request, "web/catalog/activity_type_edit.html", {"activity": activity, "form": form})


@require_POST
@member_required
def activity_type_default(request: MemberRequest, type_id: int) -> HttpResponse:
    activity = selectors.activity_type_get(account=request.account, type_id=type_id)
    if activity.archived_at is not None:
        messages.error(request, f"{activity.name} is archived; unarchive it before making it the default.")
        return redirect("activity_types")
    services.activity_type_update(account=request.account, actor=request.user, activity=activity, is_default=True)
    messages.success(request, f"{activity.name} is now the default for new records.")
    return redirect("activity_types")


@require_POST
@member_required
def activity_type_archive(request: MemberRequest, type_id: int) -> HttpResponse:
    activity = selectors.activity_type_get(account=request.account, type_id=type_id)
    archived = request.POST.get("archived") == "1"
    changes: dict[str, Any] = {"archived": archived}
    if archived:
        changes["is_default"] = False  # an archived type cannot be picked, so it cannot be the default either
    services.activity_type_update(account=request.account, actor=request.user, activity=activity, **changes)
    verb = "archived: past records keep it, but it can no longer be picked" if archived else "back from the archive"
    messages.success(request, f"{activity.name} is {verb}.")
    return redirect("activity_types")


@member_required
def activity_type_delete(request: MemberRequest, type_id: int) -> HttpResponse:
    activity = selectors.activity_type_get(account=request.account, type_id=type_id)
    _require_manager(request, "delete activity types")
    if request.method == "POST":
        try:
            services.activity_type_delete(account=request.account, actor=request.user, activity=activity)
        except StintError as exc:
            messages.error(request, f"{activity.name} was not deleted. {exc.detail}")
        else:
            messages.success(request, f"The activity type {activity.name} was deleted.")
        return redirect("activity_types")
    return confirm_page(
        request,
        title=f"Delete the activity type {activity.name}?",
        points=[
            "It goes away for good. Only types no time was recorded with can be deleted.",
            "To keep it on past time but hide it from the pickers, archive it instead.",
        ],
        button="Delete activity type",
        cancel=reverse("activity_types"),
    )


@require_POST
@member_required
def activity_type_favorite(request: MemberRequest) -> HttpResponse:
    """Everyone's own choice: the activity type their new records start with."""
    raw = request.POST.get("activity_type_id", "")
    activity: ActivityType | None = None
    if raw.isascii() and raw.isdigit() and len(raw) < 19:
        activity = selectors.activity_type_get(account=request.account, type_id=int(raw))
        if activity.archived_at is not None:
            messages.error(request, f"{activity.name} is archived and cannot be your favourite.")
            return redirect("activity_types")
    elif raw:
        messages.error(request, "Choose one of the activity types as your favourite.")
        return redirect("activity_types")
    services.favorite_activity_set(account=request.account, user=request.user, activity=activity)
    if activity is None:
        messages.success(request, "You have no favourite activity type now; new records start with the default.")
    else:
        messages.success(request, f"{activity.name} is your favourite; your new records start with it.")
    return redirect("activity_types")


# --- tracking rules ---


@admin_required
def tracking_rules(request: MemberRequest) -> HttpResponse:
    rules = selectors.tracking_rules(account=request.account)
    current = {
        "max_record_hours": round(rules.max_record_s / 3600, 2),
        "max_days_ahead": rules.max_days_ahead,
        "require_work_item": rules.require_work_item,
        "require_activity_type": rules.require_activity_type,
        "require_comment": rules.require_comment,
    }
    form = TrackingRulesForm(request.POST or None, initial=current)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        data["max_record_s"] = round(data.pop("max_record_hours") * 3600)
        try:
            services.tracking_rules_update(account=request.account, actor=request.user, **data)
        except StintError as exc:
            if exc.field == "max_record_s":
                exc.field = "max_record_hours"
                exc.detail = "The longest record must be between 0.25 hours (15 minutes) and 168 hours (7 days)."
            show_error(form, exc)
        else:
            messages.success(request, "The tracking rules were saved; new and changed records must follow them.")
            return redirect("tracking_rules")
    return render(request, "web/catalog/tracking_rules.html", {"form": form})
