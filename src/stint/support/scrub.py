"""Remove what must never reach a bug report: tokens and other secrets, passwords, card numbers; and from the feature
board, which every customer reads, email addresses and phone numbers too.

People paste error messages, curl commands and screenshots' text into bug reports; those carry API tokens
(`Authorization: Bearer stint_...`), invitation and reset links, Stripe keys, and now and then a card number. Every
field of a bug report, the diagnostics included, goes through `scrub` before it is stored or shown to staff; every
text of the board goes through `scrub_public`. The rules err on the side of removing too much: a lost order number
costs less than a leaked token. Names of people and companies cannot be told from other words: the forms ask people
not to write them.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from stint.billing.gateways.cards import luhn_valid  # the one card number check

CARD_REMOVED = "[card number removed]"
TOKEN_REMOVED = "[token removed]"  # noqa: S105 (a marker, not a secret)
SECRET_REMOVED = "[removed]"  # noqa: S105
EMAIL_REMOVED = "[email removed]"
PHONE_REMOVED = "[phone number removed]"

# 13 to 19 digits, optionally grouped by single spaces or dashes, as card numbers are written.
_CARD = re.compile(r"(?<![\d-])\d(?:[ -]?\d){12,18}(?![\d-])")
_BEARER = re.compile(r"(?i)\b(bearer|basic)(\s+)([A-Za-z0-9._~+/=-]{8,})")
# Secrets with a recognisable prefix: ours (API tokens, invitations), Stripe's keys and card tokens.
_PREFIXED = re.compile(r"\b(?:stint|inv|sk|pk|rk|whsec|tok)_[A-Za-z0-9_-]{6,}")
# "password: hunter2", "password is hunter2", '"token": "abc"', "api_key=abc", "CVC 123", "passwort ist geheim1" ...
_PASSWORD_WORDS = r"pass(?:word|wd|phrase)?|passwort|kennwort|mot[ _-]de[ _-]passe|contrase(?:ñ|n)a|pwd"  # noqa: S105
_KEYWORDS = (
    rf"{_PASSWORD_WORDS}|secret|token|api[ _-]?key|access[ _-]?key|private[ _-]?key|subscription[ _-]?key"
    r"|authorization|cvc|cvv|cvc2|security[ _-]?code|pin"
)
_KEY_VALUE = re.compile(
    rf"(?i)\b({_KEYWORDS})\b([\"']?\s*(?:(?:is|ist|was|war|est|es)\b|:|=>|=)?\s*[\"']?)(?!\[)([^\s\"',;&)]+)",
)
_PASSWORD_WORD = re.compile(rf"(?i){_PASSWORD_WORDS}")
# After "is" (and its German, French and Spanish kin), words that describe the password rather than being it.
_DESCRIBING = frozenset(
    ["a", "an", "the", "my", "your", "our", "its", "not", "no", "too", "wrong", "incorrect", "invalid", "correct",
     "valid", "required", "empty", "missing", "expired", "accepted", "rejected", "refused", "ok", "okay", "fine",
     "being", "still", "also", "now", "set", "changed", "reset", "shown", "hidden", "saved", "same", "different",
     "nicht", "kein", "falsch", "ungültig", "korrekt", "richtig", "zu", "leer", "abgelaufen", "pas", "faux",
     "invalide", "trop", "vide", "correcte", "incorrecta", "incorrecto", "demasiado", "vacía", "vacio", "vacío"]
)  # fmt: skip
# A long run of letters and digits, as random secrets look (hex digests, base64, reset tokens): at least 24
# characters with at least 3 digits and 3 letters. Slashes and dots split it, so paths and domains survive.
_LONG_RANDOM = re.compile(r"[A-Za-z0-9_+=-]{24,}")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# A phone number: 7 to 15 digits, split by single spaces, dots, dashes, slashes or brackets, optionally after "+"
# or "00" ("+49 30 1234567", "(555) 123-4567", "06 12 34 56 78"); a lone run of digits only when it starts with 0
# and is long ("01711234567"). Dates, IP addresses and numbers grouped in thousands are not phone numbers.
_PHONE = re.compile(r"(?<![\w+.,/-])\+?\(?\d[\d().\-/ ]{5,22}\d(?![\w.,/-]?\d)(?!\w)")
_DATE = re.compile(r"\d{4}[-./]\d{1,2}[-./]\d{1,2}|\d{1,2}[-./]\d{1,2}[-./]\d{2,4}")
_IP = re.compile(r"^\d{1,3}(?:\.\d{1,3}){3}$")
_THOUSANDS = re.compile(r"^[1-9]\d{0,2}(?:([.,])\d{3})(?:\1\d{3})*$")


def _card(match: re.Match[str]) -> str:
    digits = re.sub(r"[ -]", "", match.group(0))
    return CARD_REMOVED if 13 <= len(digits) <= 19 and luhn_valid(digits) else match.group(0)


def _key_value(match: re.Match[str]) -> str:
    keyword, between, value = match.groups()
    pin_like = keyword.lower() in {"cvc", "cvv", "cvc2", "pin"}
    if pin_like and not value.isdigit():
        return match.group(0)
    link = between.strip(" \t\n\"'").lower()
    if not link and not pin_like:
        # "token expired", "password reset page": a keyword followed by an ordinary word is not a secret; but
        # "the password hunter2 does not work" is, by its digits or signs.
        spaced = between.strip() == "" and between != ""
        word = value.rstrip(".!?:")
        looks_secret = any(c.isalnum() for c in word) and not word.isalpha()
        if not (_PASSWORD_WORD.fullmatch(keyword) and spaced and looks_secret):
            return match.group(0)
    elif link not in {":", "=", "=>"} and value.lower().rstrip(".!?") in _DESCRIBING:
        return match.group(0)  # "the password is wrong", "das Passwort ist falsch"
    return f"{keyword}{between}{SECRET_REMOVED}"


def _phone(match: re.Match[str]) -> str:
    text = match.group(0)
    digits = sum(c.isdigit() for c in text)
    dated = any(_DATE.fullmatch(part) for part in text.split())
    if not 7 <= digits <= 15 or dated or _IP.match(text) or _THOUSANDS.match(text):
        return text
    international = text.startswith(("+", "00", "("))
    grouped = re.search(r"\d[().\-/ ]+\d", text) is not None
    if international or grouped or (text.startswith("0") and digits >= 9):
        return PHONE_REMOVED
    return text


def _long_random(match: re.Match[str]) -> str:
    text = match.group(0)
    digits = sum(c.isdigit() for c in text)
    letters = sum(c.isalpha() for c in text)
    return TOKEN_REMOVED if digits >= 3 and letters >= 3 else text


def scrub(text: str) -> str:
    """The text with every card number, token and password-like value replaced by a marker."""
    if not text:
        return text
    text = _CARD.sub(_card, text)
    text = _PREFIXED.sub(TOKEN_REMOVED, text)
    text = _BEARER.sub(lambda m: f"{m.group(1)}{m.group(2)}{TOKEN_REMOVED}", text)
    text = _KEY_VALUE.sub(_key_value, text)
    return _LONG_RANDOM.sub(_long_random, text)


def scrub_personal(text: str) -> str:
    """`scrub`, and email addresses too: for the diagnostics, which must carry nothing about a person."""
    return _EMAIL.sub(EMAIL_REMOVED, scrub(text))


def scrub_public(text: str) -> str:
    """`scrub`, email addresses and phone numbers: for the feature board, which every customer reads."""
    return _PHONE.sub(_phone, scrub_personal(text))


def page_clean(url: str) -> str:
    """Only the path of a page of ours: no host, no query string (search terms, filters), no fragment; secrets in
    the path (invitation and reset links) removed."""
    try:
        path = urlsplit(url.strip()).path
    except ValueError:
        return ""
    if not path.startswith("/"):
        return ""
    return scrub_personal(path)[:300]
