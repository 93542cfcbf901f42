"""Trial ends, renewals, retries and the fall back to free, driven by the billing tick."""

from __future__ import annotations

from datetime import timedelta

import pytest

from stint.accounts.models import Membership
from stint.accounts.services import named_user_add
from stint.billing.models import BalanceEntry, Invoice, Payment, Subscription
from stint.billing.services import (
    billing_tick,
    subscription_cancel,
    subscription_change,
    subscription_purchase,
    subscription_resume,
)
from stint.core.clock import FrozenClock
from stint.core.errors import PaymentRequired
from stint.notifications.models import AccountEvent
from tests.billing.conftest import FAILS_LATER, VISA
from tests.conftest import Person, make_member
from tests.tracking.helpers import records_of

DAY = 86400


def events(person: Person) -> list[str]:
    return list(AccountEvent.objects.filter(account=person.account).order_by("id").values_list("type", flat=True))


def subscription(person: Person) -> Subscription:
    return Subscription.objects.get(account=person.account)


def buy(person: Person, *, card: dict[str, object] = VISA, interval: str = "month") -> None:
    subscription_purchase(
        account=person.account, actor=person.user, plan="regular", interval=interval, payment_method=card
    )


def test_the_trial_warns_three_days_before_it_ends_and_then_moves_to_free(frozen: FrozenClock, alice: Person) -> None:
    frozen.advance(26 * DAY)
    billing_tick()
    assert "trial.ending" not in events(alice)
    frozen.advance(DAY + 1)
    billing_tick()
    billing_tick()
    assert events(alice).count("trial.ending") == 1
    assert subscription(alice).edition == "trial"
    frozen.advance(3 * DAY)
    billing_tick()
    billing_tick()
    sub = subscription(alice)
    assert (sub.edition, sub.status, sub.plan.code if sub.plan else None) == ("free", "free", "free")
    alice.account.refresh_from_db()
    assert alice.account.edition == "free"
    assert events(alice).count("trial.ended") == 1


def test_falling_back_to_free_keeps_the_owner_and_the_two_most_recently_active_licensed(
    frozen: FrozenClock, alice: Person
) -> None:
    people = [make_member(alice, f"P{n}", f"p{n}@example.com") for n in range(4)]
    records_of(people[3], frozen.now() - timedelta(days=2))
    records_of(people[1], frozen.now() - timedelta(days=1))
    frozen.advance(31 * DAY)
    billing_tick()
    licensed = set(
        Membership.objects.filter(account=alice.account, licensed=True).values_list("user__email", flat=True)
    )
    assert licensed == {"alice@example.com", "p1@example.com", "p3@example.com"}


def test_a_renewal_charges_the_active_seats_and_a_second_tick_changes_nothing(
    frozen: FrozenClock, alice: Person, bob: Person
) -> None:
    buy(alice)
    frozen.advance(28 * DAY)
    billing_tick()
    billing_tick()
    renewals = Invoice.objects.filter(billing_reason="renewal")
    assert [(i.total_minor, i.status) for i in renewals] == [(1800, "paid")]
    assert events(alice).count("subscription.renewed") == 1


def test_a_failed_renewal_is_retried_after_1_3_and_7_days_then_falls_back_to_free(
    frozen: FrozenClock, alice: Person
) -> None:
    buy(alice)
    subscription_change(account=alice.account, actor=alice.user, payment_method=FAILS_LATER)
    frozen.advance(28 * DAY)
    billing_tick()
    assert subscription(alice).status == "past_due"
    attempts = lambda: Payment.objects.filter(status="failed").count()  # noqa: E731
    assert attempts() == 1
    for days, expected in ((1, 2), (2, 3), (4, 4), (6, 4)):
        frozen.advance(days * DAY)
        billing_tick()
        billing_tick()
        assert attempts() == expected, days
        assert subscription(alice).status == "past_due"
    frozen.advance(DAY)  # 14 days after the first failure
    billing_tick()
    sub = subscription(alice)
    assert (sub.edition, sub.status) == ("free", "free")
    assert Invoice.objects.get(billing_reason="renewal").status == "void"
    assert events(alice).count("payment.failed") == 4
    assert events(alice).count("subscription.reverted_to_free") == 1


def test_a_retry_that_succeeds_makes_the_subscription_active_again(frozen: FrozenClock, alice: Person) -> None:
    buy(alice)
    subscription_change(account=alice.account, actor=alice.user, payment_method=FAILS_LATER)
    frozen.advance(28 * DAY)
    billing_tick()
    subscription_change(account=alice.account, actor=alice.user, payment_method=VISA)
    frozen.advance(DAY)
    billing_tick()
    assert subscription(alice).status == "active"
    assert Invoice.objects.get(billing_reason="renewal").status == "paid"


def test_a_cancelled_subscription_ends_at_the_period_end_and_resume_undoes_it(
    frozen: FrozenClock, alice: Person
) -> None:
    buy(alice)
    subscription_cancel(account=alice.account, actor=alice.user)
    subscription_resume(account=alice.account, actor=alice.user)
    subscription_cancel(account=alice.account, actor=alice.user)
    frozen.advance(28 * DAY - 1)
    billing_tick()
    assert subscription(alice).edition == "regular"
    frozen.advance(1)
    billing_tick()
    assert subscription(alice).edition == "free"
    assert not Invoice.objects.filter(billing_reason="renewal").exists()
    assert [e for e in events(alice) if e.startswith("subscription.")] == [
        "subscription.purchased",
        "subscription.cancelled",
        "subscription.resumed",
        "subscription.cancelled",
        "subscription.reverted_to_free",
    ]


def test_a_bank_transfer_invoice_reminds_and_then_falls_back_to_free(frozen: FrozenClock, alice: Person) -> None:
    buy(alice, card={"type": "bank_transfer"}, interval="year")
    invoice = Invoice.objects.get()
    assert (invoice.status, invoice.due_at - invoice.issued_at) == ("open", timedelta(days=30))
    frozen.advance(23 * DAY)  # 7 days before the due date
    billing_tick()
    billing_tick()
    frozen.set(invoice.due_at - timedelta(hours=8))  # the due date, 01:00 UTC
    billing_tick()
    frozen.set(invoice.due_at)
    billing_tick()
    billing_tick()
    assert events(alice).count("invoice.due_soon") == 2
    assert events(alice).count("invoice.overdue") == 1
    assert subscription(alice).edition == "regular"
    frozen.advance(14 * DAY)
    billing_tick()
    assert subscription(alice).edition == "free"
    invoice.refresh_from_db()
    assert invoice.status == "void"


def test_free_refuses_a_fourth_named_user(frozen: FrozenClock, alice: Person) -> None:
    frozen.advance(31 * DAY)
    billing_tick()
    make_member(alice, "B", "b@example.com")
    make_member(alice, "C", "c@example.com")
    with pytest.raises(PaymentRequired) as refused:
        named_user_add(account=alice.account, actor=alice.user, email="d@example.com", name="D")
    assert refused.value.code == "edition_user_limit"
    assert "Upgrade to Regular" in refused.value.detail


def test_a_seat_added_at_the_renewal_instant_is_charged_in_the_new_period(frozen: FrozenClock, alice: Person) -> None:
    buy(alice)
    frozen.advance(28 * DAY)  # exactly the renewal instant, before any tick
    named_user_add(account=alice.account, actor=alice.user, email="bob@example.com", name="Bob")
    reasons = list(Invoice.objects.order_by("id").values_list("billing_reason", "total_minor"))
    assert reasons == [("purchase", 900), ("renewal", 900), ("seat_change", 900)]
    billing_tick()
    assert Invoice.objects.count() == 3


def test_an_amount_due_under_the_minimum_is_carried_to_the_next_invoice(frozen: FrozenClock, alice: Person) -> None:
    sub = subscription(alice)
    BalanceEntry.objects.create(
        account=alice.account, kind="adjustment", amount_minor=870, currency="USD", description="goodwill",
        created_at=frozen.now(),
    )  # fmt: skip
    Subscription.objects.filter(pk=sub.pk).update(credit_balance_minor=870)
    buy(alice)
    invoice = Invoice.objects.get()
    assert (invoice.amount_due_minor, invoice.amount_carried_minor, invoice.amount_paid_minor) == (30, 30, 0)
    assert invoice.status == "paid"
    assert not Payment.objects.exists()
    assert subscription(alice).credit_balance_minor == -30
    frozen.advance(28 * DAY)
    billing_tick()
    renewal = Invoice.objects.get(billing_reason="renewal")
    assert (renewal.total_minor, renewal.balance_applied_minor, renewal.amount_due_minor) == (900, -30, 930)
    assert renewal.amount_paid_minor == 930
    assert subscription(alice).credit_balance_minor == 0
