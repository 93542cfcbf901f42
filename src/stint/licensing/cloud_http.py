"""How an on-prem server talks to our cloud: one HTTPS request at a time to `STINT_LICENSE_SERVER_URL` + `/api/v1`.

Redirects are not followed: urllib would send the request again, with its `Authorization` header and subscription
key, to wherever the redirect points. The operator sets the cloud's final address instead. Plain http is refused
unless the cloud is on this machine (loopback: tests and local trials), since keys and tokens travel in these
requests."""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from typing import Any

from django.conf import settings

import stint
from stint.core.errors import Invalid, StintError

TIMEOUT_S = 30
MAX_ANSWER = 20 * 1024 * 1024  # an invoice PDF with many lines stays far below


class LicenseServerUnreachable(StintError):
    status = 502
    default_code = "license_server_unreachable"


class CloudRefused(StintError):
    """Our cloud answered with an error (its detail, code and field are passed on)."""

    status = 422

    def __init__(self, detail: str, code: str, *, cloud_status: int, field: str | None = None) -> None:
        super().__init__(detail, code, field=field)
        self.cloud_status = cloud_status
        if cloud_status >= 500:
            self.status = 502


class CloudLinkBroken(StintError):
    """The cloud no longer takes this server's token (revoked, or the person is no longer an admin there)."""

    status = 409
    default_code = "cloud_link_broken"


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None  # urllib then raises the 3xx as an HTTPError


_opener = urllib.request.build_opener(_NoRedirects)


@dataclass(frozen=True)
class CloudAnswer:
    status: int
    body: bytes
    content_type: str

    def json(self) -> Any:
        return json.loads(self.body)

    def text(self) -> str:
        return self.body.decode("utf-8", "replace")


def cloud_base() -> str:
    """STINT_LICENSE_SERVER_URL, checked."""
    base = settings.STINT_LICENSE_SERVER_URL
    if not base:
        raise Invalid(
            "This server does not know where Stint's cloud is: its operator sets STINT_LICENSE_SERVER_URL (e.g. "
            "https://stint.example.com). Without internet, use the request and license files instead.",
            "license_server_not_configured",
        )
    loopback = urllib.parse.urlsplit(base).hostname in ("127.0.0.1", "localhost", "::1")
    if not base.startswith("https://") and not (loopback and base.startswith("http://")):
        raise Invalid(
            "STINT_LICENSE_SERVER_URL must start with https://: subscription keys and tokens travel in these requests.",
            "license_server_not_configured",
        )
    return base


def cloud_request(
    method: str,
    path: str,
    *,
    token: str = "",
    body: dict[str, Any] | None = None,
    idempotency_key: str = "",
    accept: str = "application/json, application/pdf",
    max_answer: int = MAX_ANSWER,
) -> CloudAnswer:
    """One call to the cloud's API (`/api/v1` + path). An error answer raises CloudRefused with the cloud's own
    sentence, code and field; no answer raises LicenseServerUnreachable; a refused token raises CloudLinkBroken."""
    base = cloud_base()
    headers = {"Accept": accept, "User-Agent": f"stint/{stint.__version__}"}
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        headers["Content-Type"] = "application/json"
    if token:
        headers["Authorization"] = f"Bearer {token}"
    if idempotency_key:
        headers["Idempotency-Key"] = idempotency_key
    call = urllib.request.Request(f"{base}/api/v1{path}", data=data, method=method, headers=headers)  # noqa: S310
    try:
        with _opener.open(call, timeout=TIMEOUT_S) as answer:
            return CloudAnswer(answer.status, answer.read(max_answer), answer.headers.get("Content-Type", ""))
    except urllib.error.HTTPError as exc:
        if 300 <= exc.code < 400:
            where = exc.headers.get("Location", "elsewhere")
            raise CloudRefused(
                f"Stint's cloud at {base} answered with a redirect to {where}: set STINT_LICENSE_SERVER_URL to the "
                "address it names (this server does not follow redirects, so keys are sent nowhere else).",
                "license_server_redirect",
                cloud_status=exc.code,
            ) from exc
        raw = exc.read(10_000)
        field = None
        try:
            error = json.loads(raw)
            detail, code = str(error["detail"])[:500], str(error["code"])[:60]
            field = str(error.get("field") or "")[:60] or None
        except (ValueError, KeyError, TypeError, AttributeError):
            detail, code = f"Stint's cloud answered {exc.code} {exc.reason}.", "license_server_error"
        if exc.code == 401 and token:
            raise CloudLinkBroken(
                "Stint's cloud no longer accepts this server's sign-in (the token was revoked there): connect "
                "your cloud account again."
            ) from exc
        if exc.code >= 500:
            detail = f"Stint's cloud could not answer ({detail}) Try again later."
        raise CloudRefused(detail, code, cloud_status=exc.code, field=field) from exc
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise LicenseServerUnreachable(
            f"Stint's cloud at {base} could not be reached ({reason}). Check this server's internet access and "
            "STINT_LICENSE_SERVER_URL, or use the request and license files instead."
        ) from exc
