"""The diagnostics a bug report carries: what the server knows (version, mode, edition) and what only the browser
knows (its time zone; the page the person came from). The reporter sees the list before sending and may leave it
out. Nothing in it identifies a person or holds a secret: every value goes through `scrub_personal`."""

from __future__ import annotations

import re
import zoneinfo
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from django.conf import settings
from django.db import connection

import stint
from stint.accounts.models import Account, Membership
from stint.support.scrub import page_clean, scrub_personal

ERROR_ID = re.compile(r"^[0-9a-f]{12}$")
MAX_ERROR_IDS = 5

# The order and the labels of the preview list and of the back-office.
LABELS = {
    "version": "Stint version",
    "mode": "Mode",
    "edition": "Edition",
    "role": "Role of the reporter",
    "database": "Database",
    "browser": "Browser",
    "time_zone": "Time zone",
    "page": "Page",
    "error_ids": "Recent error ids",
}


@dataclass(frozen=True)
class ClientDiagnostics:
    """What the browser (or the API caller) tells us; every field optional, every field cleaned."""

    browser: str = ""
    time_zone: str = ""
    page: str = ""
    error_ids: tuple[str, ...] = ()


@lru_cache(maxsize=1)
def _time_zones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def time_zone_clean(value: str) -> str:
    value = value.strip()
    return value if value in _time_zones() else ""


def error_ids_clean(values: list[str] | tuple[str, ...]) -> tuple[str, ...]:
    """Error ids are 12 hex digits (see support.errors); anything else is dropped, duplicates too, and all but the
    first MAX_ERROR_IDS."""
    kept: list[str] = []
    for value in values:
        value = value.strip().lower()
        if ERROR_ID.match(value) and value not in kept:
            kept.append(value)
    return tuple(kept[:MAX_ERROR_IDS])


def diagnostics_collect(*, account: Account, membership: Membership, client: ClientDiagnostics) -> dict[str, Any]:
    """The diagnostics as stored and shown: only the keys of LABELS, only scrubbed strings (and a list of ids)."""
    found: dict[str, Any] = {
        "version": stint.__version__,
        "mode": settings.STINT_MODE,
        "edition": account.edition,
        "role": membership.role,
        "database": connection.vendor,
        "browser": scrub_personal(client.browser.strip())[:300],
        "time_zone": time_zone_clean(client.time_zone),
        "page": page_clean(client.page),
        "error_ids": list(error_ids_clean(client.error_ids)),
    }
    return {key: value for key, value in found.items() if value}


def diagnostics_rows(diagnostics: dict[str, Any]) -> list[tuple[str, str]]:
    """(label, value) pairs in the order of LABELS, for templates."""
    rows = []
    for key, label in LABELS.items():
        value = diagnostics.get(key)
        if value:
            rows.append((label, ", ".join(value) if isinstance(value, list) else str(value)))
    return rows
