"""Seat additions racing each other: twenty admins' requests at once, each adding a different person, must give
twenty seat-change invoices, twenty successful charges and invoice numbers without gaps or repeats.

The threads really race on PostgreSQL (row locks on the account and the subscription, and on the numbering row,
serialise them). On SQLite they race too: the settings open every transaction with BEGIN IMMEDIATE and wait on a
busy timeout, so writers queue up instead of failing on a lock upgrade; the outcome must be the same.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from fractions import Fraction
from typing import Any

import pytest
from django.db import connection

from stint.accounts.selectors import active_user_count
from stint.accounts.services import named_user_add
from stint.billing.models import DocumentSequence, Invoice, Payment, SandboxCharge, Subscription
from stint.billing.services import subscription_purchase
from stint.core.clock import FrozenClock
from tests.billing.conftest import VISA
from tests.conftest import Person

PEOPLE = 20


def in_threads(count: int, work: Callable[[int], Any]) -> list[Any]:
    """Run `work(i)` in `count` threads released together; answers each outcome (a result or the exception)."""
    barrier = threading.Barrier(count)
    outcomes: list[Any] = [None] * count

    def run(index: int) -> None:
        try:
            barrier.wait(timeout=30)
            outcomes[index] = work(index)
        except Exception as error:
            outcomes[index] = error
        finally:
            connection.close()  # this thread's own connection, so the test database can be dropped

    threads = [threading.Thread(target=run, args=(index,)) for index in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads), "a thread is still waiting for a lock"
    return outcomes


@pytest.mark.django_db(transaction=True)
def test_twenty_people_added_at_once_are_twenty_charges_with_gapless_numbers(
    frozen: FrozenClock, alice: Person
) -> None:
    subscription_purchase(
        account=alice.account, actor=alice.user, plan="regular", interval="month", payment_method=VISA
    )
    frozen.advance(14 * 86400)  # 14 of February's 28 days left: each seat costs 900 x 14/28 = 450

    outcomes = in_threads(
        PEOPLE,
        lambda i: named_user_add(
            account=alice.account, actor=alice.user, email=f"person{i:02d}@example.com", name=f"Person {i}"
        ),
    )

    assert not [outcome for outcome in outcomes if isinstance(outcome, Exception)], outcomes
    seat_invoices = Invoice.objects.filter(billing_reason="seat_change")
    assert seat_invoices.count() == PEOPLE
    assert {(i.status, i.total_minor, i.amount_paid_minor) for i in seat_invoices} == {
        ("paid", round(Fraction(900 * 14, 28)), 450)
    }
    charges = Payment.objects.filter(kind="charge", status="succeeded", invoice__in=seat_invoices)
    assert charges.count() == PEOPLE == SandboxCharge.objects.filter(succeeded=True).count() - 1  # less the purchase
    assert sorted(Invoice.objects.values_list("number", flat=True)) == [
        f"INV-2026-{n:06d}" for n in range(1, PEOPLE + 2)
    ]
    assert DocumentSequence.objects.get(series="INV", year=2026).last_number == PEOPLE + 1
    subscription = Subscription.objects.get(account=alice.account)
    assert subscription.seats == active_user_count(account=alice.account) == PEOPLE + 1
    assert subscription.committed_num == (900 * 28 + PEOPLE * 900 * 14) * 86400
