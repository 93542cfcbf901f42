"""The account's entry rules: how long a record may be, how far ahead, and what every record must carry."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from stint.accounts.models import Account, User
from stint.accounts.permissions import require_admin
from stint.core.errors import Invalid
from stint.tracking.models import TrackingRules

MAX_RECORD_MIN_S = 15 * 60
MAX_RECORD_MAX_S = 7 * 24 * 3600
DAYS_AHEAD_MAX = 365
_SWITCHES = ("require_work_item", "require_activity_type", "require_comment")


def _check_rules(changes: dict[str, Any]) -> dict[str, Any]:
    unknown = sorted(set(changes) - {"max_record_s", "max_days_ahead", *_SWITCHES})
    if unknown:
        raise Invalid(f"There is no tracking rule called {unknown[0]}.", "unknown_rule", field=unknown[0])
    if "max_record_s" in changes:
        value = changes["max_record_s"]
        # bool is an int in Python; "true" is not a length.
        if isinstance(value, bool) or not isinstance(value, int) or not MAX_RECORD_MIN_S <= value <= MAX_RECORD_MAX_S:
            raise Invalid(
                "max_record_s must be between 15 minutes (900) and 7 days (604800 seconds).",
                "invalid_max_record_s",
                field="max_record_s",
            )
    if "max_days_ahead" in changes:
        value = changes["max_days_ahead"]
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= DAYS_AHEAD_MAX:
            raise Invalid(
                "max_days_ahead must be a whole number of days from 0 (nothing in the future) to 365.",
                "invalid_max_days_ahead",
                field="max_days_ahead",
            )
    for name in _SWITCHES:
        if name in changes and not isinstance(changes[name], bool):
            raise Invalid(f"{name} must be true or false.", f"invalid_{name}", field=name)
    return changes


def tracking_rules_update(*, account: Account, actor: User, **changes: Any) -> TrackingRules:
    """Change some of the rules (admins only). Records already saved keep their shape; new and changed ones are
    checked against the new rules."""
    require_admin(account=account, actor=actor, what="change the tracking rules")
    clean = _check_rules(changes)
    with transaction.atomic():
        TrackingRules.objects.get_or_create(account=account)
        rules = TrackingRules.objects.select_for_update().get(account=account)
        for name, value in clean.items():
            setattr(rules, name, value)
        rules.save()
    return rules
