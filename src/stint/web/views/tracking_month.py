"""Month: a calendar of the person's records; add, edit and delete a record in a small dialog (htmx) or page."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from stint.core.errors import Invalid, StintError
from stint.tracking import selectors, services
from stint.tracking.models import Source, TimeRecord
from stint.tracking.timesheet import group_by_day
from stint.tracking.timeutil import local_midnight, week_start
from stint.web.access import MemberRequest, member_required
from stint.web.forms import show_error
from stint.web.forms_tracking import RecordForm
from stint.web.views.tracking_common import FIRST_YEAR, LAST_YEAR, free_banner, parse_day, today


def _first_of_month(request: MemberRequest) -> date:
    value = request.GET.get("month", "")
    try:
        first = date.fromisoformat(f"{value}-01")
    except ValueError:
        return today(request).replace(day=1)
    return first if FIRST_YEAR <= first.year <= LAST_YEAR else today(request).replace(day=1)


def _add_month(first: date, months: int) -> date:
    index = first.year * 12 + first.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


@member_required
def month(request: MemberRequest) -> HttpResponse:
    first = _first_of_month(request)
    following = _add_month(first, 1)
    tz = request.user.tz
    records = list(
        selectors.visible_time_records(account=request.account)
        .filter(user=request.user, start__gte=local_midnight(first, tz), start__lt=local_midnight(following, tz))
        .select_related("work_item", "activity_type")
        .order_by("start")
    )
    by_day = group_by_day(records, tz=tz)
    day = week_start(first, request.user.week_start)
    weeks: list[list[dict[str, Any]]] = []
    while day < following:
        week = []
        for _ in range(7):
            on_day = by_day.get(day, [])
            week.append(
                {
                    "date": day,
                    "in_month": day.month == first.month,
                    "records": on_day,
                    "total": sum(r.duration_s for r in on_day),
                }
            )
            day += timedelta(days=1)
        weeks.append(week)
    return render(
        request,
        "web/tracking/month.html",
        {
            "first": first,
            "previous": _add_month(first, -1),
            "next": following,
            "weeks": weeks,
            "weekdays": [w["date"] for w in weeks[0]],
            "total": sum(r.duration_s for r in records),
            "today": today(request),
            # Days on which a record may be added (the account may refuse time in the future).
            "last_open_day": today(request)
            + timedelta(days=selectors.tracking_rules(account=request.account).max_days_ahead),
            **free_banner(request),
        },
    )


def _wall_time(day: date, moment: time, *, field: str, request: MemberRequest) -> datetime:
    """The instant a wall-clock time names, refusing one the clocks skip (the hour lost when summer time begins)."""
    tz = request.user.tz
    local = datetime.combine(day, moment, tzinfo=tz)
    if local.astimezone(UTC).astimezone(tz).replace(tzinfo=None) != local.replace(tzinfo=None):
        raise Invalid(
            f"{moment:%H:%M} does not exist on {day:%b} {day.day} in {tz.key}: the clocks skip that hour.",
            "nonexistent_time",
            field=field,
        )
    return local


def _span(form: RecordForm, request: MemberRequest) -> tuple[datetime, datetime]:
    data = form.cleaned_data
    start = _wall_time(data["date"], data["start"], field="start", request=request)
    end = _wall_time(data["date"], data["end"], field="end", request=request)
    if end <= start:
        end += timedelta(days=1)  # 22:00 to 01:00 runs past midnight
    return start, end


def _done(request: MemberRequest, day: date, message: str) -> HttpResponse:
    messages.success(request, message)
    target = f"{reverse('month')}?month={day:%Y-%m}"
    if request.headers.get("HX-Request"):
        response = HttpResponse(status=204)
        response["HX-Redirect"] = target
        return response
    return redirect(target)


def _form_page(request: MemberRequest, form: RecordForm, **context: Any) -> HttpResponse:
    in_dialog = bool(request.headers.get("HX-Request"))
    template = "web/tracking/_record_form.html" if in_dialog else "web/tracking/record.html"
    return render(request, template, {"form": form, "in_dialog": in_dialog, **context})


@member_required
def record_new(request: MemberRequest) -> HttpResponse:
    day = parse_day(request, request.GET.get("date"))
    default = selectors.activity_types(account=request.account).filter(is_default=True).first()
    form = RecordForm(
        request.POST or None,
        account=request.account,
        initial={"date": day, "start": "09:00", "end": "10:00", "activity_type_id": default.pk if default else None},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            start, end = _span(form, request)
            services.time_record_create(
                account=request.account,
                actor=request.user,
                source=Source.MANUAL,
                spec=services.RecordSpec(
                    start=start,
                    end=end,
                    work_item_id=data["work_item_id"],
                    activity_type_id=data["activity_type_id"],
                    billable=data["billable"],
                    comment=data["comment"],
                ),
            )
        except StintError as exc:
            show_error(form, exc)
        else:
            return _done(request, data["date"], "Record added.")
    return _form_page(request, form, title="Add a record", action=f"{reverse('record_new')}?date={day}")


def _initial(record: TimeRecord, request: MemberRequest) -> dict[str, Any]:
    tz = request.user.tz
    return {
        "date": record.start.astimezone(tz).date(),
        "start": record.start.astimezone(tz).strftime("%H:%M"),
        "end": record.end.astimezone(tz).strftime("%H:%M"),
        "work_item_id": record.work_item_id,
        "activity_type_id": record.activity_type_id,
        "billable": record.billable,
        "comment": record.comment,
    }


@member_required
def record_edit(request: MemberRequest, record_id: int) -> HttpResponse:
    record = selectors.time_record_get(account=request.account, membership=request.membership, record_id=record_id)
    form = RecordForm(request.POST or None, account=request.account, current=record, initial=_initial(record, request))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            start, end = _span(form, request)
            services.time_record_update(
                account=request.account,
                actor=request.user,
                record=record,
                changes={
                    "start": start,
                    "end": end,
                    "work_item_id": data["work_item_id"],
                    # The form's empty choice reads "Default activity": it means the default, not "none".
                    "activity_type_id": data["activity_type_id"] or _default_activity_id(request),
                    "billable": data["billable"],
                    "comment": data["comment"],
                },
            )
        except StintError as exc:
            show_error(form, exc)
        else:
            return _done(request, data["date"], "Record saved.")
    return _form_page(
        request, form, title="Edit the record", action=reverse("record_edit", args=[record.pk]), record=record
    )


def _default_activity_id(request: MemberRequest) -> int | None:
    default = selectors.activity_types(account=request.account).filter(is_default=True).first()
    return default.pk if default else None


@member_required
def record_delete(request: MemberRequest, record_id: int) -> HttpResponse:
    record = selectors.time_record_get(account=request.account, membership=request.membership, record_id=record_id)
    day = record.start.astimezone(request.user.tz).date()
    if request.method == "POST":
        services.time_records_delete(account=request.account, actor=request.user, records=[record])
        return _done(request, day, "Record deleted.")
    return render(request, "web/tracking/record_delete.html", {"record": record, "day": day})
