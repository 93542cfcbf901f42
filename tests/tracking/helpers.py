"""Data for tracking tests: records written straight to the database, rules set as an admin would set them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from stint.accounts.models import Account
from stint.tracking.models import TimeRecord, TrackingRules, WorkItem
from stint.tracking.selectors import tracking_rules
from tests.conftest import Person

# The tests' "now": a Thursday afternoon; records are made in the past of it unless a test says otherwise.
NOW = datetime(2026, 11, 26, 15, 0, tzinfo=UTC)


def at(text: str) -> datetime:
    """'2026-11-23 09:00' in UTC."""
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def set_rules(account: Account, **values: Any) -> TrackingRules:
    rules = tracking_rules(account=account)
    for name, value in values.items():
        setattr(rules, name, value)
    rules.save()
    return rules


def records_of(person: Person, *starts: datetime, minutes: int = 30, **fields: Any) -> list[TimeRecord]:
    """One record per start for `person`, written in one query."""
    records = [
        TimeRecord(
            account=person.account,
            user=person.user,
            start=start,
            end=start + timedelta(minutes=minutes),
            duration_s=minutes * 60,
            billable_s=minutes * 60,
            added_by=person.user,
            created_at=NOW,
            updated_at=NOW,
            **fields,
        )
        for start in starts
    ]
    return TimeRecord.objects.bulk_create(records)


def work_item(person: Person, title: str = "Checkout page", **fields: Any) -> WorkItem:
    return WorkItem.objects.create(account=person.account, title=title, created_at=NOW, updated_at=NOW, **fields)
