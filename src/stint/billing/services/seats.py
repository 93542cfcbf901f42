"""Seats: a named user holds one from the moment they are added. In a paid period adding one charges at once and
removing one credits at once, prorated to the second, with DESIGN.md's telescoping rounding."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from fractions import Fraction

from django.conf import settings
from django.db import transaction

from stint.accounts.models import Account, Edition, Membership, User
from stint.accounts.selectors import active_user_count
from stint.billing.gateways import ChargeFailed
from stint.billing.models import BillingReason, CreditNote, Invoice, Plan, Subscription
from stint.billing.periods import seconds_between, whole_second
from stint.billing.services.collection import invoice_announce, invoice_collect
from stint.billing.services.common import committed_round, money, subscription_locked
from stint.billing.services.credits import credit_issue
from stint.billing.services.documents import Line, buyer_snapshot, invoice_issue, invoice_void, line_tax, tax_rate
from stint.billing.services.lifecycle import subscription_catch_up
from stint.core import clock
from stint.core.errors import Conflict, Invalid, PaymentRequired
from stint.licensing.selectors import onprem_seats_in_use

MAX_SEATS = 100_000


@dataclass
class SeatChange:
    """What a seat change did: the invoice (void if its charge failed) or the credit notes."""

    amount_minor: int = 0
    currency: str = "USD"
    invoice: Invoice | None = None
    credit_notes: list[CreditNote] = field(default_factory=list)
    failure: ChargeFailed | None = None

    def summary(self) -> str:
        if self.invoice is not None and self.failure is None:
            return f" Charged {money(self.invoice.total_minor, self.currency)} (invoice {self.invoice.number})."
        if self.credit_notes:
            numbers = ", ".join(note.number for note in self.credit_notes)
            total = sum(note.total_minor for note in self.credit_notes)
            return f" Credited {money(total, self.currency)} to the balance ({numbers})."
        return ""


def _free_limit_check(subscription: Subscription, *, account: Account) -> None:
    if subscription.edition != Edition.FREE:
        return
    plan = subscription.plan or Plan.objects.get(code="free")
    licensed = Membership.objects.filter(account=account, active=True, licensed=True).count()
    if plan.max_users is not None and licensed >= plan.max_users:
        raise PaymentRequired(
            f"The Free edition allows {plan.max_users} named users. Upgrade to Regular in Settings / My Account "
            "to add more.",
            "edition_user_limit",
        )


def _prorated(subscription: Subscription, *, seats_delta: int, at: datetime) -> tuple[int, int, Fraction]:
    """(new committed_num, amount in minor units, proration) of changing the paid seats by `seats_delta` at `at`."""
    start, end = subscription.current_period_start, subscription.current_period_end
    assert start is not None and end is not None
    length, remaining = seconds_between(start, end), max(0, seconds_between(at, end))
    before = subscription.committed_num
    after = before + seats_delta * subscription.unit_amount_minor * remaining
    amount = committed_round(after, length) - committed_round(before, length)
    return after, amount, Fraction(remaining, length)


def seat_preview(*, account: Account, users_delta: int) -> tuple[int, str, datetime | None]:
    """What adding (or removing, negative) that many named users would charge (or credit, negative) now, tax
    included (the buyer's rate, as the invoice or credit note would carry it)."""
    # A read: nothing due is run from here (a page view never charges); the tick or the change itself does that.
    subscription = Subscription.objects.get(account=account)
    if not subscription.is_paid or settings.STINT_MODE == "onprem":
        return 0, subscription.currency, None
    at = whole_second(clock.now())
    active = active_user_count(account=account)
    # As seat_add and seat_remove do it: a new seat only beyond those paid for, a credit only for seats no named
    # user (in the cloud or on the account's on-prem servers) holds any more.
    if users_delta >= 0:
        seats_delta = max(0, max(1, active + users_delta) - subscription.seats)
    else:
        in_use = max(1, active + users_delta, onprem_seats_in_use(account=account))
        seats_delta = -max(0, subscription.seats - in_use)
    _, amount, _ = _prorated(subscription, seats_delta=seats_delta, at=at)
    rate = tax_rate(buyer_snapshot(account))
    sign = 1 if amount >= 0 else -1
    gross = sign * (abs(amount) + line_tax(abs(amount), rate))
    return gross, subscription.currency, subscription.current_period_end


def _seats_charge(
    subscription: Subscription, *, needed: int, actor: User | None, description: str, at: datetime
) -> SeatChange:
    """Charge `needed` more seats from `at` to the end of the period: the prorated invoice is issued and collected;
    if the charge fails the invoice is voided and the failure returned (and the seats are not added)."""
    after, amount, proration = _prorated(subscription, seats_delta=needed, at=at)
    end = subscription.current_period_end
    assert end is not None and subscription.plan is not None
    line = Line(
        description=f"{subscription.plan.name}: {description}, from the change to the end of the period",
        quantity=needed,
        unit_amount_minor=subscription.unit_amount_minor,
        amount_minor=amount,
        period_start=at,
        period_end=end,
        proration=proration,
    )
    invoice = invoice_issue(
        subscription=subscription,
        billing_reason=BillingReason.SEAT_CHANGE,
        lines=[line],
        at=at,
        period_start=at,
        period_end=end,
    )
    failure = invoice_collect(subscription=subscription, invoice=invoice, at=at, actor=actor)
    if failure is not None:
        invoice_void(invoice=invoice, at=at)
        return SeatChange(amount, subscription.currency, invoice, failure=failure)
    invoice_announce(invoice=invoice, actor=actor)
    subscription.seats += needed
    subscription.committed_num = after
    subscription.updated_at = at
    subscription.save(update_fields=["seats", "committed_num", "updated_at"])
    return SeatChange(amount, subscription.currency, invoice)


def seat_add(*, account: Account, actor: User, who: str) -> SeatChange:
    """Take a seat for one more named user. Call inside the transaction that adds them, before adding them: in a
    paid period the prorated charge is invoiced and collected here; if it fails the invoice is voided and the
    failure returned, and the caller must add nobody (and raise it once its transaction has committed the void).

    On an on-prem server nothing is charged here: the license's seats must hold one more (an online server buys the
    missing seat through the cloud first), and the license is refreshed afterwards."""
    subscription_catch_up(account)
    subscription = subscription_locked(account)
    _free_limit_check(subscription, account=account)
    if settings.STINT_MODE == "onprem":
        from stint.licensing.online import license_refresh_request
        from stint.licensing.onprem import license_seat_check

        license_seat_check(account=account, subscription=subscription)
        license_refresh_request()
        return SeatChange(currency=subscription.currency)
    if not subscription.is_paid:
        return SeatChange(currency=subscription.currency)
    at = whole_second(clock.now())
    needed = max(1, active_user_count(account=account) + 1) - subscription.seats
    if needed <= 0:
        return SeatChange(currency=subscription.currency)
    return _seats_charge(subscription, needed=needed, actor=actor, description=f"{who} added", at=at)


def seats_buy(*, account: Account, actor: User | None, seats: int) -> SeatChange:
    """Raise the subscription's paid seats to `seats` now (an on-prem server asking for more through online
    activation, or sales issuing a license for more named users than the cloud account has): charged like any seat
    change. Fewer seats than paid for changes nothing. A failed charge is voided and answered with 402."""
    if seats < 1 or seats > MAX_SEATS:
        raise Invalid(f"Seats are a whole number from 1 to {MAX_SEATS}.", "seats_invalid", field="seats")
    subscription_catch_up(account)
    with transaction.atomic():
        subscription = subscription_locked(account)
        if not subscription.is_paid:
            raise PaymentRequired(
                "Seats are bought for a paid subscription (Regular or Enterprise); buy one in Settings / My Account "
                "first.",
                "seats_need_subscription",
            )
        needed = seats - subscription.seats
        if needed <= 0:
            return SeatChange(currency=subscription.currency)
        at = whole_second(clock.now())
        change = _seats_charge(
            subscription,
            needed=needed,
            actor=actor,
            description=f"{needed} seat{'s' if needed != 1 else ''} added for on-prem named users",
            at=at,
        )
    if change.failure is not None:
        # Raised once the void is committed: nothing half-done stays behind.
        raise PaymentRequired(
            f"The {needed} seat{'s' if needed != 1 else ''} could not be bought because the charge failed: "
            f"{change.failure.detail} Update the payment method in Settings / My Account and try again.",
            change.failure.code,
        )
    return change


def seat_remove(*, account: Account, actor: User, who: str) -> SeatChange:
    """Give back the seat of a named user who was just deactivated (call in the same transaction, after): in a
    paid period the unused part is credited to the balance at once."""
    subscription_catch_up(account)
    subscription = subscription_locked(account)
    if settings.STINT_MODE == "onprem":
        from stint.licensing.online import license_refresh_request

        license_refresh_request()  # the cloud learns the new count (it decides the seats of the next renewal)
        return SeatChange(currency=subscription.currency)
    if not subscription.is_paid:
        return SeatChange(currency=subscription.currency)
    at = whole_second(clock.now())
    # Seats the account's on-prem servers use are not the cloud's to give back.
    in_use = max(1, active_user_count(account=account), onprem_seats_in_use(account=account))
    surplus = subscription.seats - in_use
    if surplus <= 0:
        return SeatChange(currency=subscription.currency)
    after, amount, proration = _prorated(subscription, seats_delta=-surplus, at=at)
    assert subscription.plan is not None
    notes = credit_issue(
        subscription,
        amount=-amount,
        at=at,
        reason=CreditNote.Reason.SEAT_REMOVED,
        description=f"{subscription.plan.name}: {who} removed, from the change to the end of the period",
        quantity=surplus,
        unit=subscription.unit_amount_minor,
        proration=proration,
        actor=actor,
    )
    subscription.refresh_from_db(fields=["credit_balance_minor"])
    subscription.seats -= surplus
    subscription.committed_num = after
    subscription.updated_at = at
    subscription.save(update_fields=["seats", "committed_num", "updated_at"])
    return SeatChange(amount, subscription.currency, credit_notes=notes)


def named_user_license_set(*, account: Account, actor: User, membership: Membership, licensed: bool) -> Membership:
    """In Free, the owner chooses who of the named users may track (as many as Free allows); in other editions
    everyone is licensed and this changes nothing."""
    from stint.accounts.permissions import require_admin

    if account.owner_id != actor.pk:
        require_admin(account=account, actor=actor, what="choose who may track")
    with transaction.atomic():
        subscription = subscription_locked(account)
        membership = Membership.objects.select_for_update().get(pk=membership.pk, account=account)
        if subscription.edition != Edition.FREE or membership.licensed == licensed:
            return membership
        if not licensed and membership.user_id == account.owner_id:
            raise Conflict("The account owner always keeps a license.", "owner_keeps_license", field="licensed")
        if licensed:
            if not membership.active:
                raise Conflict("Only an active named user can be licensed.", "user_inactive", field="licensed")
            _free_limit_check(subscription, account=account)
        membership.licensed = licensed
        membership.save(update_fields=["licensed"])
    return membership
