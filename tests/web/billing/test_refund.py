"""The 30-day refund: a confirmation with the exact amount paid back, then Free at once. The amount on the
confirmation is checked against what the refund really pays back, in the cases that make it less obvious."""

from __future__ import annotations

import pytest

from stint.accounts.models import Membership
from stint.accounts.services import named_user_deactivate
from stint.billing.gateways import ChargeFailed
from stint.billing.models import Invoice, Payment
from stint.billing.services import refund_plan, subscription_change, subscription_purchase, subscription_refund
from stint.core.clock import FrozenClock
from tests.billing.conftest import FAILS_LATER
from tests.conftest import Person, make_member
from tests.web.billing.conftest import DAY, PAGE, bought, subscription
from tests.web.conftest import logged_in, text


def refunded(person: Person) -> int:
    return sum(
        p.amount_minor
        for p in Payment.objects.filter(
            account=person.account, kind__in=[Payment.Kind.REFUND, Payment.Kind.MANUAL_REFUND]
        )
    )


def refund_matches_its_preview(person: Person) -> int:
    expected = refund_plan(subscription(person)).total_refund
    subscription_refund(account=person.account, actor=person.user)
    assert refunded(person) == expected
    return expected


def test_the_confirmation_states_the_amount_and_free_now(alice: Person, bob: Person) -> None:
    bought(alice)
    page = text(logged_in(alice).get(f"{PAGE}refund/"))
    assert "Refund USD 18.00 and move to Free? Paid back now USD 18.00" in page
    assert "USD 18.00 is paid back to Visa •••• 4242: everything paid for the current period." in page
    assert "The account goes to Free now, not at the end of the period: 3 named users" in page
    assert subscription(alice).edition == "regular"


def test_alice_gets_her_money_back_and_is_on_free(alice: Person, bob: Person) -> None:
    bought(alice)
    browser = logged_in(alice)
    assert browser.post(f"{PAGE}refund/")["Location"] == PAGE
    page = text(browser.get(PAGE))
    assert "USD 18.00 was refunded to Visa •••• 4242 (credit note CN-2026-000001). The account is now on Free." in page
    assert "Edition Free" in page
    assert "CN-2026-000001 Jan 31, 2026 Refund against INV-2026-000001 USD 18.00 USD 18.00 USD 0.00" in page
    assert "Buy a subscription" in page
    assert refunded(alice) == 1800


def test_the_refund_button_goes_after_30_days(frozen: FrozenClock, alice: Person) -> None:
    bought(alice, interval="year")
    browser = logged_in(alice)
    assert "Refund and move to Free" in text(browser.get(PAGE))
    frozen.advance(30 * DAY + 1)
    assert "Refund and move to Free" not in text(browser.get(PAGE))
    assert browser.get(f"{PAGE}refund/")["Location"] == PAGE
    assert browser.post(f"{PAGE}refund/")["Location"] == PAGE
    assert "Nothing is refundable" in text(browser.get(PAGE))
    assert subscription(alice).edition == "regular"


def test_more_than_three_users_are_told_who_keeps_tracking(alice: Person, bob: Person) -> None:
    for n in range(3):
        make_member(alice, f"Person {n}", f"p{n}@example.com")
    bought(alice)
    page = text(logged_in(alice).get(f"{PAGE}refund/"))
    assert "Of your 5 named users, 3 keep tracking time" in page


def test_the_preview_matches_seats_added_and_removed(frozen: FrozenClock, alice: Person, bob: Person) -> None:
    bought(alice)
    frozen.advance(7 * DAY)
    carol = make_member(alice, "Carol", "carol@example.com")
    frozen.advance(7 * DAY)
    named_user_deactivate(account=alice.account, actor=alice.user, membership=Membership.objects.get(user=carol.user))
    # Carol's credit went to the balance; the refund pays back everything charged: 18.00 and Carol's 6.75.
    assert refund_matches_its_preview(alice) == 1800 + 675


def test_the_preview_matches_a_plan_change(frozen: FrozenClock, alice: Person, bob: Person) -> None:
    bought(alice)
    frozen.advance(10 * DAY)
    subscription_change(account=alice.account, actor=alice.user, plan="enterprise")
    assert refund_matches_its_preview(alice) > 0


def test_the_preview_matches_an_interval_change(frozen: FrozenClock, alice: Person) -> None:
    bought(alice)
    frozen.advance(3 * DAY)
    subscription_change(account=alice.account, actor=alice.user, interval="year")
    assert refund_matches_its_preview(alice) > 0


def test_an_unpaid_bank_transfer_pays_nothing_back(alice: Person) -> None:
    subscription_purchase(
        account=alice.account, actor=alice.user, plan="regular", interval="year",
        payment_method={"type": "bank_transfer"},
    )  # fmt: skip
    page = text(logged_in(alice).get(f"{PAGE}refund/"))
    assert "Cancel the purchase and move to Free?" in page
    assert "Nothing has been paid for the current period yet, so nothing is paid back." in page
    assert refund_matches_its_preview(alice) == 0
    assert Invoice.objects.get(account=alice.account).status == Invoice.Status.VOID


def test_a_voided_purchase_is_not_refundable(alice: Person) -> None:
    with pytest.raises(ChargeFailed):  # only a voided invoice is left
        subscription_purchase(
            account=alice.account, actor=alice.user, plan="regular", interval="month", payment_method=FAILS_LATER
        )
    page = text(logged_in(alice).get(PAGE))
    assert "Refund and move to Free" not in page
    assert "USD 9.00 USD 9.00 Void nothing is owed" in page
