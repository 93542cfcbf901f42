"""API.md's one error shape, `{"detail": "...", "code": "..."}`, for every failure the API can answer."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed, JsonResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError

from stint.core.errors import StintError

_HTTP_CODES = {
    400: "malformed",
    401: "not_authenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    429: "throttled",
}


def error_body(detail: str, code: str, **extra: Any) -> dict[str, Any]:
    return {"detail": detail, "code": code, **extra}


def json_method_not_allowed(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Ninja answers an unsupported method with a plain-text 405, outside its exception handlers: reshape it."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = view(request, *args, **kwargs)
        if not isinstance(response, HttpResponseNotAllowed):
            return response
        allowed = response["Allow"]
        body = error_body(f"{request.method} is not allowed here; use {allowed}.", "method_not_allowed")
        reshaped = JsonResponse(body, status=405)
        reshaped["Allow"] = allowed
        return reshaped

    return wrapped


def _describe(error: dict[str, Any]) -> tuple[str, str]:
    """('email', 'Field required') from one pydantic error, without where ninja found it: ("body", <the view's
    parameter>, ...) or ("query" | "path", ...). Only the leading parts go, so a field itself named `body` stays."""
    loc = [str(part) for part in error.get("loc", ())]
    if loc[:1] == ["body"]:
        loc = loc[2:]
    elif loc[:1] and loc[0] in ("query", "path"):
        loc = loc[1:]
    field = ".".join(loc)
    message = str(error.get("msg", "is invalid"))
    return field, message


def install_error_handlers(api: NinjaAPI) -> None:
    @api.exception_handler(StintError)
    def stint_error(request: HttpRequest, exc: StintError) -> HttpResponse:
        extra = {"field": exc.field} if exc.field else {}
        return api.create_response(request, error_body(exc.detail, exc.code, **extra), status=exc.status)

    @api.exception_handler(ValidationError)
    def validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
        errors = [dict(zip(("field", "detail"), _describe(e), strict=True)) for e in exc.errors]
        first = errors[0] if errors else {"field": "", "detail": "is invalid"}
        where = f"{first['field']}: " if first["field"] else ""
        detail = f"The request does not match the API: {where}{first['detail']}."
        return api.create_response(request, error_body(detail, "invalid_request", errors=errors), status=400)

    @api.exception_handler(AuthenticationError)
    def auth_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        has_header = bool(request.headers.get("Authorization"))
        if has_header:
            body = error_body(
                "This API token is not valid (unknown, revoked, or its user was removed).", "invalid_token"
            )
        else:
            body = error_body(
                "Send an API token as 'Authorization: Bearer <token>'; create one with POST "
                "/api/v1/tokens or in Settings / API tokens.",
                "not_authenticated",
            )
        return api.create_response(request, body, status=401)

    @api.exception_handler(HttpError)
    def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        if isinstance(exc.__cause__, StintError):  # our parser's refusal, wrapped by ninja
            return stint_error(request, exc.__cause__)
        detail = str(exc)
        if exc.status_code == 400 and "parse" in detail.lower():
            detail = "The request body is not valid JSON."
        code = _HTTP_CODES.get(exc.status_code, "error")
        return api.create_response(request, error_body(detail, code), status=exc.status_code)

    @api.exception_handler(SuspiciousOperation)
    def suspicious(request: HttpRequest, exc: SuspiciousOperation) -> HttpResponse:
        # Django's own limits on what a request may carry (body size, number of fields): the caller's doing.
        if isinstance(exc, RequestDataTooBig):
            body = error_body("The request body is too large.", "request_too_large")
            return api.create_response(request, body, status=413)
        body = error_body("The request exceeds what the server accepts (e.g. too many parameters).", "malformed")
        return api.create_response(request, body, status=400)

    @api.exception_handler(Http404)
    def not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
        return api.create_response(request, error_body("Not found.", "not_found"), status=404)

    @api.exception_handler(Exception)
    def unexpected(request: HttpRequest, exc: Exception) -> HttpResponse:
        from stint.support.errors import error_id_assign  # logs it and keeps it for the person's bug report

        error_id = error_id_assign(request=request, exception=exc)
        body = error_body(
            f"Something went wrong on our side. Please report error id {error_id}.", "server_error", error_id=error_id
        )
        return api.create_response(request, body, status=500)
