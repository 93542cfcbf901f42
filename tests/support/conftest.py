"""What the support tests share: our staff in the back-office, and a few more people on the feature board."""

from __future__ import annotations

import pytest
from django.test import Client

from stint.accounts.models import User
from tests.conftest import Person, make_member


@pytest.fixture
def staff_user(db: None) -> User:
    return User.objects.create_superuser("sam@stint.localhost", "correct horse battery", name="Sam Support")


@pytest.fixture
def backoffice(staff_user: User) -> Client:
    """A browser logged in to the back-office as support staff."""
    client = Client()
    client.force_login(staff_user)
    return client


@pytest.fixture
def dana(charlie: Person) -> Person:
    """A member of Charlie's account: another customer on the shared board."""
    return make_member(charlie, "Dana Diaz", "dana@example.org")
