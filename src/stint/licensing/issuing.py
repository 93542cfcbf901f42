"""Issuing licenses, the cloud side: from a server's request and an account's paid subscription to a signed
license file. Used by the back-office, `stint license issue` and the online activation endpoint.

The subscription key: every subscription has one (`sk_...`), shown to the account's admins (GET /subscription,
Settings / License) and regenerated there, which makes the old one stop working. It is what an on-prem server
enters for online activation; it authenticates nothing else.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Max, Sum

from stint.accounts.models import Account, Edition, User
from stint.accounts.permissions import require_admin
from stint.billing.models import Subscription
from stint.billing.periods import whole_second
from stint.billing.services.common import event, subscription_locked
from stint.billing.services.seats import seats_buy
from stint.core import clock
from stint.core.errors import Conflict, Forbidden, Invalid, NotAuthenticated, PaymentRequired
from stint.licensing.files import LicenseRequest, license_payload, license_sign, request_verify
from stint.licensing.keys import signing_key
from stint.licensing.models import IssuedLicense, LicensedServer
from stint.notifications.models import EventType

GRACE_DAYS = 14


def subscription_by_key(*, subscription_key: str) -> Subscription:
    key = (subscription_key or "").strip()
    found = (
        Subscription.objects.select_related("account").filter(subscription_key=key).first()
        if key.startswith("sk_")
        else None
    )
    if found is None:
        raise NotAuthenticated(
            "This subscription key is not valid: copy it again from Stint's cloud (Settings / License, admins only). "
            "It changes when an admin regenerates it.",
            "invalid_subscription_key",
        )
    return found


def subscription_key_regenerate(*, account: Account, actor: User) -> str:
    """A new subscription key; the old one stops working (servers activated with it stop refreshing until the new
    one is entered)."""
    require_admin(account=account, actor=actor, what="regenerate the subscription key")
    key = "sk_" + secrets.token_urlsafe(24)
    Subscription.objects.filter(account=account).update(subscription_key=key)
    return key


def _paid_check(subscription: Subscription) -> None:
    if subscription.is_paid and subscription.edition in (Edition.REGULAR, Edition.ENTERPRISE):
        return
    state = "in its trial" if subscription.edition == Edition.TRIAL else "on Free"
    raise PaymentRequired(
        f"A license comes with a paid subscription (Regular or Enterprise), and {subscription.account.name} is "
        f"{state}. Buy a subscription in Settings / My Account (or through our sales team), then ask again.",
        "license_needs_subscription",
    )


def _paid_up(subscription: Subscription) -> datetime:
    """The license's expiry: the end of the period paid for (a renewal still unpaid has not extended it)."""
    end = subscription.current_period_end
    start = subscription.current_period_start
    assert end is not None and start is not None
    return start if subscription.status == Subscription.Status.PAST_DUE else end


def _server_check(*, account: Account, subscription: Subscription, request: LicenseRequest) -> LicensedServer | None:
    """Whether this subscription may license the requesting server (raises Conflict if not); its record if known.
    Runs before anything is bought, and again under the lock before the license is made."""
    others = LicensedServer.objects.filter(account=account, released_at__isnull=True).exclude(
        server_id=request.server_id
    )
    if subscription.edition != Edition.ENTERPRISE and others.exists():
        raise Conflict(
            f"A {subscription.edition.title()} subscription covers one on-prem server, and {account.name} already "
            "licenses another one. To move to this server, ask our sales team to release the other one; Enterprise "
            "covers several servers.",
            "license_server_limit",
        )
    server = LicensedServer.objects.filter(account=account, server_id=request.server_id).first()
    if server is not None and server.public_key != request.server_public_key:
        raise Conflict(
            f"Server {request.server_id} was licensed with another server key: this request comes from a copy of "
            "that server. Ask our sales team.",
            "server_key_changed",
        )
    return server


def _others_in_use(*, account: Account, request: LicenseRequest) -> int:
    """The named users the account's other licensed servers reported: seats this server's license cannot use."""
    others = LicensedServer.objects.filter(account=account, released_at__isnull=True).exclude(
        server_id=request.server_id
    )
    return int(others.aggregate(total=Sum("reported_active_users"))["total"] or 0)


def _server_for(
    *, account: Account, subscription: Subscription, request: LicenseRequest, now: datetime
) -> LicensedServer:
    server = _server_check(account=account, subscription=subscription, request=request)
    if server is None:
        server = LicensedServer(account=account, server_id=request.server_id, first_seen_at=now)
    server.public_key = request.server_public_key
    server.fingerprint = request.fingerprint
    server.name = request.account_name[:200]
    server.version = request.version[:40]
    server.reported_active_users = request.active_users
    server.reported_peak_users = request.peak_users
    server.last_request_at = now
    server.released_at = None
    server.save()
    return server


def license_issue(
    *,
    account: Account,
    request_text: str,
    actor: User | None,
    via: str,
    seats: int | None = None,
    now: datetime | None = None,
) -> IssuedLicense:
    """A signed license for the server that wrote `request_text`, on the account's paid subscription. With `seats`
    above the subscription's, the difference is bought first (a seat change, charged). The same request may be
    answered again; every answer has a higher serial. The owner hears of it (`license.issued`) when the terms are
    new for that server, or when staff issue it."""
    if settings.STINT_MODE != "cloud":
        raise Forbidden("Licenses are issued by Stint's cloud, not by an on-prem server.", "cloud_only")
    request = request_verify(request_text)
    key = signing_key()  # before anything is bought: a cloud that cannot sign must not charge
    current = Subscription.objects.select_related("account").get(account=account)
    _paid_check(current)
    # Every refusal comes before anything is bought.
    _server_check(account=account, subscription=current, request=request)
    if seats is not None:
        if via == IssuedLicense.Via.ACTIVATION and seats > request.active_users + 1:
            raise Invalid(
                f"The server has {request.active_users} named users: online activation buys seats for them and for "
                "one more being added, not ahead. For more, ask our sales team.",
                "seats_invalid",
                field="seats",
            )
        # Named users on several servers are several seats: this server's on top of the others'.
        seats_buy(account=account, actor=actor, seats=_others_in_use(account=account, request=request) + seats)
    with transaction.atomic():
        subscription = subscription_locked(account)
        _paid_check(subscription)
        at = whole_second(now or clock.now())
        server = _server_for(account=account, subscription=subscription, request=request, now=at)
        others = _others_in_use(account=account, request=request)
        allotted = subscription.seats - others
        if allotted < 1:
            raise PaymentRequired(
                f"All {subscription.seats} seats of the subscription are taken by the named users of "
                f"{account.name}'s other licensed servers ({others}): buy seats for this server's "
                f"{request.active_users} named users first (the seats field, or Settings / My Account).",
                "license_no_seats_left",
            )
        highest = IssuedLicense.objects.filter(server__server_id=request.server_id).aggregate(top=Max("serial"))["top"]
        serial = max(highest or 0, request.serial) + 1
        expires = _paid_up(subscription)
        assert subscription.current_period_start is not None
        not_before = min(at, subscription.current_period_start)
        if not_before >= expires:
            not_before = expires - timedelta(days=1)
        owner = account.owner
        payload = license_payload(
            license_id=str(server.license_id),
            serial=serial,
            account_id=account.pk,
            account_name=account.name,
            licensee={"name": owner.name, "company": account.buyer_name, "email": owner.email},
            edition=subscription.edition,
            seats=allotted,
            server_id=str(server.server_id),
            server_public_key=server.public_key,
            issued_at=at,
            not_before=not_before,
            expires_at=expires,
            grace_days=GRACE_DAYS,
            key_id=key.key_id,
        )
        previous = server.licenses.order_by("-serial").first()
        issued = IssuedLicense.objects.create(
            account=account,
            server=server,
            serial=serial,
            edition=subscription.edition,
            seats=allotted,
            issued_at=at,
            not_before=not_before,
            expires_at=expires,
            grace_days=GRACE_DAYS,
            key_id=key.key_id,
            text=license_sign(payload, key),
            via=via,
            issued_by=actor,
        )
        terms = (issued.edition, issued.seats, issued.expires_at)
        if (
            via != IssuedLicense.Via.ACTIVATION
            or previous is None
            or ((previous.edition, previous.seats, previous.expires_at) != terms)
        ):
            event(
                account=account,
                type=EventType.LICENSE_ISSUED,
                actor=actor,
                summary=f"A license was issued for on-prem server {server.server_id}: {issued.edition.title()}, "
                f"{issued.seats} named users, paid up to {issued.expires_at:%Y-%m-%d} (serial {serial}).",
                license_id=str(server.license_id),
                license_serial=serial,
                license_edition=issued.edition.title(),
                license_seats=issued.seats,
                license_expires_on=f"{issued.expires_at:%Y-%m-%d}",
                license_grace_days=GRACE_DAYS,
                license_via=issued.get_via_display(),
                server_id=str(server.server_id),
                server_fingerprint=server.fingerprint,
                server_name=server.name,
            )
    return issued


def licensed_server_release(*, server: LicensedServer, actor: User) -> LicensedServer:
    """Staff: the server no longer counts against the subscription's servers (the customer moved to new
    hardware). Its license runs out on its own; it is not refreshed any more unless it asks again."""
    if not actor.is_staff:
        raise Forbidden("Only our staff can release a licensed server.", "staff_only")
    server.released_at = clock.now()
    server.save(update_fields=["released_at"])
    return server
