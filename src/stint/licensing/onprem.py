"""The on-prem side: checking and installing a license, what it makes of the server's edition, expiry warnings and
the seat check when a named user is added.

Where the edition of an on-prem server comes from: its one account starts a 30-day trial at the first-run set-up,
like a cloud account (the billing tick ends it, as in the cloud). A valid license (or one expired but within its
grace days) puts the account's subscription in `active` status with the license's edition and seats and no billing
period, so the billing tick never renews or charges anything here. Without one (none installed, expired beyond
grace, or no longer valid, e.g. the clock was set back) a licensed account falls back to Free.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction

from stint.accounts.models import Account, Edition, Membership, User
from stint.billing.models import Plan, Subscription
from stint.billing.services.common import event, subscription_locked
from stint.billing.services.lifecycle import revert_to_free
from stint.billing.services.periods_state import edition_save
from stint.core import clock
from stint.core.errors import PaymentRequired
from stint.licensing.files import License, LicenseRefused, license_verify
from stint.licensing.models import InstalledLicense, LicenseSource, ServerIdentity
from stint.licensing.server import (
    active_users,
    current_installed,
    onprem_account,
    server_identity,
    server_identity_locked,
)
from stint.notifications.models import EventType

# How far the clock may go back (NTP steps, a restart on another host's time) before it counts as set back.
CLOCK_SLACK = timedelta(minutes=10)
EXPIRY_WARNINGS_DAYS = (30, 7, 1)


@dataclass(frozen=True)
class LicenseStatus:
    status: str  # none | valid | expired | invalid (API.md)
    license: License | None = None
    installed: InstalledLicense | None = None
    detail: str = ""  # why it is invalid or what expired means now
    code: str = ""
    in_grace: bool = False

    @property
    def effective(self) -> bool:
        """Its edition and seats apply: valid, or expired but within its grace days."""
        return self.license is not None and (self.status == "valid" or self.in_grace)


def _day(value: datetime) -> str:
    return f"{value:%Y-%m-%d %H:%M} UTC"


def _clock_check(identity: ServerIdentity, now: datetime) -> None:
    if now < identity.latest_seen_at - CLOCK_SLACK:
        raise LicenseRefused(
            f"This server's clock reads {_day(now)}, but it has already seen {_day(identity.latest_seen_at)}: the "
            "clock was set back. Set the server's clock to the correct time; licenses are checked against it.",
            "clock_set_back",
        )


def _binding_check(license: License, identity: ServerIdentity) -> None:
    if license.server_id != str(identity.server_id):
        raise LicenseRefused(
            f"This license is for another server ({license.server_id}); this server is {identity.server_id}. "
            "Send this server's request file to Stint to get its own license.",
            "license_other_server",
        )
    if license.server_public_key != identity.public_key:
        raise LicenseRefused(
            "This license names this server's id but another server key: it was issued for a copy of this server "
            "made elsewhere. Send this server's request file to Stint to get its own license.",
            "license_other_server",
        )


def _dates_check(license: License, now: datetime) -> None:
    if now < license.not_before - CLOCK_SLACK:
        raise LicenseRefused(
            f"This license is valid from {_day(license.not_before)}, and this server's clock reads {_day(now)}. "
            "Check the server's clock, or install the license from that time on.",
            "license_not_yet_valid",
        )
    if now > license.grace_ends_at:
        raise LicenseRefused(
            f"This license expired on {_day(license.expires_at)} and its {license.grace_days} days of grace ended "
            f"on {_day(license.grace_ends_at)}. Renew the subscription and install the new license.",
            "license_expired",
        )


def license_check(text: str, *, identity: ServerIdentity, now: datetime) -> License:
    """The license in `text` if this server may install it now; refused with the exact reason otherwise."""
    license = license_verify(text)
    _binding_check(license, identity)
    if license.serial < identity.highest_serial:
        raise LicenseRefused(
            f"This license has serial {license.serial}, older than the one this server has already accepted "
            f"(serial {identity.highest_serial}). Install the newest license Stint issued for this server.",
            "license_serial_old",
        )
    _clock_check(identity, now)
    _dates_check(license, now)
    return license


def license_status(*, now: datetime | None = None) -> LicenseStatus:
    """The installed license as it stands now: verified again (a key may have been withdrawn), bound to this server,
    the clock not set back, within its dates."""
    now = now or clock.now()
    installed = current_installed()
    if installed is None:
        return LicenseStatus("none", detail="No license is installed.", code="license_none")
    identity = server_identity()
    try:
        license = license_verify(installed.text)
        _binding_check(license, identity)
        _clock_check(identity, now)
        if now < license.not_before - CLOCK_SLACK:
            _dates_check(license, now)
    except LicenseRefused as refusal:
        return LicenseStatus("invalid", installed=installed, detail=refusal.detail, code=refusal.code)
    if installed.withdrawn_at is not None:
        return LicenseStatus(
            "invalid", installed=installed, detail=installed.withdrawn_reason, code="license_withdrawn"
        )
    if now > license.expires_at:
        in_grace = now <= license.grace_ends_at
        detail = f"The license expired on {_day(license.expires_at)}; " + (
            f"its grace ends on {_day(license.grace_ends_at)}, then the server runs as Free."
            if in_grace
            else "its grace is over and the server runs as Free."
        )
        return LicenseStatus("expired", license, installed, detail, "license_expired", in_grace=in_grace)
    return LicenseStatus("valid", license, installed)


def _terms_of(installed: InstalledLicense | None) -> tuple[object, ...] | None:
    if installed is None:
        return None
    return (installed.edition, installed.seats, installed.expires_at, installed.licensee_company, installed.grace_days)


def license_install(
    *, text: str, actor: User | None = None, source: str = LicenseSource.FILE, now: datetime | None = None
) -> InstalledLicense:
    """Check and install a license file; the server's edition follows at once. Installing the same license again
    changes nothing. The owner hears of it (`license.installed`) when its terms differ from the previous one's."""
    if settings.STINT_MODE != "onprem":
        raise LicenseRefused(
            "This is Stint's cloud: licenses are installed on on-prem servers (STINT_MODE=onprem).", "not_onprem"
        )
    now = now or clock.now()
    with transaction.atomic():
        identity = server_identity_locked()
        license = license_check(text, identity=identity, now=now)
        same = InstalledLicense.objects.filter(serial=license.serial).first()
        if same is not None:
            if license_verify(same.text).payload != license.payload:
                raise LicenseRefused(
                    f"This server has already accepted another license with serial {license.serial}. Install the "
                    "newest license Stint issued for this server.",
                    "license_serial_old",
                )
            return same
        withdrawn = InstalledLicense.objects.filter(withdrawn_at__isnull=False).order_by("-withdrawn_at").first()
        if withdrawn is not None and withdrawn.withdrawn_at is not None and license.issued_at <= withdrawn.withdrawn_at:
            # A license kept from before our cloud withdrew this server's (a refund): not a way back.
            raise LicenseRefused(
                f"This license was issued on {license.issued_at:%Y-%m-%d %H:%M} UTC, before Stint's cloud withdrew "
                f"this server's license on {withdrawn.withdrawn_at:%Y-%m-%d %H:%M} UTC (the subscription was "
                "refunded or ended). Install a license issued after that.",
                "license_withdrawn",
            )
        previous = current_installed()
        installed = InstalledLicense.objects.create(
            license_id=license.license_id,
            serial=license.serial,
            edition=license.edition,
            seats=license.seats,
            licensee_company=license.licensee_company,
            issued_at=license.issued_at,
            not_before=license.not_before,
            expires_at=license.expires_at,
            grace_days=license.grace_days,
            text=text.strip() + "\n",
            source=source,
            installed_at=now,
            installed_by=actor,
        )
        identity.highest_serial = license.serial
        identity.latest_seen_at = max(identity.latest_seen_at, now)
        identity.save(update_fields=["highest_serial", "latest_seen_at"])
        account = onprem_account()
        if account is not None and _terms_of(previous) != _terms_of(installed):
            event(
                account=account,
                type=EventType.LICENSE_INSTALLED,
                actor=actor,
                summary=f"A license was installed: {license.edition.title()}, {license.seats} named users, paid up "
                f"to {license.expires_at:%Y-%m-%d} (serial {license.serial}).",
                **_license_facts(license),
            )
    license_edition_apply(now=now)
    return installed


def _license_facts(license: License) -> dict[str, Any]:
    return {
        "license_id": license.license_id,
        "license_serial": license.serial,
        "license_edition": license.edition.title(),
        "license_seats": license.seats,
        "license_expires_on": f"{license.expires_at:%Y-%m-%d}",
        "license_grace_ends_on": f"{license.grace_ends_at:%Y-%m-%d}",
        "license_grace_days": license.grace_days,
        "license_licensee": license.licensee_company,
        "server_id": license.server_id,
    }


def license_edition_apply(*, now: datetime | None = None) -> None:
    """Make the account's subscription say what the license says (or fall back to Free once nothing licenses the
    server any more). Idempotent; run after every install and by the licensing tick."""
    account = onprem_account()
    if account is None:
        return
    now = now or clock.now()
    status = license_status(now=now)
    with transaction.atomic():
        subscription = subscription_locked(account)
        if status.effective:
            assert status.license is not None
            _licensed(subscription, status.license, now=now)
        elif subscription.status in (Subscription.Status.ACTIVE, Subscription.Status.PAST_DUE):
            why = status.detail if status.status != "none" else "no license is installed."
            revert_to_free(subscription, at=now, why=why)


def _licensed(subscription: Subscription, license: License, *, now: datetime) -> None:
    plan = Plan.objects.filter(edition=license.edition).order_by("position").first()
    if (
        subscription.status == Subscription.Status.ACTIVE
        and subscription.edition == license.edition
        and subscription.seats == license.seats
        and subscription.plan_id == (plan.pk if plan else None)
    ):
        return
    subscription.plan = plan
    subscription.edition = license.edition
    subscription.status = Subscription.Status.ACTIVE
    subscription.seats = license.seats
    # No billing period on a licensed server: the license's dates rule, and the billing tick has nothing to renew.
    subscription.interval = ""
    subscription.unit_amount_minor = 0
    subscription.trial_ends_at = None
    subscription.period_anchor = subscription.current_period_start = subscription.current_period_end = None
    subscription.period_index = 0
    subscription.committed_num = 0
    subscription.cancel_at_period_end = False
    subscription.past_due_since = None
    Membership.objects.filter(account_id=subscription.account_id, licensed=False).update(licensed=True)
    edition_save(subscription, now)


def license_expiry_warn(*, now: datetime | None = None) -> None:
    """`license.expiring` to the owner 30, 7 and 1 days before the license expires, once each (only the nearest
    one if the server was off when an earlier one fell due). A renewed license starts the count again."""
    now = now or clock.now()
    status = license_status(now=now)
    account = onprem_account()
    if account is None or status.status != "valid" or status.license is None:
        return
    license = status.license
    left = license.expires_at - now
    due = [days for days in EXPIRY_WARNINGS_DAYS if left <= timedelta(days=days)]
    if not due:
        return
    nearest = min(due)
    with transaction.atomic():
        identity = server_identity_locked()
        if identity.expiry_warned_for == license.expires_at and (identity.expiry_warned_days or 99) <= nearest:
            return
        identity.expiry_warned_for, identity.expiry_warned_days = license.expires_at, nearest
        identity.save(update_fields=["expiry_warned_for", "expiry_warned_days"])
        online = bool(identity.subscription_key)
        how = (
            "This server renews it online by itself once the subscription is renewed."
            if online
            else "Renew the subscription, then install the new license in Settings / License."
        )
        event(
            account=account,
            type=EventType.LICENSE_EXPIRING,
            summary=f"The license expires on {license.expires_at:%Y-%m-%d} (in {nearest} "
            f"day{'s' if nearest != 1 else ''} or less); {license.grace_days} days of grace follow, then the server "
            "runs as Free.",
            license_how=how,
            license_days_left=nearest,
            license_online=online,
            **_license_facts(license),
        )


def license_warning_text(*, now: datetime | None = None) -> str:
    """What the admins of an on-prem server should know on every page ("" when nothing): a license that expires
    within 30 days, one in its grace, or one that is not valid any more."""
    now = now or clock.now()
    status = license_status(now=now)
    if status.status == "none" or status.license is None:
        return status.detail if status.status == "invalid" else ""
    if status.status in ("expired", "invalid"):
        return status.detail
    days = (status.license.expires_at - now).days
    if days < 30:
        return (
            f"The license expires on {_day(status.license.expires_at)} (in {days} day{'s' if days != 1 else ''}): "
            "renew the subscription, then the server gets (online) or needs (offline) the new license."
        )
    return ""


def license_seat_check(*, account: Account, subscription: Subscription) -> None:
    """Before a named user is added on a licensed on-prem server: one more must fit in the license's seats. An
    online server buys the missing seat through the cloud first (and installs the license that comes back)."""
    if subscription.status != Subscription.Status.ACTIVE or subscription.edition not in (
        Edition.REGULAR,
        Edition.ENTERPRISE,
    ):
        return
    status = license_status()
    if not status.effective or status.license is None:
        return
    seats = status.license.seats
    needed = active_users() + 1
    if needed <= seats:
        return
    identity = server_identity()
    if identity.subscription_key and settings.STINT_LICENSE_SERVER_URL:
        from stint.licensing.online import license_seats_buy

        license_seats_buy(seats=needed)
        return
    raise PaymentRequired(
        f"This server's license covers {seats} named user{'s' if seats != 1 else ''}, and all of them are taken. "
        "To add more, buy seats for the subscription (Stint's cloud: Settings / My Account, or write to our sales "
        "team), then install the new license in Settings / License; or deactivate a named user who no longer "
        "needs Stint.",
        "license_seat_limit",
    )


def server_observe(*, now: datetime | None = None) -> None:
    """Note the time this server's clock shows and how many named users are active (the tick calls this), so a
    clock set back and the peak of named users can be told later. Both only ever grow."""
    now = now or clock.now()
    server_identity()
    ServerIdentity.objects.filter(pk=1, latest_seen_at__lt=now).update(latest_seen_at=now)
    active = active_users()
    ServerIdentity.objects.filter(pk=1, peak_users__lt=active).update(peak_users=active)
