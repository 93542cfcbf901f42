"""The catalog pages: a frozen 'now', Erin the manager, and work items written straight to the database."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from stint.core import clock
from stint.core.clock import FrozenClock
from stint.tracking.models import ActivityType, WorkItem
from tests.conftest import Person, make_member
from tests.tracking.helpers import NOW


@pytest.fixture(autouse=True)
def frozen() -> Iterator[FrozenClock]:
    with clock.using(FrozenClock(NOW)) as frozen_clock:
        assert isinstance(frozen_clock, FrozenClock)
        yield frozen_clock


@pytest.fixture
def erin(alice: Person) -> Person:
    """A manager in Alice's account: edits work items and activity types, but not the rules."""
    return make_member(alice, "Erin Evans", "erin@example.com", role="manager")


def item(person: Person, title: str, parent: WorkItem | None = None, **fields: Any) -> WorkItem:
    return WorkItem.objects.create(
        account=person.account, title=title, parent=parent, created_at=NOW, updated_at=NOW, **fields
    )


def activity(person: Person, name: str, **fields: Any) -> ActivityType:
    return ActivityType.objects.create(account=person.account, name=name, created_at=NOW, **fields)
