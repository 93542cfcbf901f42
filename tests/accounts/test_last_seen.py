"""When a person was last seen in an account: it decides who stays licensed when an account falls back to Free."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from django.test import Client

from stint.accounts.models import Membership
from stint.core import clock
from stint.core.clock import FrozenClock
from tests.conftest import Person

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def seen(person: Person) -> datetime | None:
    return Membership.objects.get(account=person.account, user=person.user).last_seen_at


def test_a_page_records_when_the_person_was_seen_at_most_every_ten_minutes(alice: Person) -> None:
    browser = Client()
    browser.force_login(alice.user)
    with clock.using(FrozenClock(NOW)) as frozen:
        browser.get("/week/")
        assert seen(alice) == NOW
        frozen.advance(9 * 60)
        browser.get("/week/")
        assert seen(alice) == NOW  # no write for every page
        frozen.advance(60)
        browser.get("/week/")
        assert seen(alice) == NOW + timedelta(minutes=10)


def test_an_api_call_records_the_person_as_seen_in_the_tokens_account(alice: Person, charlie: Person) -> None:
    with clock.using(FrozenClock(NOW)):
        response = Client().get("/api/v1/me", headers={"Authorization": f"Bearer {alice.token}"})
    assert response.status_code == 200
    assert seen(alice) == NOW
    assert seen(charlie) is None
