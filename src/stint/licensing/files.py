"""The two files that travel between an on-prem server and our cloud: the request and the license.

Both are armoured text a person can paste into a mail or a form:

    Stint license for ACME GmbH: regular, 25 named users, paid up to 2027-03-01     <- a note for people, not read
    -----BEGIN STINT LICENSE-----
    eyJwYXlsb2FkIjp7ImFjY291bnQiOnsiaWQiOjEs...                                    <- base64, 64 characters a line
    -----END STINT LICENSE-----

The base64 holds canonical JSON (sorted keys, no whitespace, UTF-8) of `{"payload": {...}, "signature": "<base64>"}`;
the signature is Ed25519 over the canonical JSON of the payload. A license is signed by our cloud's key (named by
the payload's `key_id`), a request by the on-prem server's own key (whose public half it carries).

Nothing here touches the database: these functions read and write text, and refuse anything else with a
`LicenseRefused` whose code is stable and whose detail says exactly what is wrong.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re
import textwrap
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from stint.core.errors import Invalid
from stint.licensing.keys import SigningKey, public_key_b64, public_key_load, signature_valid, trusted_key

FORMAT = 1
PRODUCT = "stint"
LICENSE = "STINT LICENSE"
REQUEST = "STINT LICENSE REQUEST"
MAX_TEXT = 64 * 1024  # a license is about 1.5 kB; anything much larger is not one
EDITIONS = ("regular", "enterprise")


class LicenseRefused(Invalid):
    """A license or request file that is not accepted, and why (422)."""

    default_code = "license_invalid"


class LicenseRequestRefused(LicenseRefused):
    default_code = "request_invalid"


def canonical_json(value: Any) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode()


def timestamp(value: datetime) -> str:
    return value.astimezone(UTC).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


def fingerprint_of(public_key_b64: str) -> str:
    """What people compare on the phone: 16 hex digits of the server key's SHA-256, in groups of four."""
    digest = hashlib.sha256(public_key_b64.encode("ascii")).hexdigest()[:16].upper()
    return "-".join(digest[i : i + 4] for i in range(0, 16, 4))


# --- armour -----------------------------------------------------------------------------------------------------


def armour(label: str, envelope: dict[str, Any], *, note: list[str]) -> str:
    body = base64.b64encode(canonical_json(envelope)).decode("ascii")
    lines = [*note, f"-----BEGIN {label}-----", *textwrap.wrap(body, 64), f"-----END {label}-----"]
    return "\n".join(lines) + "\n"


def _what(label: str) -> str:
    return "license request" if label == REQUEST else "license"


def _code(label: str, reason: str) -> str:
    return f"{'request' if label == REQUEST else 'license'}_{reason}"


def dearmour(text: str, label: str) -> bytes:
    """The bytes between the BEGIN and END lines of `label`; anything around them is ignored."""
    what = _what(label)
    if len(text) > MAX_TEXT:
        raise LicenseRefused(
            f"This file is {len(text) // 1024} kB; a Stint {what} is about 2 kB. Check that you picked the right file.",
            _code(label, "too_large"),
        )
    if not text.strip():
        raise LicenseRefused(f"The {what} is empty: paste the whole file or choose it.", _code(label, "empty"))
    begin, end = f"-----BEGIN {label}-----", f"-----END {label}-----"
    lines = [line.strip() for line in text.replace("\r", "\n").split("\n")]
    if begin not in lines:
        if label == LICENSE and f"-----BEGIN {REQUEST}-----" in lines:
            raise LicenseRefused(
                "This is the license request of a server, not a license: send it to Stint (or enter it in the "
                "cloud's back-office), and install the license file that comes back.",
                "license_is_request",
            )
        raise LicenseRefused(
            f"This is not a Stint {what}: it has no '{begin}' line. Paste the whole file, including that line.",
            _code(label, "not_found"),
        )
    start = lines.index(begin) + 1
    if end not in lines[start:]:
        raise LicenseRefused(
            f"The {what} is cut short: its '{end}' line is missing. Paste or upload the whole file.",
            _code(label, "truncated"),
        )
    body = "".join(lines[start : lines.index(end, start)])
    if not body:
        raise LicenseRefused(f"The {what} has nothing between its BEGIN and END lines.", _code(label, "truncated"))
    try:
        return base64.b64decode(body, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise LicenseRefused(
            f"The {what} is damaged: its text between the BEGIN and END lines was changed (it is not valid base64).",
            _code(label, "malformed"),
        ) from exc


def _envelope(data: bytes, label: str) -> tuple[dict[str, Any], bytes, bytes]:
    """(payload, its canonical bytes, signature) of an armoured file's content."""
    damaged = LicenseRefused(
        f"The {_what(label)} is damaged: its content was changed or cut short. Get the file again.",
        _code(label, "malformed"),
    )
    try:
        envelope = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise damaged from exc
    if not isinstance(envelope, dict) or set(envelope) != {"payload", "signature"}:
        raise damaged
    payload, signature = envelope["payload"], envelope["signature"]
    if not isinstance(payload, dict) or not isinstance(signature, str):
        raise damaged
    try:
        signature_bytes = base64.b64decode(signature, validate=True)
        message = canonical_json(payload)
    except (binascii.Error, ValueError, UnicodeEncodeError, RecursionError) as exc:
        raise damaged from exc
    if len(signature_bytes) != 64:
        raise LicenseRefused(
            f"The {_what(label)}'s signature is damaged (wrong length). Get the file again.",
            _code(label, "signature_invalid"),
        )
    return payload, message, signature_bytes


# --- fields -----------------------------------------------------------------------------------------------------


class _Fields:
    """Reads typed fields out of a payload, refusing the first wrong one by name."""

    def __init__(self, payload: dict[str, Any], label: str) -> None:
        self.payload = payload
        self.label = label

    def _refuse(self, name: str, what: str) -> LicenseRefused:
        return LicenseRefused(
            f"The {_what(self.label)} is not valid: its field '{name}' {what}.", _code(self.label, "malformed")
        )

    def text(self, name: str, *, max_length: int = 300, empty: bool = False) -> str:
        value = self.payload.get(name)
        if not isinstance(value, str) or len(value) > max_length or (not empty and not value.strip()):
            raise self._refuse(name, "is missing or not a text")
        return value

    def integer(self, name: str, *, minimum: int = 0, maximum: int = 10**12) -> int:
        value = self.payload.get(name)
        if isinstance(value, bool) or not isinstance(value, int) or not minimum <= value <= maximum:
            raise self._refuse(name, f"is missing or not a whole number from {minimum} to {maximum}")
        return value

    def moment(self, name: str) -> datetime:
        value = self.text(name, max_length=40)
        if not re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", value):
            raise self._refuse(name, "is not a UTC time such as 2026-03-01T00:00:00Z")
        try:
            return datetime.strptime(value, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
        except ValueError as exc:
            raise self._refuse(name, "is not a real date") from exc

    def uuid(self, name: str) -> str:
        value = self.text(name, max_length=36)
        try:
            return str(uuid.UUID(value))
        except ValueError as exc:
            raise self._refuse(name, "is not an id") from exc

    def public_key(self, name: str) -> str:
        value = self.text(name, max_length=60)
        if public_key_load(value) is None:
            raise self._refuse(name, "is not an Ed25519 public key")
        return value

    def product(self) -> None:
        if self.payload.get("product") != PRODUCT or self.payload.get("format") != FORMAT:
            raise LicenseRefused(
                f"This {_what(self.label)} is not for this version of Stint (product or format differs).",
                _code(self.label, "wrong_product"),
            )


# --- the license ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class License:
    """A license whose signature checked out against a trusted key (its binding and dates are checked on install)."""

    license_id: str
    serial: int
    account_id: int
    account_name: str
    licensee_name: str
    licensee_company: str
    licensee_email: str
    edition: str
    seats: int
    server_id: str
    server_public_key: str
    issued_at: datetime
    not_before: datetime
    expires_at: datetime
    grace_days: int
    key_id: str
    payload: dict[str, Any]

    @property
    def grace_ends_at(self) -> datetime:
        return self.expires_at + timedelta(days=self.grace_days)

    @property
    def terms(self) -> tuple[Any, ...]:
        """What the customer bought; a new serial with the same terms is a refresh, not news."""
        return (self.edition, self.seats, self.expires_at, self.licensee_company, self.grace_days)


def license_payload(
    *,
    license_id: str,
    serial: int,
    account_id: int,
    account_name: str,
    licensee: dict[str, str],
    edition: str,
    seats: int,
    server_id: str,
    server_public_key: str,
    issued_at: datetime,
    not_before: datetime,
    expires_at: datetime,
    grace_days: int,
    key_id: str,
) -> dict[str, Any]:
    return {
        "format": FORMAT,
        "product": PRODUCT,
        "license_id": license_id,
        "serial": serial,
        "account": {"id": account_id, "name": account_name},
        "licensee": licensee,
        "edition": edition,
        "seats": seats,
        "server_id": server_id,
        "server_public_key": server_public_key,
        "issued_at": timestamp(issued_at),
        "not_before": timestamp(not_before),
        "expires_at": timestamp(expires_at),
        "grace_days": grace_days,
        "key_id": key_id,
    }


def license_sign(payload: dict[str, Any], key: SigningKey) -> str:
    assert payload["key_id"] == key.key_id
    signature = base64.b64encode(key.sign(canonical_json(payload))).decode("ascii")
    note = [
        f"Stint license for {payload['licensee']['company']}: {payload['edition']}, {payload['seats']} named users, "
        f"paid up to {payload['expires_at'][:10]}",
        f"Server {payload['server_id']}, serial {payload['serial']}. Install it in Settings / License.",
    ]
    return armour(LICENSE, {"payload": payload, "signature": signature}, note=note)


def _license_read(payload: dict[str, Any]) -> License:
    fields = _Fields(payload, LICENSE)
    fields.product()
    account = payload.get("account")
    licensee = payload.get("licensee")
    if not isinstance(account, dict) or not isinstance(licensee, dict):
        raise fields._refuse("account" if not isinstance(account, dict) else "licensee", "is missing")
    edition = fields.text("edition", max_length=20)
    if edition not in EDITIONS:
        raise fields._refuse("edition", f"is not one of {', '.join(EDITIONS)}")
    account_fields, licensee_fields = _Fields(account, LICENSE), _Fields(licensee, LICENSE)
    license = License(
        license_id=fields.uuid("license_id"),
        serial=fields.integer("serial", minimum=1),
        account_id=account_fields.integer("id", minimum=1),
        account_name=account_fields.text("name", max_length=200),
        licensee_name=licensee_fields.text("name", max_length=200, empty=True),
        licensee_company=licensee_fields.text("company", max_length=200),
        licensee_email=licensee_fields.text("email", max_length=254, empty=True),
        edition=edition,
        seats=fields.integer("seats", minimum=1, maximum=1_000_000),
        server_id=fields.uuid("server_id"),
        server_public_key=fields.public_key("server_public_key"),
        issued_at=fields.moment("issued_at"),
        not_before=fields.moment("not_before"),
        expires_at=fields.moment("expires_at"),
        grace_days=fields.integer("grace_days", maximum=365),
        key_id=fields.text("key_id", max_length=60),
        payload=payload,
    )
    if license.expires_at <= license.not_before:
        raise fields._refuse("expires_at", "is not after not_before")
    return license


def license_verify(text: str) -> License:
    """The license in `text`, if it is well-formed and signed by a key we trust; refused otherwise."""
    payload, message, signature = _envelope(dearmour(text, LICENSE), LICENSE)
    key_id = payload.get("key_id")
    if not isinstance(key_id, str) or not key_id:
        raise LicenseRefused("The license does not name the key that signed it.", "license_malformed")
    key = trusted_key(key_id)
    if key is None:
        raise LicenseRefused(
            f"The license was signed with a key this server does not know ({key_id[:60]}): it was not issued by "
            "Stint, or this server runs a version too old for it. Update Stint, or ask Stint for a new license.",
            "license_unknown_key",
        )
    if not signature_valid(key, signature, message):
        raise LicenseRefused(
            "The license's signature does not match its content: the file was changed after Stint issued it. "
            "Install the file exactly as you received it, or ask Stint for a new one.",
            "license_signature_invalid",
        )
    return _license_read(payload)


# --- the request ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LicenseRequest:
    """A server's request whose signature matched the public key it carries."""

    server_id: str
    server_public_key: str
    fingerprint: str
    version: str
    nonce: str
    license_id: str | None
    serial: int
    active_users: int
    peak_users: int
    created_at: datetime
    account_name: str
    payload: dict[str, Any]


def request_sign(payload: dict[str, Any], private_key: Ed25519PrivateKey) -> str:
    assert payload["server_public_key"] == public_key_b64(private_key.public_key())
    signature = base64.b64encode(private_key.sign(canonical_json(payload))).decode("ascii")
    note = [
        f"Stint license request from server {payload['server_id']} ({payload['account_name'] or 'not set up yet'})",
        f"Fingerprint {payload['fingerprint']}, {payload['active_users']} named users, "
        f"created {payload['created_at']}.",
        "Send this file to Stint (sales) or enter it in the cloud's back-office; install the license that comes back.",
    ]
    return armour(REQUEST, {"payload": payload, "signature": signature}, note=note)


def request_verify(text: str) -> LicenseRequest:
    payload, message, signature = _envelope(dearmour(text, REQUEST), REQUEST)
    fields = _Fields(payload, REQUEST)
    fields.product()
    public_key = fields.public_key("server_public_key")
    key = public_key_load(public_key)
    assert key is not None
    if not signature_valid(key, signature, message):
        raise LicenseRequestRefused(
            "The license request's signature does not match its content: the file was changed after the server "
            "wrote it. Download a new request file from the server.",
            "request_signature_invalid",
        )
    license_id = payload.get("license_id")
    if license_id is not None:
        license_id = fields.uuid("license_id")
    fingerprint = fields.text("fingerprint", max_length=40)
    if fingerprint != fingerprint_of(public_key):
        raise fields._refuse("fingerprint", "does not belong to the server's key")
    return LicenseRequest(
        server_id=fields.uuid("server_id"),
        server_public_key=public_key,
        fingerprint=fingerprint,
        version=fields.text("version", max_length=40),
        nonce=fields.text("nonce", max_length=64),
        license_id=license_id,
        serial=fields.integer("serial"),
        active_users=fields.integer("active_users", maximum=10_000_000),
        peak_users=fields.integer("peak_users", maximum=10_000_000),
        created_at=fields.moment("created_at"),
        account_name=fields.text("account_name", max_length=200, empty=True),
        payload=payload,
    )
