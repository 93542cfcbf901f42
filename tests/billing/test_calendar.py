"""Billing periods on the calendar (DESIGN.md, "billing intervals"): a period runs to the same instant one calendar
month or year later, the day clamped to the month's end, every bound anchored on the first start; renewals at those
instants, also when the clock has jumped over several of them, and changes made exactly at one."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from fractions import Fraction

import pytest

from stint.accounts.models import Account, User
from stint.accounts.services import account_signup, named_user_add, named_user_deactivate
from stint.billing.models import CreditNote, Invoice, Payment, Subscription
from stint.billing.periods import period_bound
from stint.billing.services import (
    billing_tick,
    subscription_cancel,
    subscription_change,
    subscription_purchase,
    subscription_resume,
)
from stint.core.clock import FrozenClock
from tests.billing.conftest import FAILS_LATER, START, VISA
from tests.conftest import PASSWORD, Person

# A card that is still valid when the annual examples reach the 2030s.
LONG_VISA = {**VISA, "exp_year": 2040}


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)  # type: ignore[arg-type, misc]


def signup_at(frozen: FrozenClock, at: datetime) -> tuple[Account, User]:
    frozen.set(at)
    return account_signup(account_name="Calendar", name="Cal", email="cal@example.com", password=PASSWORD)


def renewals(account: Account) -> list[tuple[str, datetime, datetime, datetime]]:
    return [
        (invoice.number, invoice.issued_at, invoice.period_start, invoice.period_end)
        for invoice in Invoice.objects.filter(account=account, billing_reason="renewal").order_by("pk")
    ]


def period_of(account: Account) -> tuple[datetime | None, datetime | None]:
    subscription = Subscription.objects.get(account=account)
    return subscription.current_period_start, subscription.current_period_end


# --- the bounds on their own --------------------------------------------------------------------------------------


def test_a_month_from_31_january_ends_on_the_last_day_of_february_then_on_the_31st_again() -> None:
    anchor = utc(2026, 1, 31, 9, 0)
    assert [period_bound(anchor, n, "month") for n in range(1, 5)] == [
        utc(2026, 2, 28, 9, 0),
        utc(2026, 3, 31, 9, 0),
        utc(2026, 4, 30, 9, 0),
        utc(2026, 5, 31, 9, 0),
    ]
    assert period_bound(utc(2028, 1, 31, 9, 0), 1, "month") == utc(2028, 2, 29, 9, 0)
    assert period_bound(anchor, 12, "month") == period_bound(anchor, 1, "year") == utc(2027, 1, 31, 9, 0)


def test_a_year_from_29_february_ends_on_28_february_until_the_next_leap_year() -> None:
    anchor = utc(2028, 2, 29, 0, 0)
    assert [period_bound(anchor, n, "year") for n in range(1, 5)] == [
        utc(2029, 2, 28, 0, 0),
        utc(2030, 2, 28, 0, 0),
        utc(2031, 2, 28, 0, 0),
        utc(2032, 2, 29, 0, 0),
    ]


def test_the_months_of_a_year_end_of_month_anchor_are_never_shortened_for_good() -> None:
    anchor = utc(2026, 8, 31, 23, 59, 59)
    ends = [period_bound(anchor, n, "month") for n in range(1, 13)]
    assert [end.day for end in ends] == [30, 31, 30, 31, 31, 28, 31, 30, 31, 30, 31, 31]
    assert all(end.time() == anchor.time() for end in ends)


# --- renewals through the services ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_monthly_renewals_from_31_january_fall_on_28_february_31_march_and_30_april(
    frozen: FrozenClock, alice: Person
) -> None:
    subscription_purchase(
        account=alice.account, actor=alice.user, plan="regular", interval="month", payment_method=VISA
    )
    for end in (utc(2026, 2, 28, 9, 0), utc(2026, 3, 31, 9, 0), utc(2026, 4, 30, 9, 0)):
        assert period_of(alice.account)[1] == end
        frozen.set(end - timedelta(seconds=1))
        billing_tick()
        assert period_of(alice.account)[1] == end, "renewed a second early"
        frozen.set(end)
        billing_tick()
    assert renewals(alice.account) == [
        ("INV-2026-000002", utc(2026, 2, 28, 9, 0), utc(2026, 2, 28, 9, 0), utc(2026, 3, 31, 9, 0)),
        ("INV-2026-000003", utc(2026, 3, 31, 9, 0), utc(2026, 3, 31, 9, 0), utc(2026, 4, 30, 9, 0)),
        ("INV-2026-000004", utc(2026, 4, 30, 9, 0), utc(2026, 4, 30, 9, 0), utc(2026, 5, 31, 9, 0)),
    ]
    # A short month costs what a long one does: the price is per period, not per day.
    assert set(Invoice.objects.values_list("total_minor", flat=True)) == {900}
    assert period_of(alice.account) == (utc(2026, 4, 30, 9, 0), utc(2026, 5, 31, 9, 0))


@pytest.mark.django_db
def test_in_a_leap_year_31_january_renews_on_29_february_and_prorates_over_29_days(frozen: FrozenClock) -> None:
    account, owner = signup_at(frozen, utc(2028, 1, 31, 12, 0))
    subscription_purchase(account=account, actor=owner, plan="regular", interval="month", payment_method=VISA)
    assert period_of(account) == (utc(2028, 1, 31, 12, 0), utc(2028, 2, 29, 12, 0))
    frozen.set(utc(2028, 2, 14, 12, 0))  # 15 of 29 days left
    named_user_add(account=account, actor=owner, email="bob@example.com", name="Bob")
    seat = Invoice.objects.get(billing_reason="seat_change")
    assert seat.total_minor == round(Fraction(900 * 15, 29)) == 466
    frozen.set(utc(2028, 2, 29, 12, 0))
    billing_tick()
    assert period_of(account) == (utc(2028, 2, 29, 12, 0), utc(2028, 3, 31, 12, 0))


@pytest.mark.django_db
def test_annual_renewals_from_29_february_2028_fall_on_28_february_then_29_february_2032(frozen: FrozenClock) -> None:
    account, owner = signup_at(frozen, utc(2028, 2, 29, 0, 0))
    subscription_purchase(account=account, actor=owner, plan="regular", interval="year", payment_method=LONG_VISA)
    for _ in range(4):  # 2029, 2030, 2031, 2032
        frozen.set(period_of(account)[1])  # type: ignore[arg-type]
        billing_tick()
    # One series a calendar year: each renewal is the first invoice of its year.
    assert renewals(account) == [
        ("INV-2029-000001", utc(2029, 2, 28, 0, 0), utc(2029, 2, 28, 0, 0), utc(2030, 2, 28, 0, 0)),
        ("INV-2030-000001", utc(2030, 2, 28, 0, 0), utc(2030, 2, 28, 0, 0), utc(2031, 2, 28, 0, 0)),
        ("INV-2031-000001", utc(2031, 2, 28, 0, 0), utc(2031, 2, 28, 0, 0), utc(2032, 2, 29, 0, 0)),
        ("INV-2032-000001", utc(2032, 2, 29, 0, 0), utc(2032, 2, 29, 0, 0), utc(2033, 2, 28, 0, 0)),
    ]
    assert set(Invoice.objects.values_list("total_minor", flat=True)) == {9000}


@pytest.mark.django_db
def test_a_clock_that_jumps_over_several_periods_renews_each_one_in_order(frozen: FrozenClock, alice: Person) -> None:
    bob = named_user_add(account=alice.account, actor=alice.user, email="bob@example.com", name="Bob")
    subscription_purchase(
        account=alice.account, actor=alice.user, plan="regular", interval="month", payment_method=VISA
    )
    frozen.set(utc(2026, 2, 14, 9, 0))
    named_user_deactivate(account=alice.account, actor=alice.user, membership=bob)  # 14 of 28 days: 450 credited
    frozen.set(utc(2027, 2, 15, 0, 0))  # the worker was down for a year
    billing_tick()
    billing_tick()
    # 28 February 2026 ... 31 January 2027: twelve renewals, each issued at its own instant, numbered in order
    # within the series of its year.
    bounds = [period_bound(START, n, "month") for n in range(1, 14)]
    numbers = [f"INV-2026-{n:06d}" for n in range(2, 13)] + ["INV-2027-000001"]
    assert renewals(alice.account) == [
        (number, start, start, end) for number, start, end in zip(numbers, bounds[:-1], bounds[1:], strict=True)
    ]
    assert period_of(alice.account) == (utc(2027, 1, 31, 9, 0), utc(2027, 2, 28, 9, 0))
    first, *rest = Invoice.objects.filter(billing_reason="renewal").order_by("pk")
    # The balance goes to the first renewal; every renewal is for one seat, paid at its own instant.
    assert (first.total_minor, first.balance_applied_minor, first.amount_paid_minor) == (900, 450, 450)
    assert all((i.total_minor, i.balance_applied_minor, i.amount_paid_minor) == (900, 0, 900) for i in rest)
    assert [i.paid_at for i in [first, *rest]] == bounds[:12]


@pytest.mark.django_db
def test_a_late_tick_still_retries_a_failed_renewal_after_1_3_and_7_days_and_gives_up_after_14(
    frozen: FrozenClock, alice: Person
) -> None:
    subscription_purchase(
        account=alice.account, actor=alice.user, plan="regular", interval="month", payment_method=VISA
    )
    subscription_change(account=alice.account, actor=alice.user, payment_method=FAILS_LATER)
    frozen.set(utc(2026, 3, 20, 0, 0))  # 20 days after the renewal instant, no tick in between
    billing_tick()
    renewal = Invoice.objects.get(billing_reason="renewal")
    attempts = Payment.objects.filter(invoice=renewal).order_by("pk")
    failed_at = utc(2026, 2, 28, 9, 0)
    assert [(p.status, p.created_at) for p in attempts] == [
        ("failed", failed_at),
        ("failed", failed_at + timedelta(days=1)),
        ("failed", failed_at + timedelta(days=3)),
        ("failed", failed_at + timedelta(days=7)),
    ]
    renewal.refresh_from_db()
    subscription = Subscription.objects.get(account=alice.account)
    assert (renewal.status, renewal.voided_at) == ("void", failed_at + timedelta(days=14))
    assert (subscription.status, subscription.edition) == ("free", "free")


# --- changes exactly at the renewal instant ----------------------------------------------------------------------


def _new_period_documents(account: Account, start: datetime) -> tuple[list[tuple[str, int]], int]:
    invoices = Invoice.objects.filter(account=account, period_end__gt=start).exclude(status="void").order_by("pk")
    credited = sum(CreditNote.objects.filter(invoice__in=invoices).values_list("total_minor", flat=True))
    return [(i.billing_reason, i.total_minor) for i in invoices], credited


@pytest.mark.django_db
@pytest.mark.parametrize("tick_first", [True, False], ids=["after-the-tick", "before-the-tick"])
def test_someone_added_at_the_renewal_instant_pays_for_the_new_period_once(
    frozen: FrozenClock, alice: Person, tick_first: bool
) -> None:
    subscription_purchase(
        account=alice.account, actor=alice.user, plan="regular", interval="month", payment_method=VISA
    )
    renewal_instant = utc(2026, 2, 28, 9, 0)
    frozen.set(renewal_instant)
    if tick_first:
        billing_tick()
    named_user_add(account=alice.account, actor=alice.user, email="bob@example.com", name="Bob")
    billing_tick()
    documents, credited = _new_period_documents(alice.account, renewal_instant)
    assert sorted(documents) == [("renewal", 900), ("seat_change", 900)]
    assert credited == 0
    # Nothing is billed for the period that has just ended: not even an invoice of 0.00.
    assert not Invoice.objects.filter(period_end=renewal_instant, billing_reason="seat_change").exists()
    assert Subscription.objects.get(account=alice.account).seats == 2


@pytest.mark.django_db
@pytest.mark.parametrize("tick_first", [True, False], ids=["after-the-tick", "before-the-tick"])
def test_someone_removed_at_the_renewal_instant_costs_nothing_in_the_new_period(
    frozen: FrozenClock, alice: Person, tick_first: bool
) -> None:
    bob = named_user_add(account=alice.account, actor=alice.user, email="bob@example.com", name="Bob")
    subscription_purchase(
        account=alice.account, actor=alice.user, plan="regular", interval="month", payment_method=VISA
    )
    renewal_instant = utc(2026, 2, 28, 9, 0)
    frozen.set(renewal_instant)
    if tick_first:
        billing_tick()
    named_user_deactivate(account=alice.account, actor=alice.user, membership=bob)
    billing_tick()
    documents, credited = _new_period_documents(alice.account, renewal_instant)
    charged = sum(total for _, total in documents)
    assert charged - credited == 900  # Alice's seat only
    assert not CreditNote.objects.filter(total_minor=0).exists()
    assert Subscription.objects.get(account=alice.account).seats == 1


@pytest.mark.django_db
def test_a_cancellation_after_the_renewal_instant_ends_the_next_period_not_the_one_already_renewed(
    frozen: FrozenClock, alice: Person
) -> None:
    """DESIGN.md: cancel any time until the renewal instant. Once it has passed, the period has renewed (whether
    a tick has run yet or not), so the cancellation is for the end of the new period."""
    subscription_purchase(
        account=alice.account, actor=alice.user, plan="regular", interval="month", payment_method=VISA
    )
    frozen.set(utc(2026, 2, 28, 9, 0, 30))  # 30 seconds after the renewal instant; the worker has not ticked yet
    subscription_cancel(account=alice.account, actor=alice.user)
    billing_tick()
    subscription = Subscription.objects.get(account=alice.account)
    assert (subscription.status, subscription.cancel_at_period_end) == ("active", True)
    assert subscription.current_period_end == utc(2026, 3, 31, 9, 0)
    assert len(renewals(alice.account)) == 1


@pytest.mark.django_db
def test_a_cancellation_undone_at_the_last_second_renews(frozen: FrozenClock, alice: Person) -> None:
    subscription_purchase(
        account=alice.account, actor=alice.user, plan="regular", interval="month", payment_method=VISA
    )
    subscription_cancel(account=alice.account, actor=alice.user)
    frozen.set(utc(2026, 2, 28, 8, 59, 59))
    subscription_resume(account=alice.account, actor=alice.user)
    frozen.set(utc(2026, 2, 28, 9, 0))
    billing_tick()
    subscription = Subscription.objects.get(account=alice.account)
    assert (subscription.status, subscription.current_period_end) == ("active", utc(2026, 3, 31, 9, 0))


@pytest.mark.django_db
def test_a_cancelled_subscription_ends_at_the_renewal_instant_exactly(frozen: FrozenClock, alice: Person) -> None:
    subscription_purchase(
        account=alice.account, actor=alice.user, plan="regular", interval="month", payment_method=VISA
    )
    subscription_cancel(account=alice.account, actor=alice.user)
    frozen.set(utc(2026, 2, 28, 8, 59, 59))
    billing_tick()
    assert Subscription.objects.get(account=alice.account).status == "active"
    frozen.set(utc(2026, 2, 28, 9, 0))
    billing_tick()
    subscription = Subscription.objects.get(account=alice.account)
    assert (subscription.status, subscription.edition) == ("free", "free")
    assert renewals(alice.account) == []


@pytest.mark.django_db
def test_an_interval_change_anchors_the_new_periods_on_the_instant_of_the_change(
    frozen: FrozenClock, alice: Person
) -> None:
    subscription_purchase(
        account=alice.account, actor=alice.user, plan="regular", interval="month", payment_method=VISA
    )
    frozen.set(utc(2026, 2, 10, 15, 30))
    subscription_change(account=alice.account, actor=alice.user, interval="year")
    assert period_of(alice.account) == (utc(2026, 2, 10, 15, 30), utc(2027, 2, 10, 15, 30))
    frozen.set(utc(2026, 12, 31, 23, 0))
    subscription_change(account=alice.account, actor=alice.user, interval="month")
    frozen.set(utc(2027, 1, 31, 23, 0))
    billing_tick()
    frozen.set(utc(2027, 2, 28, 23, 0))
    billing_tick()
    frozen.set(utc(2027, 3, 31, 23, 0))
    billing_tick()
    assert [(start, end) for _, _, start, end in renewals(alice.account)] == [
        (utc(2027, 1, 31, 23, 0), utc(2027, 2, 28, 23, 0)),
        (utc(2027, 2, 28, 23, 0), utc(2027, 3, 31, 23, 0)),
        (utc(2027, 3, 31, 23, 0), utc(2027, 4, 30, 23, 0)),
    ]
