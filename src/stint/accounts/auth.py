from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.http import HttpRequest

from stint.accounts.models import User, normalize_email


class EmailBackend(ModelBackend):
    """Log in by email, compared case-insensitively."""

    def authenticate(
        self, request: HttpRequest | None, username: str | None = None, password: str | None = None, **kwargs: Any
    ) -> User | None:
        email = kwargs.get("email") or username
        if not email or not password:
            return None
        user = User.objects.filter(email=normalize_email(email)).first()
        if user is None:
            # Spend the same time as a real check so response times do not reveal which emails exist.
            User().set_password(password)
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None
