"""Input checks shared by the account services: each raises Invalid naming the field, with a sentence a person
can act on."""

from __future__ import annotations

import unicodedata
import zoneinfo

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from stint.accounts.models import (
    Role,
    User,
    normalize_email,
)
from stint.core.errors import Invalid

EMAIL_MAX_LENGTH = 254


MAX_ID = 2**63 - 1  # the largest primary key a BigAutoField holds


# Names end up in email subjects, where a line break makes the message unsendable: one-line text refuses
# control characters (Cc), line and paragraph separators (Zl, Zp) and unpaired surrogates (Cs).
_NOT_IN_ONE_LINE_TEXT = {"Cc", "Cs", "Zl", "Zp"}


def clean_text(value: str | None, *, field: str, label: str, max_length: int) -> str:
    text = (value or "").strip()
    if not text:
        raise Invalid(f"Please enter {label}.", f"{field}_required", field=field)
    if len(text) > max_length:
        raise Invalid(f"{label.capitalize()} can be at most {max_length} characters.", f"{field}_too_long", field=field)
    if any(unicodedata.category(char) in _NOT_IN_ONE_LINE_TEXT for char in text):
        raise Invalid(
            f"{label.capitalize()} must be one line of text, without control characters.",
            f"{field}_invalid_characters",
            field=field,
        )
    return text


def clean_email(value: str | None) -> str:
    email = normalize_email(value or "")
    if not email:
        raise Invalid("Please enter an email address.", "email_required", field="email")
    # validate_email allows 320 characters; the column (RFC 5321's forward path) holds 254.
    if len(email) > EMAIL_MAX_LENGTH:
        raise Invalid(
            f"An email address can be at most {EMAIL_MAX_LENGTH} characters.", "email_too_long", field="email"
        )
    # Invisible characters (zero-width spaces, direction marks) would make a look-alike of someone's address.
    if any(unicodedata.category(char) in {"Cf", "Cc", "Zs", "Zl", "Zp"} for char in email):
        raise Invalid(
            "This email address contains spaces or invisible characters; type it again.", "invalid_email", field="email"
        )
    try:
        validate_email(email)
    except ValidationError as exc:
        raise Invalid(f"{value!r} is not a valid email address.", "invalid_email", field="email") from exc
    return email


def clean_password(password: str, *, user: User) -> None:
    try:
        validate_password(password, user=user)
    except ValidationError as exc:
        raise Invalid(" ".join(exc.messages), "weak_password", field="password") from exc


def clean_role(role: str | None) -> Role:
    try:
        return Role(role or Role.MEMBER)
    except ValueError as exc:
        raise Invalid(f"Role must be one of: {', '.join(Role.values)}.", "invalid_role", field="role") from exc


def clean_timezone(name: str) -> str:
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
        raise Invalid(
            f"{name!r} is not a known time zone (e.g. Europe/Berlin).", "invalid_timezone", field="timezone"
        ) from exc
    return name
