"""What any card network checks before it talks to a bank: number (Luhn, brand, length), expiry and CVC.

Pure functions, no database: the sandbox gateway uses them, and the web form shows `card_brand()` as the number is
typed. Error messages never quote the number or the CVC; they name the field and say what to fix.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime

from stint.billing.gateways.base import CardDetails, CardRefused

ACCEPTED_BRANDS = {"visa": "Visa", "mastercard": "MasterCard", "amex": "American Express"}


def card_label(brand: str, last4: str = "") -> str:
    """'Visa •••• 4242' (or just the brand's name without the last digits): how a saved card is named everywhere."""
    name = ACCEPTED_BRANDS.get(brand.lower(), brand.title() or "Card")
    return f"{name} •••• {last4}" if last4 else name


BRAND_LENGTHS = {"visa": (13, 16, 19), "mastercard": (16,), "amex": (15,)}
CVC_LENGTHS = {"visa": 3, "mastercard": 3, "amex": 4}

# Furthest a printed expiry may lie ahead; a year beyond this is a typing mistake, not a card.
MAX_YEARS_AHEAD = 50

_SEPARATORS = re.compile(r"[\s-]+")
_DIGITS = re.compile(r"[0-9]*")


@dataclass(frozen=True)
class CheckedCard:
    """A card that passed every check; `number` is the normalised number, kept out of the repr."""

    number: str = field(repr=False)
    brand: str
    exp_month: int
    exp_year: int

    @property
    def last4(self) -> str:
        return self.number[-4:]


def card_number_normalise(number: str) -> str | None:
    """The digits of `number` once spaces and dashes are removed; None when anything else is in it."""
    digits = _SEPARATORS.sub("", number)
    return digits if _DIGITS.fullmatch(digits) else None


def luhn_valid(digits: str) -> bool:
    """The check digit test every card number passes (ISO/IEC 7812-1)."""
    if not digits or not _DIGITS.fullmatch(digits):
        return False
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = ord(char) - ord("0")
        if position % 2 == 1:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


def card_brand(number: str) -> str | None:
    """ "visa", "mastercard" or "amex" as soon as the leading digits tell; None for other brands, or too early.

    Works on what is typed so far (spaces and dashes allowed), so a form can show the brand while typing.
    """
    digits = card_number_normalise(number)
    if not digits:
        return None
    if digits.startswith("4"):
        return "visa"
    if digits[:2] in ("34", "37"):
        return "amex"
    if len(digits) >= 2 and 51 <= int(digits[:2]) <= 55:
        return "mastercard"
    if len(digits) >= 4 and 2221 <= int(digits[:4]) <= 2720:
        return "mastercard"
    return None


def card_check(card: CardDetails, *, now: datetime) -> CheckedCard:
    """Check `card` as a network would, in the order a person reads the form; raises CardRefused (422)."""
    number, brand = _check_number(card.number)
    exp_month, exp_year = _check_expiry(card.exp_month, card.exp_year, now=now)
    _check_cvc(card.cvc, brand=brand)
    return CheckedCard(number=number, brand=brand, exp_month=exp_month, exp_year=exp_year)


def _check_number(raw: object) -> tuple[str, str]:
    """The normalised number and its brand."""
    if not isinstance(raw, str) or not raw.strip():
        raise CardRefused("Enter the card number.", "card_number_invalid", field="number")
    digits = card_number_normalise(raw)
    if digits is None:
        raise CardRefused(
            "A card number has only digits (spaces and dashes are fine); check what was typed.",
            "card_number_invalid",
            field="number",
        )
    if not 12 <= len(digits) <= 19:
        raise CardRefused(
            "This card number is too short or too long; check it for a missing or extra digit.",
            "card_number_invalid",
            field="number",
        )
    if not luhn_valid(digits):
        raise CardRefused(
            "This card number is not valid; check it for a mistyped digit.", "card_number_invalid", field="number"
        )
    brand = card_brand(digits)
    if brand is None:
        raise CardRefused(
            "We accept Visa, MasterCard and American Express cards only; please use one of those.",
            "card_brand_not_accepted",
            field="number",
        )
    if len(digits) not in BRAND_LENGTHS[brand]:
        *most, last = (str(n) for n in BRAND_LENGTHS[brand])
        lengths = f"{', '.join(most)} or {last}" if most else last
        raise CardRefused(
            f"A {ACCEPTED_BRANDS[brand]} card number has {lengths} digits; check it for a missing or extra digit.",
            "card_number_invalid",
            field="number",
        )
    return digits, brand


def _whole_number(value: object) -> int | None:
    """An int typed as a number or as digits ("07"); None for anything else (bools, floats, words)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isascii() and value.strip().isdigit():
        return int(value.strip())
    return None


def _check_expiry(raw_month: object, raw_year: object, *, now: datetime) -> tuple[int, int]:
    month = _whole_number(raw_month)
    if month is None or not 1 <= month <= 12:
        raise CardRefused(
            "The expiry month is a number from 1 to 12, as printed on the card.", "exp_month_invalid", field="exp_month"
        )
    year = _whole_number(raw_year)
    if year is not None and 0 <= year <= 99:
        year += 2000  # "28" on the card means 2028
    if year is None or not 1000 <= year <= 9999:
        raise CardRefused(
            "The expiry year has 4 digits (or 2, as printed on the card), like 2029.",
            "exp_year_invalid",
            field="exp_year",
        )
    today = now.astimezone(UTC)
    if year > today.year + MAX_YEARS_AHEAD:
        raise CardRefused(
            f"The expiry year {year} is too far ahead; check the year printed on the card.",
            "exp_year_invalid",
            field="exp_year",
        )
    # A card is good until the last instant of its expiry month, in UTC.
    if (year, month) < (today.year, today.month):
        expired_field = "exp_year" if year < today.year else "exp_month"
        raise CardRefused(
            f"This card expired at the end of {month:02d}/{year}; please use a card that is still valid.",
            "card_expired",
            field=expired_field,
        )
    return month, year


def _check_cvc(raw: object, *, brand: str) -> None:
    length = CVC_LENGTHS[brand]
    cvc = raw.strip() if isinstance(raw, str) else ""
    if len(cvc) != length or not cvc.isascii() or not cvc.isdigit():
        where = "on the front, above the number" if brand == "amex" else "on the back, next to the signature strip"
        raise CardRefused(
            f"The security code (CVC) of a {ACCEPTED_BRANDS[brand]} card has {length} digits, printed {where}.",
            "cvc_invalid",
            field="cvc",
        )
