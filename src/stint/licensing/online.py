"""Online activation, the on-prem side: the server sends its request to our cloud (`STINT_LICENSE_SERVER_URL` +
`/api/v1/licensing/activate`) with the subscription key an admin entered, and installs the license that comes
back. It keeps the key and asks again daily and after every seat change, so renewals and seat purchases reach it
without anyone moving files; adding a named user beyond the license's seats buys the seat this way first."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction

from stint.accounts.models import User
from stint.core import clock
from stint.core.errors import Invalid, PaymentRequired, StintError
from stint.licensing.cloud_http import cloud_request
from stint.licensing.files import MAX_TEXT
from stint.licensing.models import InstalledLicense, LicenseSource, ServerIdentity
from stint.licensing.onprem import license_edition_apply, license_expiry_warn, license_install, server_observe
from stint.licensing.server import current_installed, request_build, server_identity, server_identity_locked

log = logging.getLogger(__name__)

TIMEOUT_S = 20
REFRESH_EVERY = timedelta(days=1)
RETRY_AFTER_FAILURE = timedelta(minutes=5)


def _activate_call(*, subscription_key: str, seats: int | None = None) -> str:
    """POST this server's request to the cloud; answers the license text."""
    body: dict[str, Any] = {"subscription_key": subscription_key, "request": request_build()}
    if seats is not None:
        body["seats"] = seats
    answer = cloud_request("POST", "/licensing/activate", body=body, accept="text/plain", max_answer=MAX_TEXT + 1)
    return answer.text()


def license_activate(*, actor: User | None, subscription_key: str) -> InstalledLicense:
    """Online activation with the subscription key shown in the cloud's Settings / License. Seats for the named
    users this server already has are bought with it if the subscription has fewer."""
    key = subscription_key.strip()
    if not key or len(key) > 100:
        raise Invalid(
            "Enter the subscription key shown to admins in Stint's cloud (Settings / License).",
            "subscription_key_missing",
            field="subscription_key",
        )
    from stint.licensing.server import active_users

    text = _activate_call(subscription_key=key, seats=max(1, active_users()))
    installed = license_install(text=text, actor=actor, source=LicenseSource.ONLINE)
    now = clock.now()
    ServerIdentity.objects.filter(pk=1).update(
        subscription_key=key,
        last_refresh_at=now,
        last_refresh_attempt_at=now,
        last_refresh_error="",
        refresh_requested=False,
    )
    return installed


def license_seats_buy(*, seats: int) -> InstalledLicense:
    """Buy seats up to `seats` through the cloud (charged to the subscription like any seat change) and install
    the license that comes back. Called while a named user is being added; any refusal refuses the addition."""
    identity = server_identity()
    try:
        text = _activate_call(subscription_key=identity.subscription_key, seats=seats)
        installed = license_install(text=text, source=LicenseSource.ONLINE)
    except StintError as exc:
        raise PaymentRequired(
            f"This server's license has no seat left, and buying one through Stint's cloud failed: {exc.detail}",
            exc.code,
        ) from exc
    if installed.seats < seats:
        raise PaymentRequired(
            f"Stint's cloud answered with a license for {installed.seats} named users, fewer than the {seats} "
            "needed. Ask our sales team for more seats.",
            "license_seat_limit",
        )
    return installed


def license_refresh_request() -> None:
    """Ask the tick to refresh the license soon (a named user was added or removed); online servers only."""
    ServerIdentity.objects.filter(pk=1).exclude(subscription_key="").update(refresh_requested=True)


def license_disconnect() -> None:
    """Forget the subscription key: no more online refreshes (the installed license stays)."""
    ServerIdentity.objects.filter(pk=1).update(subscription_key="", refresh_requested=False, last_refresh_error="")


def _refresh_due(identity: ServerIdentity, now: datetime) -> bool:
    if not identity.subscription_key or not settings.STINT_LICENSE_SERVER_URL:
        return False
    attempt = identity.last_refresh_attempt_at
    if identity.last_refresh_error and attempt is not None and now - attempt < RETRY_AFTER_FAILURE:
        return False
    last = identity.last_refresh_at
    return identity.refresh_requested or last is None or now - last >= REFRESH_EVERY


def license_refresh(*, now: datetime | None = None, force: bool = False) -> InstalledLicense | None:
    """Fetch the license again with the stored subscription key, when due (or `force`). A failure keeps the
    installed license and is noted on the server's identity (shown in Settings / License), then retried."""
    now = now or clock.now()
    with transaction.atomic():
        identity = server_identity_locked()
        if not (force and identity.subscription_key) and not _refresh_due(identity, now):
            return None
        identity.last_refresh_attempt_at = now
        identity.refresh_requested = False
        identity.save(update_fields=["last_refresh_attempt_at", "refresh_requested"])
        key = identity.subscription_key
    try:
        text = _activate_call(subscription_key=key)
        installed = license_install(text=text, source=LicenseSource.REFRESH, now=now)
    except StintError as exc:
        log.warning("license refresh failed: %s (%s)", exc.detail, exc.code)
        ServerIdentity.objects.filter(pk=1).update(last_refresh_error=f"{exc.detail} ({exc.code})"[:500])
        if exc.code in NO_LONGER_PAID:
            _license_withdraw(exc.detail, now=now)
        if force:
            raise
        return None
    ServerIdentity.objects.filter(pk=1).update(last_refresh_at=now, last_refresh_error="")
    return installed


# The cloud's answers that mean "this subscription pays for no license any more" (refunded, or ended on Free): not
# a network problem to wait out.
NO_LONGER_PAID = {"license_needs_subscription"}


def _license_withdraw(reason: str, *, now: datetime) -> None:
    """Stop running on the installed license: our cloud said the subscription no longer pays for it. The server
    falls back to Free at once (nothing is deleted); a purchase brings a new license."""
    installed = current_installed()
    if installed is None or installed.withdrawn_at is not None:
        return
    installed.withdrawn_at = now
    installed.withdrawn_reason = f"Stint's cloud no longer licenses this server: {reason}"[:500]
    installed.save(update_fields=["withdrawn_at", "withdrawn_reason"])
    license_edition_apply(now=now)


def licensing_tick() -> None:
    """The worker's licensing tick (on-prem only): note the time and the named users, refresh the license when due,
    keep the edition in step with the license, and warn before it expires. Idempotent."""
    if settings.STINT_MODE != "onprem":
        return
    now = clock.now()
    server_observe(now=now)
    license_refresh(now=now)
    license_edition_apply(now=now)
    license_expiry_warn(now=now)
