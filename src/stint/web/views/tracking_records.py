"""The explorer: every record the person may see, filtered, sorted, paged; bulk edit and delete; export."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpResponse, HttpResponseBase, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from stint.accounts import selectors as account_selectors
from stint.core import clock
from stint.core.errors import StintError
from stint.tracking import selectors, services
from stint.tracking.exporting import csv_lines, xlsx_bytes
from stint.tracking.models import TimeRecord
from stint.tracking.services import BatchInvalid
from stint.tracking.timeutil import local_midnight
from stint.web.access import MemberRequest, member_required
from stint.web.forms_tracking import BulkEditForm, RecordFilterForm
from stint.web.views.tracking_common import free_banner

PER_PAGE = 100
SORTS = {
    "-start": ["-start", "-id"],
    "start": ["start", "id"],
    "-duration": ["-duration_s", "-start"],
    "duration": ["duration_s", "start"],
    "user": ["user__name", "-start"],
}
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _filter_form(request: MemberRequest) -> RecordFilterForm:
    people: list[tuple[int, str]] = []
    teams: list[tuple[int, str]] = []
    if request.membership.can_manage:
        people = [
            (m.user_id, m.user.name)
            for m in account_selectors.memberships(account=request.account)
            .select_related("user")
            .order_by("user__name")
        ]
        teams = [(t.pk, t.name) for t in account_selectors.teams(account=request.account).order_by("name")]
    return RecordFilterForm(request.GET or None, account=request.account, people=people, teams=teams)


def filtered_records(request: MemberRequest) -> tuple[RecordFilterForm, QuerySet[TimeRecord]]:
    form = _filter_form(request)
    form.is_valid()  # a filter that does not validate (shown with its error) is left out; the others apply
    data: dict[str, Any] = getattr(form, "cleaned_data", {})
    tz = request.user.tz
    billable = {"yes": True, "no": False}.get(data.get("billable") or "")
    records = selectors.time_records(
        account=request.account,
        membership=request.membership,
        start=local_midnight(data["start"], tz) if data.get("start") else None,
        end=local_midnight(data["end"] + timedelta(days=1), tz) if data.get("end") else None,
        user_id=data.get("user"),
        team_id=data.get("team"),
        work_item_id=data.get("work_item"),
        activity_type_id=data.get("activity"),
        billable=billable,
    )
    return form, records.order_by(*SORTS.get(data.get("sort") or "-start", SORTS["-start"]))


@member_required
def records(request: MemberRequest) -> HttpResponse:
    form, found = filtered_records(request)
    page = Paginator(found.select_related("user", "work_item", "activity_type"), PER_PAGE).get_page(
        request.GET.get("page")
    )
    query = request.GET.copy()
    query.pop("page", None)
    bulk = BulkEditForm(account=request.account)
    return render(
        request,
        "web/tracking/records.html",
        {
            "form": form,
            "page": page,
            "query": query.urlencode(),
            "bulk": bulk,
            "can_manage": request.membership.can_manage,
            **free_banner(request),
        },
    )


@member_required
def records_export(request: MemberRequest, fmt: str) -> HttpResponseBase:
    _, found = filtered_records(request)
    stamp = clock.now().astimezone(request.user.tz).strftime("%Y-%m-%d")
    response: HttpResponseBase
    if fmt == "xlsx":
        response = HttpResponse(xlsx_bytes(found), content_type=XLSX)
    else:
        response = StreamingHttpResponse(csv_lines(found), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="stint-records-{stamp}.{fmt}"'
    return response


def _selected(request: MemberRequest) -> list[TimeRecord]:
    ids = [int(i) for i in request.POST.getlist("ids") if i.isascii() and i.isdigit() and len(i) < 19]
    return list(selectors.time_records(account=request.account, membership=request.membership).filter(pk__in=ids))


def _back(request: MemberRequest) -> HttpResponse:
    query = request.POST.get("query", "")
    return redirect(f"{reverse('records')}?{query}" if query else reverse("records"))


@require_POST
@member_required
def records_bulk(request: MemberRequest) -> HttpResponse:
    chosen = _selected(request)
    if not chosen:
        messages.error(request, "Select at least one record first.")
        return _back(request)
    action = request.POST.get("action")
    if action == "delete":
        return render(
            request,
            "web/tracking/records_delete.html",
            {"records": chosen, "query": request.POST.get("query", "")},
        )
    try:
        if action == "delete-confirmed":
            count = services.time_records_delete(account=request.account, actor=request.user, records=chosen)
            messages.success(request, f"{count} record{'s' if count != 1 else ''} deleted.")
            return _back(request)
        form = BulkEditForm(request.POST, account=request.account)
        if not form.is_valid():
            messages.error(request, form.first_error())
            return _back(request)
        changes: dict[str, Any] = {}
        if form.cleaned_data["billable"]:
            changes["billable"] = form.cleaned_data["billable"] == "yes"
        for name in ("activity_type_id", "work_item_id"):
            if form.cleaned_data[name] is not None:
                changes[name] = form.cleaned_data[name]
        if not changes:
            messages.error(request, "Choose what to change: billable, activity or work item.")
            return _back(request)
        services.time_records_update(account=request.account, actor=request.user, records=chosen, changes=changes)
    except BatchInvalid as exc:
        first = exc.errors[0]
        record = chosen[first["index"]]
        when = record.start.astimezone(request.user.tz).strftime("%b %-d, %H:%M")
        messages.error(request, f"Nothing was changed. The record of {when}: {first['detail']}")
        return _back(request)
    except StintError as exc:
        messages.error(request, f"Nothing was changed. {exc.detail}")
        return _back(request)
    messages.success(request, f"{len(chosen)} record{'s' if len(chosen) != 1 else ''} changed.")
    return _back(request)
