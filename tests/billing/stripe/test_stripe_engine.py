"""The billing engine with STINT_PAYMENT_GATEWAY=stripe (through the `gateway()` factory), against the Stripe-shaped
server: seat charges, renewals, dunning retries and refunds go to Stripe with our idempotency keys."""

from __future__ import annotations

import pytest

from stint.accounts.models import Membership
from stint.accounts.services import named_user_add
from stint.billing.gateways import ChargeFailed
from stint.billing.models import Invoice, Payment, Subscription
from stint.billing.services import billing_tick, subscription_purchase, subscription_refund
from stint.core.clock import FrozenClock
from stint.core.errors import PaymentRequired
from stint.notifications.models import AccountEvent
from tests.billing.stripe.conftest import renewal_declined, subscribed_with_stripe_card
from tests.billing.stripe.fake_stripe import FakeStripe
from tests.conftest import Person


def test_seat_charges_renewals_and_refunds_go_through_stripe(
    frozen: FrozenClock, alice: Person, fake_stripe: FakeStripe
) -> None:
    subscription = subscribed_with_stripe_card(alice)
    assert (subscription.gateway, subscription.card_brand, subscription.card_last4) == ("stripe", "visa", "4242")

    frozen.advance(30 * 86400)
    named_user_add(account=alice.account, actor=alice.user, email="bob@example.com", name="Bob")
    seat = Invoice.objects.get(billing_reason="seat_change")
    assert seat.status == "paid" and seat.amount_due_minor > 0
    payment = Payment.objects.get(invoice=seat)
    [sent] = fake_stripe.posts("/v1/payment_intents")
    assert (payment.gateway, payment.reference) == ("stripe", fake_stripe.intents[payment.reference]["id"])
    assert sent.idempotency_key == payment.idempotency_key
    assert payment.idempotency_key.startswith(f"{seat.number}:{seat.charge_key}:charge:")
    assert (sent.params["amount"], sent.params["currency"]) == (str(seat.amount_due_minor), "usd")
    assert (sent.params["off_session"], sent.params["confirm"]) == ("true", "true")

    assert subscription.current_period_end is not None
    frozen.set(subscription.current_period_end)
    billing_tick()
    renewal = Invoice.objects.get(billing_reason="renewal")
    assert (renewal.status, renewal.total_minor, renewal.amount_paid_minor) == ("paid", 18000, 18000)
    renewal_payment = Payment.objects.get(invoice=renewal)
    assert fake_stripe.intents[renewal_payment.reference]["amount"] == 18000

    frozen.advance(86400)
    subscription_refund(account=alice.account, actor=alice.user)
    refund = Payment.objects.get(kind="refund")
    [stripe_refund] = fake_stripe.refunds.values()
    assert (refund.amount_minor, refund.reference, refund.refund_of) == (18000, stripe_refund["id"], renewal_payment)
    assert stripe_refund["payment_intent"] == renewal_payment.reference
    [refund_request] = fake_stripe.posts("/v1/refunds")
    assert refund_request.idempotency_key == refund.idempotency_key
    subscription.refresh_from_db()
    assert subscription.edition == "free"


def test_a_declined_seat_charge_adds_nobody(frozen: FrozenClock, alice: Person, fake_stripe: FakeStripe) -> None:
    subscribed_with_stripe_card(alice)
    fake_stripe.decline_next_charge("insufficient_funds")
    with pytest.raises(PaymentRequired) as declined:
        named_user_add(account=alice.account, actor=alice.user, email="bob@example.com", name="Bob")
    assert declined.value.code == "insufficient_funds"
    assert "insufficient funds" in declined.value.detail
    assert not Membership.objects.filter(account=alice.account, user__email="bob@example.com", active=True).exists()
    invoice = Invoice.objects.get(billing_reason="seat_change")
    assert invoice.status == "void"
    failed = Payment.objects.get(invoice=invoice)
    assert (failed.status, failed.failure_code, failed.gateway) == ("failed", "insufficient_funds", "stripe")


def test_a_declined_renewal_is_retried_with_a_new_key_the_next_day(
    frozen: FrozenClock, alice: Person, fake_stripe: FakeStripe
) -> None:
    subscription = subscribed_with_stripe_card(alice)
    invoice = renewal_declined(subscription, fake_stripe, frozen)
    subscription.refresh_from_db()
    assert subscription.status == Subscription.Status.PAST_DUE
    frozen.advance(86400 + 60)
    billing_tick()
    invoice.refresh_from_db()
    subscription.refresh_from_db()
    assert (invoice.status, subscription.status) == ("paid", Subscription.Status.ACTIVE)
    keys = [r.idempotency_key or "" for r in fake_stripe.posts("/v1/payment_intents")]
    assert [key.rsplit(":", 1)[1] for key in keys] == ["1", "2"]
    assert AccountEvent.objects.filter(account=alice.account, type="payment.failed").count() == 1


def test_a_purchase_with_a_stripe_js_token_is_charged_through_stripe(
    frozen: FrozenClock, alice: Person, charlie: Person, fake_stripe: FakeStripe
) -> None:
    subscription, invoice = subscription_purchase(
        account=alice.account,
        actor=alice.user,
        plan="regular",
        interval="month",
        payment_method={"type": "card", "token": "tok_visa"},
    )
    assert (invoice.status, invoice.amount_paid_minor) == ("paid", 900)
    assert (subscription.gateway, subscription.card_brand, subscription.card_last4) == ("stripe", "visa", "4242")
    assert subscription.card_reference.startswith("cus_")
    [sent] = fake_stripe.posts("/v1/payment_intents")
    assert (sent.params["amount"], sent.params["currency"]) == ("900", "usd")
    assert sent.idempotency_key == Payment.objects.get(invoice=invoice).idempotency_key
    with pytest.raises(ChargeFailed) as declined:
        subscription_purchase(
            account=charlie.account,
            actor=charlie.user,
            plan="regular",
            interval="month",
            payment_method={"type": "card", "token": "tok_chargeDeclined"},
        )
    assert (declined.value.status, declined.value.code) == (402, "generic_decline")
    assert Subscription.objects.get(account=charlie.account).status == Subscription.Status.TRIALING
