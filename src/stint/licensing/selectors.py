"""Reads of licensing state (cloud side: the servers an account licenses and what was issued to them)."""

from __future__ import annotations

from django.db.models import QuerySet, Sum

from stint.accounts.models import Account
from stint.licensing.models import IssuedLicense, LicensedServer


def licensed_servers(*, account: Account, include_released: bool = False) -> QuerySet[LicensedServer]:
    rows = LicensedServer.objects.filter(account=account)
    return rows if include_released else rows.filter(released_at__isnull=True)


def issued_licenses(*, account: Account) -> QuerySet[IssuedLicense]:
    return IssuedLicense.objects.filter(account=account).select_related("server").order_by("-issued_at", "-pk")


def onprem_seats_in_use(*, account: Account) -> int:
    """The named users the account's on-prem servers reported in their latest requests: seats the cloud must keep
    paying for at a renewal and must not credit when one of the cloud account's own users is removed."""
    total = licensed_servers(account=account).aggregate(total=Sum("reported_active_users"))["total"]
    return int(total or 0)


def offline_servers(*, account: Account) -> list[LicensedServer]:
    """The account's licensed servers whose current license was handed over as a file (back-office or CLI), not
    fetched online: our cloud cannot withdraw those licenses, they run until their paid-up date."""
    found = []
    for server in licensed_servers(account=account).prefetch_related("licenses"):
        latest = max(server.licenses.all(), key=lambda issued: issued.serial, default=None)
        if latest is not None and latest.via != IssuedLicense.Via.ACTIVATION:
            found.append(server)
    return found
