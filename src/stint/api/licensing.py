"""API.md "Licensing (on-prem)": the on-prem server's license, and the cloud's activation endpoint.

- On an on-prem server (STINT_MODE=onprem), for admins of its account: GET /license, GET /license/request,
  PUT /license (the license file as the body), POST /license/activate. In the cloud these paths answer 404
  `not_onprem`.
- In the cloud: POST /licensing/activate, authenticated by the subscription key in its body (no token). On an
  on-prem server it answers 404 `cloud_only`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from ninja import Router, Schema
from pydantic import Field, StrictInt

from stint.api.auth import ApiRequest, require_admin
from stint.api.schemas import Error
from stint.core.errors import Malformed, NotFound
from stint.licensing.files import MAX_TEXT
from stint.licensing.issuing import license_issue, subscription_by_key
from stint.licensing.models import IssuedLicense, LicenseSource
from stint.licensing.online import license_activate
from stint.licensing.onprem import license_install
from stint.licensing.overview import license_overview
from stint.licensing.server import onprem_account, request_build

router = Router(tags=["Licensing (on-prem)"])

TEXT = "text/plain"


def _errors(*statuses: int) -> dict[int, type[Error]]:
    return dict.fromkeys(statuses, Error)


def _text_body(description: str) -> dict[str, object]:
    return {
        "requestBody": {
            "required": True,
            "description": description,
            "content": {TEXT: {"schema": {"type": "string"}}},
        }
    }


def _text_response(description: str) -> dict[str, object]:
    return {"responses": {200: {"description": description, "content": {TEXT: {"schema": {"type": "string"}}}}}}


def _text(body: str, *, filename: str) -> HttpResponse:
    response = HttpResponse(body, content_type=f"{TEXT}; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response


def _onprem_admin(request: ApiRequest) -> None:
    if settings.STINT_MODE != "onprem":
        raise NotFound(
            "This is Stint's cloud: /license is for on-prem servers. Your subscription key for online activation is "
            "in GET /api/v1/subscription (admins).",
            "not_onprem",
        )
    server_account = onprem_account()
    if server_account is None or server_account.pk != request.account.pk:
        raise NotFound("There is no license for this account on this server.", "not_found")
    require_admin(request)


class LicenseeOut(Schema):
    name: str
    company: str
    email: str


class LicenseOut(Schema):
    status: Literal["none", "valid", "expired", "invalid"]
    edition: Literal["trial", "free", "regular", "enterprise"] = Field(description="What the server runs as now.")
    seats: int | None = Field(description="Named users the license covers.")
    expires_at: datetime | None = Field(description="The paid-up date; grace days follow.")
    server_id: str
    licensee: LicenseeOut | None
    detail: str = Field(description="Why the license is invalid, or what its expiry means now; empty when valid.")
    code: str | None = Field(description="A stable code for `detail`.")
    license_id: str | None
    serial: int | None
    license_edition: str | None = Field(description="The edition the license itself names.")
    grace_ends_at: datetime | None
    in_grace: bool = Field(description="Expired, but its edition still applies until `grace_ends_at`.")
    active_users: int
    fingerprint: str = Field(description="This server's key fingerprint, as the request file shows it.")
    online: bool = Field(description="Activated online: the license is refreshed daily with the subscription key.")
    last_refresh_at: datetime | None
    last_refresh_error: str | None


class ActivateIn(Schema):
    subscription_key: str = Field(max_length=200)


class CloudActivateIn(Schema):
    subscription_key: str = Field(max_length=200)
    request: str = Field(max_length=MAX_TEXT, description="The server's license request file.")
    seats: StrictInt | None = Field(
        None,
        ge=1,
        le=100_000,
        description="The named users the requesting server needs, at most its active users plus one (the one being "
        "added); seats its other licensed servers use come on top.",
    )


@router.get("/license", response={200: LicenseOut, **_errors(401, 403, 404)})
def license_get(request: ApiRequest):
    """This on-prem server's license and what it runs as (admins)."""
    _onprem_admin(request)
    return license_overview().as_api()


@router.get(
    "/license/request",
    response=_errors(401, 403, 404),
    openapi_extra=_text_response("The signed license request file, to send to Stint."),
)
def license_request(request: ApiRequest):
    """The request file (text/plain) for offline activation (admins)."""
    _onprem_admin(request)
    return _text(request_build(), filename="stint-license-request.txt")


@router.put(
    "/license",
    response={200: LicenseOut, **_errors(400, 401, 403, 404, 422)},
    openapi_extra=_text_body("The license file, as received from Stint."),
)
def license_put(request: ApiRequest):
    """Install a license file sent as the body; 422 with the exact reason when it is refused (admins)."""
    _onprem_admin(request)
    if len(request.body) > MAX_TEXT:
        raise Malformed(
            "The body is far larger than a license file; send the license file itself.", "license_too_large"
        )
    try:
        text = request.body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise Malformed("The body must be the license file as UTF-8 text.", "license_malformed") from exc
    license_install(text=text, actor=request.user, source=LicenseSource.FILE)
    return license_overview().as_api()


@router.post("/license/activate", response={200: LicenseOut, **_errors(400, 401, 403, 404, 422, 502)})
def license_activate_online(request: ApiRequest, payload: ActivateIn):
    """Online activation: sends this server's request to Stint's cloud with the subscription key and installs the
    answer; the license is then refreshed daily. 422 with the cloud's reason, 502 when it cannot be reached."""
    _onprem_admin(request)
    license_activate(actor=request.user, subscription_key=payload.subscription_key)
    return license_overview().as_api()


@router.post(
    "/licensing/activate",
    auth=None,
    response=_errors(400, 401, 402, 404, 409, 422),
    openapi_extra=_text_response("The signed license file for the requesting server."),
)
def licensing_activate(request: HttpRequest, payload: CloudActivateIn):
    """Cloud: a license for the server that wrote `request`, on the subscription whose key is given. With `seats`
    above the subscription's, the difference is bought first (charged like any seat change)."""
    if settings.STINT_MODE != "cloud":
        raise NotFound("Licenses are issued by Stint's cloud; this is an on-prem server.", "cloud_only")
    subscription = subscription_by_key(subscription_key=payload.subscription_key)
    issued = license_issue(
        account=subscription.account,
        request_text=payload.request,
        actor=None,
        via=IssuedLicense.Via.ACTIVATION,
        seats=payload.seats,
    )
    return _text(issued.text, filename="stint-license.txt")
