"""Properties of prorated seat changes (DESIGN.md, "seat changes"): whatever the sequence of named users added and
removed during a period, its invoice lines less its credit note lines come to round(V_exact), V_exact being worked
out here from the rule itself, `price x (period_end - t) / (period_end - period_start)` per seat and change.

Currencies: the purchase service always buys at the USD price (it asks `price_for` for no currency), so each
service-level example creates a Price in its currency (JPY: no decimals, USD: two, BHD: three) and has the purchase
ask for that one by wrapping `price_for`; everything after (invoices, charges, the minimum charge) then runs in that
currency. `committed_round` and `stint.core.money` are also checked on their own, without the database.

Each service-level example runs inside a savepoint that is rolled back at its end, so every example starts from the
seeded database with numbering at 1 (pytest-django's one transaction per test would otherwise carry it over).
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from fractions import Fraction
from unittest import mock

import pytest
from django.db import transaction
from django.db.models import Sum
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from stint.accounts.models import Account, Membership, User
from stint.accounts.services import account_signup, named_user_add, named_user_deactivate
from stint.billing.models import (
    BalanceEntry,
    CreditNote,
    CreditNoteLine,
    Invoice,
    InvoiceLine,
    Plan,
    Price,
    Subscription,
)
from stint.billing.periods import period_bound
from stint.billing.services import common, subscription_change, subscription_purchase
from stint.billing.services.common import committed_round
from stint.core import clock
from stint.core.clock import FrozenClock
from stint.core.money import Money, currency_exponent
from tests.billing.conftest import START, VISA
from tests.conftest import PASSWORD

CURRENCIES = ("JPY", "USD", "BHD")  # 0, 2 and 3 decimals
EXAMPLES = settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])


# --- the rule, worked out independently of the engine ------------------------------------------------------------


def half_even(value: Fraction) -> int:
    """The nearest integer, an exact half going to the even neighbour (written out, not `round`)."""
    floor, rest = divmod(value.numerator, value.denominator)
    twice = 2 * rest
    if twice > value.denominator or (twice == value.denominator and floor % 2 == 1):
        return floor + 1
    return floor


def share_left(start: datetime, end: datetime, at: datetime) -> Fraction:
    """(period_end - t) / (period_end - period_start), to the second."""
    return Fraction(int((end - at).total_seconds()), int((end - start).total_seconds()))


# --- pure properties: the rounding function and the currencies ----------------------------------------------------


def test_half_even_rounds_exact_halves_to_the_even_neighbour() -> None:
    assert [half_even(Fraction(n, 2)) for n in range(-5, 6)] == [-2, -2, -2, -1, 0, 0, 0, 1, 2, 2, 2]
    assert [committed_round(n, 2) for n in range(-5, 6)] == [-2, -2, -2, -1, 0, 0, 0, 1, 2, 2, 2]


@given(
    committed=st.integers(min_value=0, max_value=10**15),
    seconds=st.integers(min_value=1, max_value=366 * 86400),
)
def test_committed_round_is_half_even_rounding_of_v(committed: int, seconds: int) -> None:
    assert committed_round(committed, seconds) == half_even(Fraction(committed, seconds))


@st.composite
def prices(draw: st.DrawFn) -> Money:
    """A price per user in one of the three currencies, given in major units as staff would type it."""
    currency = draw(st.sampled_from(CURRENCIES))
    exponent = currency_exponent(currency)
    minor = draw(st.integers(min_value=1, max_value=500 * 10**exponent))
    major = Decimal(minor).scaleb(-exponent)
    return Money.from_major(major, currency)


@given(
    price=prices(),
    seats=st.integers(min_value=1, max_value=50),
    length=st.sampled_from([28 * 86400, 29 * 86400, 30 * 86400, 31 * 86400, 365 * 86400, 366 * 86400]),
    changes=st.lists(st.tuples(st.floats(0, 1), st.sampled_from([1, -1])), max_size=30),
)
def test_telescoping_rounding_adds_up_to_round_v_in_every_currency(
    price: Money, seats: int, length: int, changes: list[tuple[float, int]]
) -> None:
    assert currency_exponent(price.currency) == {"JPY": 0, "USD": 2, "BHD": 3}[price.currency]
    committed = seats * price.amount_minor * length  # the engine's committed_num: V x period seconds
    exact = Fraction(seats * price.amount_minor)
    billed = committed_round(committed, length)
    assert billed == seats * price.amount_minor
    for fraction_of_period, delta in sorted(changes):
        if seats + delta < 1:
            continue
        elapsed = int(fraction_of_period * (length - 1))
        remaining = length - elapsed
        seats += delta
        after = committed + delta * price.amount_minor * remaining
        billed += committed_round(after, length) - committed_round(committed, length)
        committed = after
        exact += price.times(Fraction(delta * remaining, length))
    assert committed == exact * length
    assert billed == Money.from_exact(exact, price.currency).amount_minor == half_even(exact)


# --- the engine, with the database ----------------------------------------------------------------------------------


@contextmanager
def rolled_back(at: datetime) -> Iterator[FrozenClock]:
    """A clock standing at `at`, and a savepoint undone at the end: the next example finds the seeded database."""
    with clock.using(FrozenClock(at)) as frozen, transaction.atomic():
        assert isinstance(frozen, FrozenClock)
        try:
            yield frozen
        finally:
            transaction.set_rollback(True)


@contextmanager
def sold_in(currency: str, *, unit_amount_minor: int) -> Iterator[None]:
    """Regular and Enterprise sold in `currency` at this price per user (monthly; annual is ten times as much)."""
    for code, factor in (("regular", 1), ("enterprise", 2)):
        plan = Plan.objects.get(code=code)
        for interval, months in (("month", 1), ("year", 10)):
            Price.objects.update_or_create(
                plan=plan,
                interval=interval,
                currency=currency,
                defaults={"unit_amount_minor": unit_amount_minor * factor * months},
            )
    with mock.patch(
        "stint.billing.services.subscriptions.price_for", functools.partial(common.price_for, currency=currency)
    ):
        yield


@dataclass
class Shop:
    account: Account
    owner: User
    start: datetime
    end: datetime
    unit: int
    currency: str
    added: list[Membership]
    emails: int = 0

    def add(self) -> Membership:
        self.emails += 1
        membership = named_user_add(
            account=self.account,
            actor=self.owner,
            email=f"person{self.emails}@example.com",
            name=f"Person {self.emails}",
        )
        self.added.append(membership)
        return membership

    def remove(self) -> None:
        named_user_deactivate(account=self.account, actor=self.owner, membership=self.added.pop())


def shop_open(*, currency: str, unit: int, interval: str, users_before: int) -> Shop:
    """An owner who signed up now, added `users_before` people during the trial, then bought Regular by card."""
    account, owner = account_signup(
        account_name="Shop", name="Olive Owner", email="olive@example.com", password=PASSWORD
    )
    shop = Shop(account=account, owner=owner, start=clock.now(), end=clock.now(), unit=0, currency=currency, added=[])
    for _ in range(users_before):
        shop.add()
    subscription, invoice = subscription_purchase(
        account=account, actor=owner, plan="regular", interval=interval, payment_method=VISA
    )
    assert (subscription.currency, invoice.currency, subscription.unit_amount_minor) == (
        currency,
        currency,
        unit * (10 if interval == "year" else 1),
    )
    assert subscription.current_period_start is not None and subscription.current_period_end is not None
    assert subscription.current_period_end == period_bound(subscription.current_period_start, 1, interval)
    shop.start, shop.end, shop.unit = (
        subscription.current_period_start,
        subscription.current_period_end,
        subscription.unit_amount_minor,
    )
    return shop


def period_net_minor(shop: Shop) -> int:
    """What the period's documents come to: its invoices' lines less the lines of the credit notes against them."""
    invoices = Invoice.objects.filter(account=shop.account, period_end=shop.end).exclude(status=Invoice.Status.VOID)
    charged = InvoiceLine.objects.filter(invoice__in=invoices).aggregate(s=Sum("amount_minor"))["s"] or 0
    credited = CreditNoteLine.objects.filter(credit_note__invoice__in=invoices).aggregate(s=Sum("amount_minor"))["s"]
    return charged - (credited or 0)


def assert_no_invoice_is_overcredited(account: Account) -> None:
    """Per invoice: its credit notes come to no more than its total, and what they give back (balance, refund) to
    no more than what settled it (payment, balance applied, amount carried)."""
    for invoice in Invoice.objects.filter(account=account).prefetch_related("credit_notes"):
        notes = list(invoice.credit_notes.all())
        credited = sum(note.total_minor for note in notes)
        assert credited <= invoice.total_minor, f"{invoice.number}: credited {credited} of {invoice.total_minor}"
        given_back = sum(note.credit_minor + note.refund_minor for note in notes)
        # A debit carried in (a negative balance applied) is part of what the payment covers, not of this invoice.
        settled = max(0, invoice.amount_paid_minor + invoice.amount_carried_minor + invoice.balance_applied_minor)
        assert given_back <= settled, f"{invoice.number}: {given_back} given back, settled with {settled}"


def assert_balance_is_the_ledger(account: Account) -> None:
    ledger = BalanceEntry.objects.filter(account=account).aggregate(s=Sum("amount_minor"))["s"] or 0
    assert Subscription.objects.get(account=account).credit_balance_minor == ledger


PURCHASE_INSTANTS = (
    START,  # 31 January: the month is February's 28 days
    datetime(2026, 3, 15, 12, 34, 56, tzinfo=UTC),
    datetime(2028, 2, 29, 0, 0, tzinfo=UTC),  # leap day: the year runs to 28 February 2029
)


@dataclass(frozen=True)
class History:
    """A purchase (when, currency, price, interval, people already there), then changes at increasing instants of
    its first period, in whole seconds after the period start: "add", "remove" or "plan" (Regular <-> Enterprise)."""

    start: datetime
    interval: str
    currency: str
    unit: int
    users_before: int
    changes: tuple[tuple[int, str], ...]


@st.composite
def histories(draw: st.DrawFn, kinds: tuple[str, ...] = ("add", "remove")) -> History:
    start = draw(st.sampled_from(PURCHASE_INSTANTS))
    interval = draw(st.sampled_from(["month", "year"]))
    length = int((period_bound(start, 1, interval) - start).total_seconds())
    currency = draw(st.sampled_from(CURRENCIES))
    instants = st.one_of(st.integers(0, length - 1), st.sampled_from([0, 1, length // 2, length - 1]))
    offsets = sorted(draw(st.lists(instants, max_size=7)))
    what = draw(st.lists(st.sampled_from(kinds), min_size=len(offsets), max_size=len(offsets)))
    return History(
        start=start,
        interval=interval,
        currency=currency,
        unit=draw(st.integers(min_value=1, max_value=200 * 10 ** currency_exponent(currency))),
        users_before=draw(st.integers(0, 2)),
        changes=tuple(zip(offsets, what, strict=True)),
    )


def shop_for(history: History) -> Shop:
    return shop_open(
        currency=history.currency, unit=history.unit, interval=history.interval, users_before=history.users_before
    )


def last_pks() -> tuple[int, int]:
    return (
        Invoice.objects.order_by("-pk").values_list("pk", flat=True).first() or 0,
        CreditNote.objects.order_by("-pk").values_list("pk", flat=True).first() or 0,
    )


def documents_since(pks: tuple[int, int]) -> tuple[list[Invoice], int]:
    """The invoices issued since, and the total of the credit notes issued since."""
    invoices = list(Invoice.objects.filter(pk__gt=pks[0]).order_by("pk"))
    credited = CreditNote.objects.filter(pk__gt=pks[1]).aggregate(s=Sum("total_minor"))["s"] or 0
    return invoices, credited


def replay(shop: Shop, frozen: FrozenClock, history: History) -> Fraction:
    """Make the changes through the services, checking each one's documents against the rule; answers V_exact."""
    exact = Fraction((1 + len(shop.added)) * shop.unit)
    plan = "regular"
    for offset, kind in history.changes:
        if kind == "remove" and not shop.added:
            continue  # nobody but the owner is left to remove
        frozen.set(shop.start + timedelta(seconds=offset))
        share, seats, before = share_left(shop.start, shop.end, frozen.now()), 1 + len(shop.added), exact
        pks = last_pks()
        if kind == "add":
            exact += shop.unit * share
            shop.add()
        elif kind == "remove":
            exact -= shop.unit * share
            shop.remove()
        else:
            plan = "enterprise" if plan == "regular" else "regular"
            new_unit = shop.unit * 2 if plan == "enterprise" else shop.unit // 2
            exact += seats * (new_unit - shop.unit) * share
            subscription_change(account=shop.account, actor=shop.owner, plan=plan)
            shop.unit = new_unit
        invoices, credited = documents_since(pks)
        expected = half_even(exact) - half_even(before)
        assert all(invoice.currency == shop.currency for invoice in invoices)
        if kind == "add":
            assert [(i.billing_reason, i.total_minor) for i in invoices] == [("seat_change", expected)]
            assert credited == 0
        elif kind == "remove":
            assert (invoices, credited) == ([], -expected)
        else:
            assert [i.billing_reason for i in invoices] == ["plan_change"]
            assert invoices[0].total_minor - credited == expected
    return exact


# Exact halves, where half-even and half-up part ways: a seat added half-way through February (14 of 28 days).
HALF_WAY = 14 * 86400
TIES = (
    History(START, "month", "USD", 899, 0, ((HALF_WAY, "add"),)),  # 899 + 449.5 = 1348.5 -> 1348
    History(START, "month", "JPY", 3, 0, ((HALF_WAY, "add"),)),  # 3 + 1.5 = 4.5 -> 4
    History(START, "month", "BHD", 3, 1, ((HALF_WAY, "remove"), (HALF_WAY, "add"))),  # 6 - 1.5 = 4.5 -> 4
)


@pytest.mark.django_db
@EXAMPLES
@given(history=histories())
@example(history=TIES[0])
@example(history=TIES[1])
@example(history=TIES[2])
def test_a_periods_documents_always_come_to_round_v_exact(history: History) -> None:
    with rolled_back(history.start) as frozen, sold_in(history.currency, unit_amount_minor=history.unit):
        shop = shop_for(history)
        exact = replay(shop, frozen, history)
        assert period_net_minor(shop) == half_even(exact)
        assert_no_invoice_is_overcredited(shop.account)
        assert_balance_is_the_ledger(shop.account)


@pytest.mark.django_db
@EXAMPLES
@given(history=histories(), later=st.floats(0, 1))
def test_adding_and_removing_someone_at_the_same_instant_nets_to_zero(history: History, later: float) -> None:
    with rolled_back(history.start) as frozen, sold_in(history.currency, unit_amount_minor=history.unit):
        shop = shop_for(history)
        exact = replay(shop, frozen, history)
        net_before = period_net_minor(shop)
        subscription = Subscription.objects.get(account=shop.account)
        balance_before = subscription.credit_balance_minor
        # Some instant at or after the last change, before the period ends.
        frozen.set(frozen.now() + timedelta(seconds=int(later * ((shop.end - frozen.now()).total_seconds() - 1))))
        pks = last_pks()
        shop.add()
        shop.remove()
        invoices, credited = documents_since(pks)
        assert len(invoices) == 1 and invoices[0].total_minor == credited
        assert period_net_minor(shop) == net_before == half_even(exact)
        # What the card paid for the seat is now in the balance: nothing lost, nothing gained.
        subscription.refresh_from_db()
        assert subscription.credit_balance_minor - balance_before == invoices[0].amount_paid_minor
        assert_no_invoice_is_overcredited(shop.account)
        assert_balance_is_the_ledger(shop.account)


@pytest.mark.django_db
@EXAMPLES
@given(history=histories(kinds=("add", "remove", "plan")))
def test_credits_never_exceed_what_an_invoice_charged_even_across_plan_changes(history: History) -> None:
    """Seat changes and plan changes (Regular <-> Enterprise, repriced from the instant of the change): every credit
    note fits the invoice it is against, and the period still comes to round(V_exact)."""
    with rolled_back(history.start) as frozen, sold_in(history.currency, unit_amount_minor=history.unit):
        shop = shop_for(history)
        exact = replay(shop, frozen, history)
        assert period_net_minor(shop) == half_even(exact)
        assert_no_invoice_is_overcredited(shop.account)
        assert_balance_is_the_ledger(shop.account)
