"""What the licensing tests share: a signing key of our own (trusted like a pinned one), the on-prem mode, a frozen
clock, and licenses made to measure (including ones our cloud would never issue)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from stint.core import clock
from stint.core.clock import FrozenClock
from stint.licensing.files import license_payload, license_sign
from stint.licensing.keys import SigningKey, keygen, signing_key
from stint.licensing.models import ServerIdentity
from stint.licensing.server import server_identity

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
VISA = {"type": "card", "number": "4242424242424242", "exp_month": 12, "exp_year": 2030, "cvc": "123"}
DECLINED_LATER = {"type": "card", "number": "4000000000000341", "exp_month": 12, "exp_year": 2030, "cvc": "123"}


@pytest.fixture
def frozen() -> Iterator[FrozenClock]:
    """The clock stands at START before anyone signs up (declare it before the people fixtures)."""
    with clock.using(FrozenClock(START)) as frozen_clock:
        assert isinstance(frozen_clock, FrozenClock)
        yield frozen_clock


def trust(tmp_path: Path, settings: Any, name: str = "signing.pem") -> SigningKey:
    """A signing key made by `stint license keygen`, trusted through STINT_LICENSE_EXTRA_KEYS, and used to sign."""
    key_id, public = keygen(tmp_path / name)
    extra = tmp_path / "extra_keys"
    with extra.open("a") as handle:
        handle.write(f"# test key\n{key_id} {public}\n")
    settings.STINT_LICENSE_SIGNING_KEY = str(tmp_path / name)
    settings.STINT_LICENSE_EXTRA_KEYS = str(extra)
    return signing_key()


@pytest.fixture
def license_key(tmp_path: Path, settings: Any) -> SigningKey:
    return trust(tmp_path, settings)


@pytest.fixture
def onprem(settings: Any) -> None:
    """This installation is an on-prem server (declare it before the people fixtures: sign-up is first-run only)."""
    settings.STINT_MODE = "onprem"


def make_license(key: SigningKey, identity: ServerIdentity | None = None, **overrides: Any) -> str:
    """A license for this server (or as overridden), signed with `key`, valid from START for a year."""
    identity = identity or server_identity()
    fields: dict[str, Any] = {
        "license_id": "6f1c1d1e-8f59-4d6a-9d5e-0a4c2b7f1e11",
        "serial": identity.highest_serial + 1,
        "account_id": 1,
        "account_name": "Account A",
        "licensee": {"name": "Alice Archer", "company": "Account A Ltd", "email": "alice@example.com"},
        "edition": "regular",
        "seats": 5,
        "server_id": str(identity.server_id),
        "server_public_key": identity.public_key,
        "issued_at": START,
        "not_before": START - timedelta(days=1),
        "expires_at": START + timedelta(days=365),
        "grace_days": 14,
        "key_id": key.key_id,
    }
    fields.update(overrides)
    return license_sign(license_payload(**fields), key)
