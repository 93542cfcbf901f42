"""What GET /api/v1/license and Settings / License show about an on-prem server's license."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from stint.accounts.models import Account
from stint.core import clock
from stint.licensing.files import License
from stint.licensing.models import ServerIdentity
from stint.licensing.onprem import LicenseStatus, license_status
from stint.licensing.server import active_users, onprem_account, server_fingerprint, server_identity


@dataclass(frozen=True)
class LicenseOverview:
    status: LicenseStatus
    identity: ServerIdentity
    account: Account | None
    fingerprint: str
    active_users: int
    now: datetime

    @property
    def license(self) -> License | None:
        return self.status.license

    @property
    def edition(self) -> str:
        """What the server runs as now: the license's edition, or the trial or Free."""
        if self.account is not None:
            return self.account.edition
        return self.license.edition if self.status.effective and self.license else "trial"

    @property
    def online(self) -> bool:
        return bool(self.identity.subscription_key)

    @property
    def over_seats(self) -> bool:
        return self.status.effective and self.license is not None and self.active_users > self.license.seats

    def as_api(self) -> dict[str, object]:
        license = self.license
        return {
            "status": self.status.status,
            "edition": self.edition,
            "seats": license.seats if license else None,
            "expires_at": license.expires_at if license else None,
            "server_id": str(self.identity.server_id),
            "licensee": (
                {"name": license.licensee_name, "company": license.licensee_company, "email": license.licensee_email}
                if license
                else None
            ),
            "detail": self.status.detail,
            "code": self.status.code or None,
            "license_id": license.license_id if license else None,
            "serial": license.serial if license else None,
            "license_edition": license.edition if license else None,
            "grace_ends_at": license.grace_ends_at if license else None,
            "in_grace": self.status.in_grace,
            "active_users": self.active_users,
            "fingerprint": self.fingerprint,
            "online": self.online,
            "last_refresh_at": self.identity.last_refresh_at,
            "last_refresh_error": self.identity.last_refresh_error or None,
        }


def license_overview(*, now: datetime | None = None) -> LicenseOverview:
    now = now or clock.now()
    identity = server_identity()
    return LicenseOverview(
        status=license_status(now=now),
        identity=identity,
        account=onprem_account(),
        fingerprint=server_fingerprint(identity),
        active_users=active_users(),
        now=now,
    )
