"""An online on-prem server buys and changes its subscription from its own Settings / My Account: it talks to the
customer's account in our cloud through the cloud's REST API (API.md "Subscription and billing"), with a token of
that account, then installs the license that the purchase or change gives (online activation or a refresh).

The token is made once from the cloud account's email and password (the password is not kept) and stored with the
server's identity; it is never logged or shown. Card details typed here go to the cloud in the one request and
are not kept here; a cloud that charges cards through Stripe refuses card numbers (it wants Stripe's card form),
and says so next to the card field: pay by bank transfer or check, or buy in the cloud's own My Account."""

from __future__ import annotations

import logging
import uuid
from typing import Any

from stint.accounts.models import User
from stint.core.errors import Forbidden, Invalid, StintError
from stint.licensing.cloud_http import CloudAnswer, CloudRefused, cloud_request
from stint.licensing.models import ServerIdentity
from stint.licensing.online import NO_LONGER_PAID, license_activate, license_refresh
from stint.licensing.server import active_users, server_identity

log = logging.getLogger(__name__)


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
    token, token_id = str(made.json()["token"]), int(made.json()["id"])
    me = cloud_request("GET", "/me", token=token).json()
    if me.get("role") != "admin":
        # The token made for a person who may not buy is of no use: it is revoked there at once.
        try:
            cloud_request("DELETE", f"/tokens/{token_id}", token=token)
        except StintError as exc:
            log.warning("Could not revoke the cloud token of a refused connection: %s", exc.code)
        raise Forbidden(
            f"{email} is not an admin of the account {me['account']['name']} in Stint's cloud: ask one of its admins "
            "to connect this server.",
            "cloud_admin_only",
        )
    previous = server_identity().cloud_token
    ServerIdentity.objects.filter(pk=1).update(
        cloud_token=token, cloud_account_name=str(me["account"]["name"])[:200], cloud_email=email[:254]
    )
    if previous and previous != token:
        _tokens_revoke(previous, keep_id=token_id)  # connected again: the older sign-in goes
    log.info("On-prem server connected to the cloud account %s by %s", me["account"]["id"], actor.email)
    return server_identity()


def _tokens_revoke(token: str, *, keep_id: int | None = None) -> None:
    """Revoke, in the cloud, the tokens this server made with `token`'s person (best effort: a cloud out of reach
    is logged; its admins can still revoke them under Settings / API tokens)."""
    label = f"On-prem server {server_identity().server_id}"
    try:
        tokens = cloud_request("GET", "/tokens?limit=500", token=token).json()["items"]
        for found in tokens:
            if found.get("label") == label and int(found["id"]) != keep_id:
                cloud_request("DELETE", f"/tokens/{int(found['id'])}", token=token)
    except StintError as exc:
        log.warning("Could not revoke this server's cloud tokens: %s", exc.code)


def cloud_disconnect() -> None:
    """Revoke the token in the cloud and forget it here."""
    identity = server_identity()
    if identity.cloud_token:
        _tokens_revoke(identity.cloud_token)
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
