"""Secrets handed out once and stored only as hashes: API tokens and invitation links."""

from __future__ import annotations

import hashlib
import secrets

TOKEN_PREFIX = "stint_"  # noqa: S105 (a visible prefix, not a secret)


def new_secret(prefix: str = TOKEN_PREFIX) -> str:
    return prefix + secrets.token_urlsafe(32)


def hash_secret(secret: str) -> str:
    # The secrets carry 256 random bits, so a fast hash is enough: nothing to brute-force.
    return hashlib.sha256(secret.encode()).hexdigest()
