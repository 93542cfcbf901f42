"""Moving a subscription between states: into a paid period, and back to free."""

from __future__ import annotations

from datetime import datetime

from django.db.models import F, OuterRef, Subquery

from stint.accounts.models import Edition, Membership
from stint.billing.models import Invoice, Plan, Subscription
from stint.billing.periods import period_bound, seconds_between
from stint.tracking.models import TimeRecord


def period_start_new(
    subscription: Subscription, *, plan: Plan, interval: str, unit_amount_minor: int, seats: int, at: datetime
) -> None:
    """A first period (purchase, interval change) anchored at `at`, with `seats` bought for all of it."""
    end = period_bound(at, 1, interval)
    subscription.plan = plan
    subscription.edition = plan.edition
    subscription.interval = interval
    subscription.unit_amount_minor = unit_amount_minor
    subscription.seats = seats
    subscription.period_anchor = at
    subscription.period_index = 0
    subscription.current_period_start = at
    subscription.current_period_end = end
    subscription.committed_num = seats * unit_amount_minor * seconds_between(at, end)
    subscription.status = Subscription.Status.ACTIVE
    subscription.trial_ends_at = None  # bought: whatever was left of the trial is over
    subscription.cancel_at_period_end = False
    subscription.past_due_since = None
    Membership.objects.filter(account_id=subscription.account_id, licensed=False).update(licensed=True)


# Every field but the balance: only the ledger moves the balance (documents._balance_move), possibly through another
# instance of the same row (voiding an invoice), so a save of other changes must never write back a stale balance.
_SAVED_FIELDS = [
    f.name
    for f in Subscription._meta.concrete_fields
    if not f.primary_key and f.name not in ("credit_balance_minor", "account", "created_at")
]


def edition_save(subscription: Subscription, at: datetime) -> None:
    """Save the subscription and copy its edition to the account (which every read path consults). A paid
    subscription is past due exactly while one of its card invoices has failed and is still open."""
    if subscription.is_paid:
        failed = (
            Invoice.objects.filter(subscription=subscription, status=Invoice.Status.OPEN, first_failed_at__isnull=False)
            .order_by("first_failed_at")
            .values_list("first_failed_at", flat=True)
            .first()
        )
        subscription.status = Subscription.Status.PAST_DUE if failed else Subscription.Status.ACTIVE
        subscription.past_due_since = failed
    subscription.updated_at = at
    subscription.save(update_fields=_SAVED_FIELDS)
    account = subscription.account
    if account.edition != subscription.edition or account.trial_ends_at != subscription.trial_ends_at:
        account.edition = subscription.edition
        account.trial_ends_at = subscription.trial_ends_at
        account.save(update_fields=["edition", "trial_ends_at"])


def free_licenses_keep(subscription: Subscription) -> None:
    """Falling back to Free: the owner and the most recently active named users, as many as Free allows, stay
    licensed; the others keep their data but cannot track until the owner chooses them or buys a subscription."""
    plan = Plan.objects.get(code="free")
    active = Membership.objects.filter(account_id=subscription.account_id, active=True)
    if plan.max_users is None:
        active.update(licensed=True)
        return
    owner_id = subscription.account.owner_id
    # Most recently active = the latest time tracked, then the latest sign-in to the account.
    latest_record = TimeRecord.objects.filter(account_id=OuterRef("account_id"), user_id=OuterRef("user_id"))
    recent = (
        active.exclude(user_id=owner_id)
        .annotate(last_tracked=Subquery(latest_record.order_by("-start").values("start")[:1]))
        .order_by(
            F("last_tracked").desc(nulls_last=True),
            F("last_seen_at").desc(nulls_last=True),
            F("accepted_at").desc(nulls_last=True),
            "-added_at",
        )
        .values_list("user_id", flat=True)
    )
    keep = [owner_id, *recent[: max(0, plan.max_users - 1)]]
    active.filter(user_id__in=keep).update(licensed=True)
    active.exclude(user_id__in=keep).update(licensed=False)


def free_enter(subscription: Subscription, at: datetime) -> None:
    free_licenses_keep(subscription)
    subscription.plan = Plan.objects.get(code="free")
    subscription.edition = Edition.FREE
    subscription.status = Subscription.Status.FREE
    subscription.interval = ""
    subscription.unit_amount_minor = 0
    subscription.seats = 0
    subscription.period_anchor = None
    subscription.period_index = 0
    subscription.current_period_start = None
    subscription.current_period_end = None
    subscription.committed_num = 0
    subscription.cancel_at_period_end = False
    subscription.past_due_since = None
    edition_save(subscription, at)
