"""The tracker bar: the running timer's state (polled by every open tab), start, stop, and the work item search."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from stint.core import clock
from stint.core.errors import StintError
from stint.tracking import selectors, services
from stint.tracking.models import Timer
from stint.web.access import MemberRequest, member_required
from stint.web.forms_tracking import TimerStartForm

SEARCH_LIMIT = 20


def wants_json(request: MemberRequest) -> bool:
    return "application/json" in request.headers.get("Accept", "")


def timer_json(timer: Timer | None) -> dict[str, Any]:
    state: dict[str, Any] = {"running": timer is not None, "now": clock.now().isoformat()}
    if timer is not None:
        state.update(
            started_at=timer.started_at.isoformat(),
            work_item_id=timer.work_item_id,
            work_item=str(timer.work_item) if timer.work_item else "",
            activity_type_id=timer.activity_type_id,
            activity_type=timer.activity_type.name if timer.activity_type else "",
            comment=timer.comment,
        )
    return state


def _back(request: MemberRequest) -> HttpResponse:
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = "/"
    return redirect(target)


def _answer(request: MemberRequest, *, error: StintError | None = None, message: str = "") -> HttpResponse:
    if wants_json(request):
        timer = selectors.running_timer(account=request.account, membership=request.membership)
        body = timer_json(timer)
        if error is not None:
            body["error"] = error.detail
        return JsonResponse(body, status=422 if error else 200)
    if error is not None:
        messages.error(request, error.detail)
    elif message:
        messages.success(request, message)
    return _back(request)


@require_GET
@member_required
def timer_state(request: MemberRequest) -> HttpResponse:
    response = JsonResponse(timer_json(selectors.running_timer(account=request.account, membership=request.membership)))
    response["Cache-Control"] = "no-store"
    return response


@require_POST
@member_required
def timer_start(request: MemberRequest) -> HttpResponse:
    form = TimerStartForm(request.POST)
    if not form.is_valid():
        return _answer(request, error=StintError(form.first_error(), "invalid"))
    try:
        _, stopped = services.timer_start(
            account=request.account,
            user=request.user,
            work_item_id=form.cleaned_data["work_item"],
            activity_type_id=form.cleaned_data["activity_type"],
            comment=form.cleaned_data["comment"],
        )
    except StintError as exc:
        return _answer(request, error=exc)
    return _answer(request, message="Timer started." + (" The previous one was saved." if stopped else ""))


@require_POST
@member_required
def timer_stop(request: MemberRequest) -> HttpResponse:
    try:
        services.timer_stop(account=request.account, user=request.user)
    except StintError as exc:
        return _answer(request, error=exc)
    return _answer(request, message="Timer stopped; the record is saved.")


@require_GET
@member_required
def work_item_search(request: MemberRequest) -> HttpResponse:
    query = request.GET.get("q", "").strip()
    if query:
        found = list(
            selectors.work_items(account=request.account, search=query)
            .filter(state="open")
            .order_by("title")[:SEARCH_LIMIT]
        )
    else:
        found = selectors.recent_work_items(account=request.account, membership=request.membership)
    return JsonResponse({"items": [{"id": item.pk, "label": str(item)} for item in found]})
