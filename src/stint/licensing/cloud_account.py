"""An online on-prem server buys and changes its subscription from its own Settings / My Account: it talks to the
customer's account in our cloud through the cloud's REST API (API.md "Subscription and billing"), with a token of
that account, then installs the license that the purchase or change gives (online activation or a refresh).

The token is made once from the cloud account's email and password (the password is not kept) and stored with the
server's identity; it is never logged or shown. Card details typed here go to the cloud in the one request and
are not kept (with Stripe at the cloud, Stripe's card form turns them into a payment method in the browser)."""

from __future__ import annotations

import json
import logging
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass
from typing import Any

from django.conf import settings

import stint
from stint.accounts.models import User
from stint.core.errors import Forbidden, Invalid, StintError
from stint.licensing.models import ServerIdentity
from stint.licensing.online import (
    NO_LONGER_PAID,
    CloudRefused,
    LicenseServerUnreachable,
    license_activate,
    license_refresh,
)
from stint.licensing.server import active_users, server_identity

log = logging.getLogger(__name__)

TIMEOUT_S = 30
MAX_ANSWER = 20 * 1024 * 1024  # a PDF of an invoice with many lines stays far below


class CloudLinkBroken(StintError):
    """The cloud no longer takes this server's token (revoked, or the person is no longer an admin there)."""

    status = 409
    default_code = "cloud_link_broken"


@dataclass(frozen=True)
class CloudAnswer:
    status: int
    body: bytes
    content_type: str

    def json(self) -> Any:
        return json.loads(self.body)


def cloud_base() -> str:
    base = settings.STINT_LICENSE_SERVER_URL
    if not base:
        raise Invalid(
            "This server does not know where Stint's cloud is: its operator sets STINT_LICENSE_SERVER_URL. Without "
            "internet, buy from our sales team and install the license file they send.",
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
) -> CloudAnswer:
    """One call to the cloud's API (`/api/v1` + path). An error answer raises CloudRefused with the cloud's own
    sentence and code; no answer raises LicenseServerUnreachable."""
    base = cloud_base()
    headers = {"Accept": "application/json, application/pdf", "User-Agent": f"stint/{stint.__version__}"}
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
        with urllib.request.urlopen(call, timeout=TIMEOUT_S) as answer:  # noqa: S310 (the operator's https URL)
            return CloudAnswer(answer.status, answer.read(MAX_ANSWER), answer.headers.get("Content-Type", ""))
    except urllib.error.HTTPError as exc:
        raw = exc.read(10_000)
        field = ""
        try:
            error = json.loads(raw)
            detail, code = str(error["detail"])[:500], str(error["code"])[:60]
            field = str(error.get("field") or "")[:60]
        except (ValueError, KeyError, TypeError, AttributeError):
            detail, code = f"Stint's cloud answered {exc.code} {exc.reason}.", "license_server_error"
        if exc.code == 401 and token:
            raise CloudLinkBroken(
                "Stint's cloud no longer accepts this server's sign-in (the token was revoked there): connect "
                "your cloud account again."
            ) from exc
        if exc.code >= 500:
            detail = f"Stint's cloud could not answer ({detail}) Try again later."
        refused = CloudRefused(detail, code, cloud_status=exc.code)
        refused.field = field or None  # the cloud's field name, e.g. "payment_method.number"
        raise refused from exc
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise LicenseServerUnreachable(
            f"Stint's cloud at {base} could not be reached ({reason}). Check this server's internet access and "
            "STINT_LICENSE_SERVER_URL, or order from our sales team and install the license file."
        ) from exc


def _linked() -> ServerIdentity:
    identity = server_identity()
    if not identity.cloud_token:
        raise Invalid("Connect this server to your account in Stint's cloud first.", "cloud_not_connected")
    return identity


def _call(method: str, path: str, **kwargs: Any) -> CloudAnswer:
    return cloud_request(method, path, token=_linked().cloud_token, **kwargs)


def cloud_connect(*, actor: User, email: str, password: str) -> ServerIdentity:
    """Sign in to the cloud account once: a token is made there (named after this server) and kept here; the
    password is not. The cloud account's admins can buy; others are refused here, as they would be there."""
    email, label = email.strip(), f"On-prem server {server_identity().server_id}"
    if not email or not password:
        raise Invalid("Enter the email and password of your account in Stint's cloud.", "cloud_login_missing")
    try:
        made = cloud_request("POST", "/tokens", body={"email": email, "password": password, "label": label[:100]})
    except CloudRefused as refused:
        if refused.cloud_status in (400, 401, 403, 422):
            raise Invalid(
                f"Stint's cloud refused the sign-in: {refused.detail}", refused.code, field="password"
            ) from refused
        raise
    token = str(made.json()["token"])
    me = cloud_request("GET", "/me", token=token).json()
    if me.get("role") != "admin":
        raise Forbidden(
            f"{email} is not an admin of the account {me['account']['name']} in Stint's cloud: ask one of its admins "
            "to connect this server.",
            "cloud_admin_only",
        )
    ServerIdentity.objects.filter(pk=1).update(
        cloud_token=token, cloud_account_name=str(me["account"]["name"])[:200], cloud_email=email[:254]
    )
    log.info("On-prem server connected to the cloud account %s by %s", me["account"]["id"], actor.email)
    return server_identity()


def cloud_disconnect() -> None:
    """Forget the token (the cloud's admins can also revoke it under Settings / API tokens)."""
    ServerIdentity.objects.filter(pk=1).update(cloud_token="", cloud_account_name="", cloud_email="")


def cloud_overview() -> dict[str, Any]:
    """What the page shows: the cloud subscription, the plans on offer and the latest documents."""
    subscription = _call("GET", "/subscription").json()
    plans = cloud_plans()
    invoices = _call("GET", "/invoices?limit=20").json()["items"]
    credit_notes = _call("GET", "/credit-notes?limit=20").json()["items"]
    return {"subscription": subscription, "plans": plans, "invoices": invoices, "credit_notes": credit_notes}


def cloud_plans() -> list[dict[str, Any]]:
    """The plans on sale in the cloud, with their prices (GET /plans)."""
    return list(_call("GET", "/plans").json()["items"])


def _license_after(subscription: dict[str, Any], *, actor: User) -> str:
    """Bring the license in step with what the cloud now sells this server: the first purchase activates it with
    the subscription key; later changes refresh it. Answers what went wrong ("" when nothing did): the change in
    the cloud is made by then, so a failure here is reported, not raised (the daily refresh tries again)."""
    identity = server_identity()
    key = subscription.get("subscription_key") or ""
    try:
        if subscription.get("status") in ("active", "past_due") and key and key != identity.subscription_key:
            license_activate(actor=actor, subscription_key=key)
        elif identity.subscription_key:
            license_refresh(force=True)
    except StintError as exc:
        if exc.code in NO_LONGER_PAID:
            return ""  # refunded or ended: the license was withdrawn and the server runs as Free, as it should
        log.warning("The license could not be brought in step with the cloud: %s (%s)", exc.detail, exc.code)
        return exc.detail
    return ""


def cloud_purchase(
    *, actor: User, plan: str, interval: str, payment_method: dict[str, Any], po_number: str, idempotency_key: str
) -> tuple[dict[str, Any], str]:
    """Buy a plan in the cloud for this server's named users (one line, one invoice), then activate this server
    with the subscription key; answers the purchase and what went wrong with the license ("" if nothing). The same
    `idempotency_key` (one per form shown) never buys twice."""
    body = {
        "plan": plan,
        "interval": interval,
        "payment_method": payment_method,
        "po_number": po_number,
        "seats": max(1, active_users()),
    }
    bought = _call("POST", "/subscription", body=body, idempotency_key=idempotency_key).json()
    return bought, _license_after(bought["subscription"], actor=actor)


def cloud_change(*, actor: User, changes: dict[str, Any], idempotency_key: str) -> tuple[dict[str, Any], str]:
    """Change plan, interval, payment method or PO number in the cloud (charged or credited there at once), then
    refresh the license."""
    changed = _call("PATCH", "/subscription", body=changes, idempotency_key=idempotency_key).json()
    return changed, _license_after(changed["subscription"], actor=actor)


def cloud_action(*, actor: User, action: str) -> tuple[dict[str, Any], str]:
    """Cancel at period end, resume, or the 30-day refund, in the cloud; then refresh the license."""
    if action not in ("cancel", "resume", "refund"):
        raise Invalid("Unknown action.", "unknown_action")
    answer = _call("POST", f"/subscription/{action}").json()
    subscription = answer if action != "refund" else _call("GET", "/subscription").json()
    return answer, _license_after(subscription, actor=actor)


def cloud_document_pdf(*, kind: str, document_id: int) -> tuple[str, bytes]:
    """An invoice or credit note of the cloud account: its number and its PDF."""
    path = {"invoice": "/invoices", "credit_note": "/credit-notes"}[kind]
    number = str(_call("GET", f"{path}/{int(document_id)}").json()["number"])
    answer = _call("GET", f"{path}/{int(document_id)}/pdf")
    if not answer.content_type.startswith("application/pdf"):
        raise CloudRefused("Stint's cloud did not answer with a PDF.", "license_server_error", cloud_status=502)
    return number, answer.body


def new_idempotency_key() -> str:
    return f"onprem-{uuid.uuid4()}"
