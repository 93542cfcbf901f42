"""Diagnostics and bug reports never carry a token, a password or a card number."""

from __future__ import annotations

import pytest

from stint.support.scrub import (
    CARD_REMOVED,
    EMAIL_REMOVED,
    PHONE_REMOVED,
    TOKEN_REMOVED,
    luhn_valid,
    page_clean,
    scrub,
    scrub_personal,
    scrub_public,
)

CARDS = ["4242424242424242", "4242 4242 4242 4242", "5555-5555-5555-4444", "378282246310005", "4000000000000002"]


@pytest.mark.parametrize("number", CARDS)
def test_a_card_number_is_removed_however_it_is_written(number: str) -> None:
    cleaned = scrub(f"I paid with {number} and it failed")
    assert CARD_REMOVED in cleaned
    assert number not in cleaned and number.replace(" ", "").replace("-", "") not in cleaned.replace(" ", "")


def test_numbers_that_fail_the_luhn_check_are_kept() -> None:
    assert not luhn_valid("4242424242424241")
    assert scrub("Order 4242424242424241 and record 12345") == "Order 4242424242424241 and record 12345"


@pytest.mark.parametrize(
    "secret",
    [
        "Authorization: Bearer stint_AbCdEf0123456789abcdefGHIJKL_mnopqrs-TUVWXYZ",
        "curl -H 'Authorization: Bearer abcdefghijklmnop' https://stint.example/api/v1/me",
        "token=stint_Zx9y8W7v6U5t4S3r2Q1p0o9N8m7L6k5J4i3H2g1",
        "sk_live_51HaBcDeFgHiJkLmNoPqRsTu",
        "whsec_0123456789abcdef0123456789",
        "the invitation link /invitations/inv_Q2w3E4r5T6y7U8i9O0p1A2s3D4f5G6h7J8k9L0z1X2c/ failed",
        "reset at /reset/MQ/c5x9ab-0123456789abcdef0123456789abcdef/",
    ],
)
def test_tokens_and_secret_links_are_removed(secret: str) -> None:
    cleaned = scrub(secret)
    leaks = ["stint_", "AbCdEf012345", "abcdefghijklmnop", "sk_live", "whsec_", "inv_Q2w3", "0123456789abcdef0"]
    for fragment in leaks:
        assert fragment not in cleaned, cleaned
    assert TOKEN_REMOVED in cleaned or "[removed]" in cleaned


@pytest.mark.parametrize(
    ("text", "leaked"),
    [
        ("my password is hunter2hunter", "hunter2hunter"),
        ("password: Tr0ub4dor&3", "Tr0ub4dor&3"),
        ('{"email": "a@b.c", "password": "s3cret-pass"}', "s3cret-pass"),
        ("api_key=abc123xyz", "abc123xyz"),
        ("CVC 737", "737"),
        ("passwd=letmein99", "letmein99"),
        ("The password hunter2 does not work", "hunter2"),
        ("passwort ist geheim123", "geheim123"),
        ("Mein Passwort ist geheim", "geheim"),
        ("mot de passe: azerty99", "azerty99"),
        ("mon mot de passe est azerty99", "azerty99"),
        ("contraseña es hola123", "hola123"),
        ("pwd s3cr3t!", "s3cr3t"),
    ],
)
def test_password_like_values_are_removed(text: str, leaked: str) -> None:
    cleaned = scrub(text)
    assert leaked not in cleaned and "[removed]" in cleaned, cleaned


@pytest.mark.parametrize(
    "text",
    [
        "I forgot my password",
        "I forgot my password.",
        "The password reset page is blank",
        "The password-reset page is blank",
        "The password is wrong, says the login page",
        "Das Passwort ist falsch.",
        "Where is the password field?",
        "my password island",
        "Token expired",
    ],
)
def test_sentences_about_passwords_are_kept(text: str) -> None:
    assert scrub(text) == text


@pytest.mark.parametrize(
    "phone",
    ["+49 30 1234567", "(555) 123-4567", "555-123-4567", "06 12 34 56 78", "06.12.34.56.78", "01711234567",
     "0049 30 1234567", "030/1234567", "+1 555 123 4567"],
)  # fmt: skip
def test_the_board_loses_phone_numbers(phone: str) -> None:
    cleaned = scrub_public(f"Call Dana on {phone} about it")
    assert cleaned == f"Call Dana on {PHONE_REMOVED} about it"


def test_the_board_loses_email_addresses_and_secrets_too() -> None:
    cleaned = scrub_public("Write to dana.diaz@acme.example, password: hunter2, card 4242 4242 4242 4242")
    assert cleaned == f"Write to {EMAIL_REMOVED}, password: [removed], card {CARD_REMOVED}"


def test_dates_times_addresses_versions_and_counts_are_not_phone_numbers() -> None:
    text = (
        "From 2026-01-01 10:00 to 01.02.2026, 2026-11-26T09:00:00+01:00, on 192.168.1.1 with v1.2.3: export "
        "1000000 records, 1.200.000 rows or 1,234,567 lines; invoice INV-2026-000123, error 3f2a9c81b0de, 9:00-17:00"
    )
    assert scrub_public(text) == text


def test_ordinary_sentences_survive() -> None:
    text = (
        "The week page shows Monday twice after I reset my password. Token expired? The timer ran 2 hours on "
        "/records/?from=2026-01-01 and error 3f2a9c81b0de appeared."
    )
    assert scrub(text) == text


def test_diagnostics_also_lose_email_addresses_and_pages_their_query_strings() -> None:
    assert "bob@example.com" not in scrub_personal("Mozilla/5.0 bob@example.com")
    assert page_clean("https://stint.example/records/?q=secret&token=abc#top") == "/records/"
    assert page_clean("/invitations/inv_Q2w3E4r5T6y7U8i9O0p1A2s3D4f5G6h7J8k9/") == f"/invitations/{TOKEN_REMOVED}/"
    assert page_clean("javascript:alert(1)") == ""
