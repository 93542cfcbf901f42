from typing import Any

from django.contrib.auth.hashers import check_password, make_password

from stint import settings as stint_settings


def test_passwords_are_stored_with_argon2(settings: Any) -> None:
    settings.PASSWORD_HASHERS = stint_settings.PASSWORD_HASHERS
    stored = make_password("a-long-and-unusual-passphrase")
    assert stored.startswith("argon2$argon2id$")
    assert "a-long-and-unusual-passphrase" not in stored
    assert check_password("a-long-and-unusual-passphrase", stored)
