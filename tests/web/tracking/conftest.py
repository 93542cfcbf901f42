"""Tracking pages: a frozen 'now', an account catalog, and records written straight to the database."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from stint.core import clock
from stint.core.clock import FrozenClock
from stint.tracking.models import ActivityType, TimeRecord, WorkItem
from tests.conftest import Person

# A Thursday afternoon; Alice's week (Monday start, UTC) runs from Nov 23 to Nov 29.
NOW = datetime(2026, 11, 26, 15, 0, tzinfo=UTC)


def at(text: str) -> datetime:
    """'2026-11-23 09:00' in UTC."""
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


@pytest.fixture(autouse=True)
def frozen() -> Iterator[FrozenClock]:
    with clock.using(FrozenClock(NOW)) as frozen_clock:
        assert isinstance(frozen_clock, FrozenClock)
        yield frozen_clock


@dataclass
class Catalog:
    development: ActivityType
    meeting: ActivityType
    login: WorkItem
    reports: WorkItem
    closed: WorkItem


def make_catalog(person: Person) -> Catalog:
    account = person.account
    development = ActivityType.objects.create(account=account, name="Development", is_default=True, created_at=NOW)
    meeting = ActivityType.objects.create(account=account, name="Meeting", created_at=NOW)

    def item(title: str, ref: str, **fields: Any) -> WorkItem:
        return WorkItem.objects.create(
            account=account, title=title, external_ref=ref, created_at=NOW, updated_at=NOW, **fields
        )

    return Catalog(
        development,
        meeting,
        item("Login page", "PROJ-1"),
        item("Reports", "PROJ-2"),
        item("Old release", "PROJ-0", state=WorkItem.State.CLOSED),
    )


@pytest.fixture
def catalog(alice: Person) -> Catalog:
    return make_catalog(alice)


def record(
    person: Person, start: datetime, minutes: int = 60, **fields: Any
) -> TimeRecord:  # written as the API would store it, without the service's checks
    return TimeRecord.objects.create(
        account=person.account,
        user=person.user,
        start=start,
        end=start + timedelta(minutes=minutes),
        duration_s=minutes * 60,
        billable_s=minutes * 60 if fields.get("billable", True) else 0,
        added_by=person.user,
        created_at=NOW,
        updated_at=NOW,
        **fields,
    )
