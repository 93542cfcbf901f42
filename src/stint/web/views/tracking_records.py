"""The explorer: every record the person may see, filtered, sorted, paged; bulk edit and delete; export."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django import forms
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
from stint.web.views.tracking_common import free_banner, work_item_choices

PER_PAGE = 100
# Up to here the explorer counts the matching records; an exact count of more reads every one of them (a million:
# 50 ms on SQLite, 200 ms on PostgreSQL), more than the rest of the page together.
COUNT_MAX = 10_000
SORTS = {
    "-start": ["-start", "-id"],
    "start": ["start", "id"],
    "-duration": ["-duration_s", "-start"],
    "duration": ["duration_s", "start"],
    "user": ["user__name", "-start"],
}
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# The columns the explorer's rows show (templatetags.tracking.record_rows).
ROW_FIELDS = (
    "start", "end", "duration_s", "billable", "comment", "user__name", "work_item__external_ref", "work_item__title",
    "activity_type__name",
)  # fmt: skip


def _filter_form(request: MemberRequest) -> RecordFilterForm:
    people: list[tuple[int, str]] = []
    teams: list[tuple[int, str]] = []
    if request.membership.can_manage:
        people = list(
            account_selectors.memberships(account=request.account)
            .order_by("user__name")
            .values_list("user_id", "user__name")
        )
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


@dataclass
class RecordPage:
    """One page of the explorer. `count` is None when more than COUNT_MAX records match: then the page has a
    number but no "of N", and Previous and Next move on."""

    object_list: list[TimeRecord]
    number: int
    count: int | None
    has_next: bool

    @property
    def num_pages(self) -> int | None:
        return None if self.count is None else max(1, -(-self.count // PER_PAGE))

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_other_pages(self) -> bool:
        return self.has_previous or self.has_next

    @property
    def previous_page_number(self) -> int:
        return self.number - 1

    @property
    def next_page_number(self) -> int:
        return self.number + 1


def _record_page(records: QuerySet[TimeRecord], requested: str | None) -> RecordPage:
    # Counting the first COUNT_MAX + 1 in any order stops early; the ordering only slows the count down.
    counted = records.order_by()[: COUNT_MAX + 1].count()
    if counted > COUNT_MAX:
        try:
            number = max(1, int(requested or 1))
        except ValueError:
            number = 1
        start = (number - 1) * PER_PAGE
        rows = list(records[start : start + PER_PAGE + 1])
        if rows or number == 1:
            return RecordPage(rows[:PER_PAGE], number, None, has_next=len(rows) > PER_PAGE)
        counted = records.count()  # past the end: the last page, as for a counted list
    paginator = Paginator(records, PER_PAGE)
    paginator.count = counted  # counted above; Paginator would count again
    page = paginator.get_page(requested)
    return RecordPage(list(page.object_list), page.number, counted, has_next=page.has_next())


def _choices(field: forms.Field) -> Any:
    assert isinstance(field, forms.ChoiceField)
    return field.choices


@member_required
def records(request: MemberRequest) -> HttpResponse:
    form, found = filtered_records(request)
    page = _record_page(
        # What the rows show and no more: a person has a dozen columns and a record two timestamps the page never
        # needs, and converting them was a fifth of the page's time.
        found.select_related("user", "work_item", "activity_type").only(*ROW_FIELDS),
        request.GET.get("page"),
    )
    query = request.GET.copy()
    query.pop("page", None)
    find = (request.GET.get("find") or "").strip()[:100]
    chosen = getattr(form, "cleaned_data", {}).get("work_item")
    items = work_item_choices(request, find, chosen=chosen)
    return render(
        request,
        "web/tracking/records.html",
        {
            "form": form,
            "page": page,
            "count_max": f"{COUNT_MAX:,}",
            "query": query.urlencode(),
            # The work item pickers (filter and bulk edit) offer what the week page offers, not every open item.
            **items,
            "item_options": [(item.pk, str(item)) for item in items["items"]],
            "chosen_item": chosen,
            "find": find,
            # The bulk bar's lists, without building a BulkEditForm: its work items would be a second copy of the
            # whole catalog.
            "bulk_billable": _choices(BulkEditForm.base_fields["billable"]),
            "bulk_activities": _choices(form.fields["activity"])[1:],
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
