"""The on-prem server's identity and its license request."""

from __future__ import annotations

import secrets
from datetime import datetime

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.db import IntegrityError, transaction

import stint
from stint.accounts.models import Account, Membership
from stint.core import clock
from stint.licensing.files import FORMAT, PRODUCT, fingerprint_of, request_sign, timestamp
from stint.licensing.keys import public_key_b64
from stint.licensing.models import InstalledLicense, ServerIdentity


def server_identity() -> ServerIdentity:
    """This server's identity, created at the first call (at start-up after migrating, or at first use). Two
    processes starting at once both try to insert the one row; the database lets one win and the other reads it."""
    found = ServerIdentity.objects.filter(pk=1).first()
    if found is not None:
        return found
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode("ascii")
    now = clock.now()
    try:
        with transaction.atomic():
            return ServerIdentity.objects.create(
                pk=1, public_key=public_key_b64(key.public_key()), private_key=pem, created_at=now, latest_seen_at=now
            )
    except IntegrityError:
        return ServerIdentity.objects.get(pk=1)


def server_identity_locked() -> ServerIdentity:
    """The identity row, locked until the transaction ends: installs and refreshes happen one after the other."""
    server_identity()
    return ServerIdentity.objects.select_for_update().get(pk=1)


def server_private_key(identity: ServerIdentity) -> Ed25519PrivateKey:
    key = serialization.load_pem_private_key(identity.private_key.encode("ascii"), password=None)
    assert isinstance(key, Ed25519PrivateKey)
    return key


def server_fingerprint(identity: ServerIdentity) -> str:
    return fingerprint_of(identity.public_key)


def onprem_account() -> Account | None:
    """The one account of an on-prem server (None before its first-run set-up)."""
    return Account.objects.order_by("pk").first()


def active_users() -> int:
    account = onprem_account()
    return Membership.objects.filter(account=account, active=True).count() if account else 0


def current_installed() -> InstalledLicense | None:
    return InstalledLicense.objects.order_by("-serial").first()


def request_build(*, now: datetime | None = None) -> str:
    """The signed request file: what our cloud needs to issue this server a license."""
    identity = server_identity()
    now = now or clock.now()
    account = onprem_account()
    installed = current_installed()
    active = active_users()
    payload = {
        "format": FORMAT,
        "product": PRODUCT,
        "version": stint.__version__,
        "server_id": str(identity.server_id),
        "server_public_key": identity.public_key,
        "fingerprint": server_fingerprint(identity),
        "nonce": secrets.token_hex(16),
        "license_id": installed.license_id if installed else None,
        "serial": identity.highest_serial,
        "active_users": active,
        "peak_users": max(identity.peak_users, active),
        "account_name": account.name if account else "",
        "created_at": timestamp(now),
    }
    return request_sign(payload, server_private_key(identity))
