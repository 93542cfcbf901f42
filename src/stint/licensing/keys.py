"""Ed25519 keys: the public keys a license may be signed with, the cloud's signing key, and new key pairs.

A license names the key that signed it by its key id. The ids are derived from the public key itself
(`ed25519-` + the first 16 hex digits of its SHA-256), so a key id can never point at another key by mistake, and a
key can be rotated by pinning a second one here before the cloud starts signing with it.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.conf import settings

from stint.core.errors import StintError

# The keys Stint's cloud signs licenses with, by key id. The private halves are not in this repository and never
# were: each lives with the operator of our cloud installation, outside its database (STINT_LICENSE_SIGNING_KEY).
# To rotate: create a key with `stint license keygen`, pin its public key here, ship that release, then switch the
# cloud's STINT_LICENSE_SIGNING_KEY to it. Keep the old entry as long as licenses signed with it are in use.
PINNED_KEYS: dict[str, str] = {
    "ed25519-1c8fc43e54f40665": "ORZe8k5fOJQgEpmQ2Dkbl3S+z64QxYRxvySIt3plYXo=",
}


class SigningKeyUnavailable(StintError):
    """The cloud cannot sign: the operator has not configured STINT_LICENSE_SIGNING_KEY (or it is unreadable)."""

    status = 503
    default_code = "license_signing_unavailable"


def public_key_raw(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def public_key_b64(key: Ed25519PublicKey) -> str:
    return base64.b64encode(public_key_raw(key)).decode("ascii")


def key_id_of(public_key: bytes) -> str:
    return "ed25519-" + hashlib.sha256(public_key).hexdigest()[:16]


def public_key_load(value: str) -> Ed25519PublicKey | None:
    """A raw 32-byte Ed25519 public key in standard base64, or None when `value` is not one."""
    try:
        raw = base64.b64decode(value.strip(), validate=True)
    except (binascii.Error, ValueError):
        return None
    if len(raw) != 32:
        return None
    try:
        return Ed25519PublicKey.from_public_bytes(raw)
    except ValueError:
        return None


def signature_valid(key: Ed25519PublicKey, signature: bytes, message: bytes) -> bool:
    try:
        key.verify(signature, message)
    except InvalidSignature:
        return False
    return True


def _extra_keys() -> dict[str, str]:
    """STINT_LICENSE_EXTRA_KEYS: a file of `<key id> <public key>` lines (blank lines and `#` comments allowed),
    trusted besides the pinned keys: for private installations and tests. A line whose key id does not match its
    key is ignored, as is an unreadable file (the pinned keys still work)."""
    path = settings.STINT_LICENSE_EXTRA_KEYS
    if not path:
        return {}
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return {}
    keys = {}
    for line in text.splitlines():
        parts = line.split("#", 1)[0].split()
        if len(parts) != 2:
            continue
        key_id, value = parts
        key = public_key_load(value)
        if key is not None and key_id_of(public_key_raw(key)) == key_id:
            keys[key_id] = value
    return keys


def trusted_keys() -> dict[str, str]:
    """Every public key a license may be signed with, by key id: the pinned ones and the operator's extra ones."""
    return {**_extra_keys(), **PINNED_KEYS}


def trusted_key(key_id: str) -> Ed25519PublicKey | None:
    value = trusted_keys().get(key_id)
    return public_key_load(value) if value else None


@dataclass(frozen=True)
class SigningKey:
    key_id: str
    private_key: Ed25519PrivateKey

    def sign(self, message: bytes) -> bytes:
        return self.private_key.sign(message)


def _private_key_parse(data: bytes, *, where: str) -> Ed25519PrivateKey:
    try:
        key = serialization.load_pem_private_key(data, password=None)
    except (ValueError, TypeError) as exc:
        raise SigningKeyUnavailable(
            f"The license signing key ({where}) is not an unencrypted PEM private key; create one with "
            "`stint license keygen --out PATH`."
        ) from exc
    if not isinstance(key, Ed25519PrivateKey):
        raise SigningKeyUnavailable(f"The license signing key ({where}) is not an Ed25519 key.")
    return key


def signing_key() -> SigningKey:
    """The cloud's signing key from STINT_LICENSE_SIGNING_KEY, which holds either the path of the PEM file written
    by `stint license keygen`, or the PEM text itself (starting with `-----BEGIN PRIVATE KEY-----`; newlines may be
    written as `\\n`), for platforms that hand secrets over as environment variables. Never in the database."""
    value = settings.STINT_LICENSE_SIGNING_KEY
    if not value:
        raise SigningKeyUnavailable(
            "This installation cannot issue licenses: STINT_LICENSE_SIGNING_KEY is not set. Its operator creates a "
            "key with `stint license keygen --out PATH` and points STINT_LICENSE_SIGNING_KEY at it."
        )
    if value.startswith("-----BEGIN"):
        key = _private_key_parse(value.replace("\\n", "\n").encode(), where="STINT_LICENSE_SIGNING_KEY")
    else:
        try:
            data = Path(value).read_bytes()
        except OSError as exc:
            raise SigningKeyUnavailable(
                f"The license signing key file {value} (STINT_LICENSE_SIGNING_KEY) cannot be read: {exc.strerror}."
            ) from exc
        key = _private_key_parse(data, where=value)
    return SigningKey(key_id=key_id_of(public_key_raw(key.public_key())), private_key=key)


def keygen(out: Path) -> tuple[str, str]:
    """Write a new Ed25519 private key (PEM, mode 0600) to `out`, never over an existing file. Answers (key id,
    public key in base64)."""
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(pem)
    public = key.public_key()
    return key_id_of(public_key_raw(public)), public_key_b64(public)
