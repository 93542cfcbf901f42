from __future__ import annotations

from collections import defaultdict

from django.db.models import QuerySet

from stint.accounts.models import Account
from stint.core.models import OutboxMessage
from stint.notifications.models import AccountEvent


def account_events(*, account: Account) -> QuerySet[AccountEvent]:
    return AccountEvent.objects.filter(account=account)


def email_statuses(*, events: list[AccountEvent]) -> dict[int, str]:
    """`sent` when every email of the event went out, `failed` if one was given up, else `pending`."""
    groups = {event.outbox_group: event.pk for event in events}
    seen: dict[int, set[str]] = defaultdict(set)
    for group, status in OutboxMessage.objects.filter(group__in=groups).values_list("group", "status"):
        seen[groups[group]].add(status)
    result: dict[int, str] = {}
    for event in events:
        statuses = seen.get(event.pk, set())
        if not statuses:
            result[event.pk] = "none"
        elif OutboxMessage.Status.FAILED in statuses:
            result[event.pk] = "failed"
        elif statuses == {OutboxMessage.Status.SENT}:
            result[event.pk] = "sent"
        else:
            result[event.pk] = "pending"
    return result
