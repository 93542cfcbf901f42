"""My week: the keyboard timesheet. A cell is typed, saved through `timesheet_set_cell`, totals come back."""

from __future__ import annotations

from datetime import timedelta

from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_POST

from stint.core.errors import NotFound, StintError
from stint.tracking import selectors
from stint.tracking.models import ActivityType, WorkItem
from stint.tracking.timesheet import format_duration, parse_duration, timesheet_set_cell, timesheet_week
from stint.web.access import MemberRequest, member_required
from stint.web.forms_tracking import CellForm
from stint.web.views.tracking_common import free_banner, parse_day, today, work_item_choices


def _extra_rows(request: MemberRequest) -> list[tuple[WorkItem | None, ActivityType | None]]:
    """Rows asked for with ?row=<item id>-<activity id> (0 for none): the 'Add row' form."""
    rows: list[tuple[WorkItem | None, ActivityType | None]] = []
    values = request.GET.getlist("row")
    if "add_item" in request.GET:
        values.append(f"{request.GET['add_item']}-{request.GET.get('add_activity', '0')}")
    for value in values:
        item_id, _, type_id = value.partition("-")
        try:
            item = selectors.work_item_get(account=request.account, item_id=int(item_id)) if int(item_id) else None
            kind = selectors.activity_type_get(account=request.account, type_id=int(type_id)) if int(type_id) else None
        except (ValueError, NotFound):
            continue
        rows.append((item, kind))
    return rows


@member_required
def week(request: MemberRequest) -> HttpResponse:
    day = parse_day(request, request.GET.get("date"))
    sheet = timesheet_week(account=request.account, user=request.user, day=day, extra_rows=_extra_rows(request))
    rules = selectors.tracking_rules(account=request.account)
    activity_types = list(selectors.activity_types(account=request.account).order_by("name"))
    find = (request.GET.get("find") or "").strip()[:100]
    return render(
        request,
        "web/tracking/week.html",
        {
            "sheet": sheet,
            "today": today(request),
            "previous": sheet.days[0] - timedelta(days=7),
            "next": sheet.days[0] + timedelta(days=7),
            **work_item_choices(request, find),
            "find": find,
            "activity_types": activity_types,
            "default_activity": next((kind for kind in activity_types if kind.is_default), None),
            "rows_param": [row.key for row in sheet.rows],
            "last_open_day": today(request) + timedelta(days=rules.max_days_ahead),
            **free_banner(request),
        },
    )


@require_POST
@member_required
def week_cell(request: MemberRequest) -> HttpResponse:
    form = CellForm(request.POST)
    if not form.is_valid():
        return JsonResponse({"error": form.first_error()}, status=422)
    data = form.cleaned_data
    try:
        seconds = parse_duration(data["duration"] or "")
        timesheet_set_cell(
            account=request.account,
            actor=request.user,
            user=request.user,
            day=data["date"],
            work_item_id=data["work_item"] or None,
            activity_type_id=data["activity_type"] or None,
            duration_s=seconds,
        )
    except StintError as exc:
        return JsonResponse({"error": exc.detail, "code": exc.code}, status=422)
    sheet = timesheet_week(account=request.account, user=request.user, day=data["date"])
    index = (data["date"] - sheet.days[0]).days
    return JsonResponse(
        {
            "cell": format_duration(seconds) if seconds else "",
            "rows": {row.key: format_duration(row.total) for row in sheet.rows},
            "days": [format_duration(s) for s in sheet.day_totals],
            "total": format_duration(sheet.total),
            "day_index": index,
        }
    )
