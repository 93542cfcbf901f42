"""Error ids: every unexpected server error gets one, written in the log beside the traceback, shown on the 500 page
and kept for the person who met it, so that a bug report can quote it and staff can find the traceback."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable

from django.core.exceptions import BadRequest, PermissionDenied, SuspiciousOperation
from django.http import Http404, HttpRequest, HttpResponse
from django.http.multipartparser import MultiPartParserError

from stint.support.services import server_error_record

log = logging.getLogger("stint.errors")

# What Django answers itself with a 4xx: not errors on our side.
_EXPECTED = (Http404, PermissionDenied, BadRequest, SuspiciousOperation, MultiPartParserError)


def error_id_new() -> str:
    return uuid.uuid4().hex[:12]


def error_id_assign(*, request: HttpRequest, exception: BaseException | None) -> str:
    """The request's error id: made, logged with the traceback and recorded once, however often it is asked for."""
    existing = getattr(request, "error_id", None)
    if existing:
        return str(existing)
    error_id = error_id_new()
    request.error_id = error_id  # type: ignore[attr-defined]
    log.error(
        "unexpected error %s on %s %s",
        error_id,
        request.method,
        request.path,
        exc_info=(type(exception), exception, exception.__traceback__) if exception else True,
    )
    user = getattr(request, "user", None)
    server_error_record(
        error_id=error_id,
        user=user if user is not None and user.is_authenticated else None,
        account=getattr(request, "account", None),
        method=request.method or "",
        path=request.path,
        exception=type(exception).__name__ if exception else "",
    )
    return error_id


class ErrorIdMiddleware:
    """Gives an error id to every unexpected exception of a view (also with debug on, where Django shows its own
    page instead of ours): handler500 then shows the same id."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> None:
        if not isinstance(exception, _EXPECTED):
            error_id_assign(request=request, exception=exception)
