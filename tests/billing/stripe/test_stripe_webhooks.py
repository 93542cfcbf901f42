"""Stripe's webhooks: signed or refused, each event applied once, and the same end whatever the order of arrival."""

from __future__ import annotations

import copy
import json
import logging
import random
import time
from collections import Counter
from typing import Any

import pytest
from django.db import transaction
from django.test import Client

from stint.accounts.models import Account
from stint.accounts.services import named_user_add
from stint.billing.models import Invoice, Payment, StripeEvent, Subscription
from stint.billing.services import subscription_refund
from stint.core.clock import FrozenClock
from stint.core.errors import PaymentRequired
from stint.notifications.models import AccountEvent
from tests.billing.stripe.conftest import (
    WEBHOOK_URL,
    deliver_event,
    renewal_declined,
    signature,
    stripe_event,
    subscribed_with_stripe_card,
)
from tests.billing.stripe.fake_stripe import FakeStripe, fixture
from tests.billing.test_sandbox_gateway import in_threads
from tests.conftest import Person


def intent_of(fake: FakeStripe, invoice: Invoice) -> dict[str, Any]:
    """The PaymentIntent Stripe holds for the invoice's last charge attempt."""
    [intent] = [
        i for i in fake.intents.values() if i["metadata"]["stint_idempotency_key"].startswith(f"{invoice.number}:")
    ]
    return copy.deepcopy(intent)


def succeeded(intent: dict[str, Any]) -> dict[str, Any]:
    """The same PaymentIntent once the cardholder's bank let it through after all."""
    done = copy.deepcopy(intent)
    done.update(status="succeeded", amount_received=done["amount"], last_payment_error=None)
    return done


def charge_of(intent: dict[str, Any], *, refunded: int = 0) -> dict[str, Any]:
    charge = fixture("charge_refunded")
    charge.update(
        id=intent["latest_charge"],
        amount=intent["amount"],
        amount_captured=intent["amount"],
        amount_refunded=refunded,
        refunded=refunded == intent["amount"],
        customer=intent["customer"],
        payment_intent=intent["id"],
        metadata=intent["metadata"],
    )
    return charge


def outcome(event: dict[str, Any]) -> str:
    return StripeEvent.objects.get(event_id=event["id"]).outcome


@pytest.fixture
def past_due(frozen: FrozenClock, alice: Person, fake_stripe: FakeStripe) -> tuple[Subscription, Invoice]:
    """Alice's renewal was declined: the invoice is open and the subscription past due."""
    subscription = subscribed_with_stripe_card(alice)
    invoice = renewal_declined(subscription, fake_stripe, frozen)
    subscription.refresh_from_db()
    assert subscription.status == Subscription.Status.PAST_DUE
    return subscription, invoice


# --- applied once --------------------------------------------------------------------------------------------


def test_a_late_success_pays_the_open_invoice_once(
    past_due: tuple[Subscription, Invoice], fake_stripe: FakeStripe, client: Client, alice: Person
) -> None:
    subscription, invoice = past_due
    event = stripe_event("payment_intent.succeeded", succeeded(intent_of(fake_stripe, invoice)))
    for _ in range(3):  # delivered, then replayed twice
        response = deliver_event(client, event)
        assert response.status_code == 200
        assert response.json() == {"id": event["id"], "outcome": "applied"}
    invoice.refresh_from_db()
    subscription.refresh_from_db()
    assert (invoice.status, invoice.amount_paid_minor) == ("paid", 9000)
    assert subscription.status == Subscription.Status.ACTIVE
    paid = Payment.objects.filter(invoice=invoice, status="succeeded")
    assert [(p.amount_minor, p.reference) for p in paid] == [(9000, event["data"]["object"]["id"])]
    assert AccountEvent.objects.filter(account=alice.account, type="payment.succeeded").count() == 2  # purchase + this
    row = StripeEvent.objects.get()
    assert (row.deliveries, row.account_id, row.processed_at is not None) == (3, alice.account.pk, True)


@pytest.mark.django_db(transaction=True)
def test_simultaneous_deliveries_of_one_event_apply_it_once(
    past_due: tuple[Subscription, Invoice], fake_stripe: FakeStripe, alice: Person
) -> None:
    _, invoice = past_due
    event = stripe_event("payment_intent.succeeded", succeeded(intent_of(fake_stripe, invoice)))
    results = in_threads(4, lambda: deliver_event(Client(), event).status_code)
    assert results == [200] * 4
    invoice.refresh_from_db()
    assert (invoice.status, invoice.amount_paid_minor) == ("paid", 9000)
    assert Payment.objects.filter(invoice=invoice, status="succeeded").count() == 1
    assert StripeEvent.objects.get().deliveries == 4
    assert AccountEvent.objects.filter(account=alice.account, type="payment.succeeded").count() == 2


def test_a_success_already_answered_to_the_request_changes_nothing(
    frozen: FrozenClock, alice: Person, fake_stripe: FakeStripe, client: Client
) -> None:
    subscribed_with_stripe_card(alice)
    named_user_add(account=alice.account, actor=alice.user, email="bob@example.com", name="Bob")
    invoice = Invoice.objects.get(billing_reason="seat_change")
    assert invoice.status == "paid"
    response = deliver_event(client, stripe_event("payment_intent.succeeded", intent_of(fake_stripe, invoice)))
    assert response.json()["outcome"] == "no_change"
    assert Payment.objects.filter(invoice=invoice).count() == 1


def test_money_taken_for_a_voided_invoice_is_left_for_staff(
    frozen: FrozenClock, alice: Person, fake_stripe: FakeStripe, client: Client, caplog: Any
) -> None:
    subscribed_with_stripe_card(alice)
    fake_stripe.decline_next_charge("generic_decline")
    with pytest.raises(PaymentRequired):
        named_user_add(account=alice.account, actor=alice.user, email="bob@example.com", name="Bob")
    invoice = Invoice.objects.get(billing_reason="seat_change")
    assert invoice.status == "void"
    event = stripe_event("payment_intent.succeeded", succeeded(intent_of(fake_stripe, invoice)))
    with caplog.at_level(logging.WARNING, logger="stint.billing.webhooks"):
        assert deliver_event(client, event).status_code == 200
    assert outcome(event) == "needs_attention"
    assert invoice.number in StripeEvent.objects.get().detail
    assert "void" in caplog.text
    invoice.refresh_from_db()
    assert (invoice.status, invoice.amount_paid_minor) == ("void", 0)


def test_a_charge_unknown_yet_is_asked_again_then_left_for_staff(
    frozen: FrozenClock, alice: Person, fake_stripe: FakeStripe, client: Client
) -> None:
    # What a webhook sees when it overtakes the request that is still charging: no invoice with that key yet.
    intent = fixture("payment_intent_succeeded")
    intent["metadata"] = {"stint_idempotency_key": "INV-2026-000099:0a1b:charge:1", "stint_invoice": "INV-2026-000099"}
    event = stripe_event("payment_intent.succeeded", intent)
    for _ in range(2):
        response = deliver_event(client, event)
        assert response.status_code == 409
        assert response["Retry-After"] == "60"
    row = StripeEvent.objects.get()
    assert (row.outcome, row.processed_at, row.deliveries) == ("pending", None, 2)
    frozen.advance(11 * 60)
    assert deliver_event(client, event).status_code == 200
    row.refresh_from_db()
    assert row.outcome == "needs_attention"
    assert "refund it in Stripe's dashboard" in row.detail


def test_a_refund_made_by_stint_is_already_recorded(
    frozen: FrozenClock, alice: Person, fake_stripe: FakeStripe, client: Client
) -> None:
    subscribed_with_stripe_card(alice)
    named_user_add(account=alice.account, actor=alice.user, email="bob@example.com", name="Bob")
    invoice = Invoice.objects.get(billing_reason="seat_change")
    subscription_refund(account=alice.account, actor=alice.user)
    refund = Payment.objects.get(kind="refund")
    assert refund.reference.startswith("re_")
    event = stripe_event("charge.refunded", charge_of(intent_of(fake_stripe, invoice), refunded=refund.amount_minor))
    assert deliver_event(client, event).json()["outcome"] == "no_change"


def test_a_dispute_is_kept_and_logged_for_staff(
    frozen: FrozenClock, alice: Person, fake_stripe: FakeStripe, client: Client, caplog: Any
) -> None:
    subscribed_with_stripe_card(alice)
    named_user_add(account=alice.account, actor=alice.user, email="bob@example.com", name="Bob")
    invoice = Invoice.objects.get(billing_reason="seat_change")
    intent = intent_of(fake_stripe, invoice)
    dispute = fixture("dispute")
    dispute.update(amount=intent["amount"], charge=intent["latest_charge"], payment_intent=intent["id"])
    with caplog.at_level(logging.WARNING, logger="stint.billing.webhooks"):
        deliver_event(client, stripe_event("charge.dispute.created", dispute))
    row = StripeEvent.objects.get()
    assert (row.outcome, row.account_id) == ("needs_attention", alice.account.pk)
    assert invoice.number in row.detail and "fraudulent" in row.detail
    assert dispute["id"] in caplog.text


def test_a_card_on_file_removed_at_stripe_is_kept_for_staff(
    frozen: FrozenClock, alice: Person, fake_stripe: FakeStripe, client: Client
) -> None:
    subscription = subscribed_with_stripe_card(alice)
    method = copy.deepcopy(fake_stripe.methods[subscription.card_reference.split("/")[1]])
    method["customer"] = None
    deliver_event(client, stripe_event("payment_method.detached", method))
    assert StripeEvent.objects.get().outcome == "needs_attention"
    card = fixture("source_card")
    card["customer"] = subscription.card_reference.split("/")[0]
    deliver_event(client, stripe_event("customer.source.expiring", card))
    expiring = StripeEvent.objects.get(type="customer.source.expiring")
    assert (expiring.outcome, expiring.account_id) == ("no_change", alice.account.pk)
    assert "08/2026" in expiring.detail


def test_an_unknown_type_is_stored_as_ignored(fake_stripe: FakeStripe, client: Client, db: None) -> None:
    event = stripe_event("customer.updated", fixture("customer"))
    response = deliver_event(client, event)
    assert (response.status_code, response.json()["outcome"]) == (200, "ignored")
    row = StripeEvent.objects.get()
    assert (row.event_id, row.type, row.object_id) == (event["id"], "customer.updated", "cus_NffrFeUfNV2Hib")
    assert len(row.payload_sha256) == 64 and row.processed_at is not None


def test_a_charge_made_by_something_else_than_stint_is_ignored(
    fake_stripe: FakeStripe, client: Client, db: None
) -> None:
    deliver_event(client, stripe_event("payment_intent.succeeded", fixture("payment_intent_succeeded")))
    assert StripeEvent.objects.get().outcome == "ignored"


# --- refused -----------------------------------------------------------------------------------------------------


def test_a_stale_signature_is_refused_and_nothing_applied(
    past_due: tuple[Subscription, Invoice], fake_stripe: FakeStripe, client: Client
) -> None:
    _, invoice = past_due
    event = stripe_event("payment_intent.succeeded", succeeded(intent_of(fake_stripe, invoice)))
    response = deliver_event(client, event, at=int(time.time()) - 301)
    assert response.status_code == 400
    assert response.json()["code"] == "signature_invalid"
    assert not StripeEvent.objects.exists()
    invoice.refresh_from_db()
    assert invoice.status == "open"


def test_a_tampered_body_is_refused_and_nothing_applied(
    past_due: tuple[Subscription, Invoice], fake_stripe: FakeStripe, client: Client
) -> None:
    _, invoice = past_due
    intent = intent_of(fake_stripe, invoice)
    payload = json.dumps(stripe_event("payment_intent.succeeded", succeeded(intent))).encode()
    header = signature(payload)
    tampered = payload.replace(b'"amount_received": 9000', b'"amount_received": 1')
    assert tampered != payload
    response = client.post(WEBHOOK_URL, data=tampered, content_type="application/json", HTTP_STRIPE_SIGNATURE=header)
    assert response.status_code == 400
    assert not StripeEvent.objects.exists()
    invoice.refresh_from_db()
    assert invoice.status == "open"


@pytest.mark.parametrize("header", ["", "t=1,v1=00", "garbage"])
def test_an_unsigned_or_badly_signed_request_is_refused(
    fake_stripe: FakeStripe, client: Client, db: None, header: str
) -> None:
    payload = json.dumps(stripe_event("customer.updated", fixture("customer"))).encode()
    response = client.post(WEBHOOK_URL, data=payload, content_type="application/json", HTTP_STRIPE_SIGNATURE=header)
    assert response.status_code == 400
    assert not StripeEvent.objects.exists()


def test_a_signature_with_another_secret_is_refused(fake_stripe: FakeStripe, client: Client, db: None) -> None:
    payload = json.dumps(stripe_event("customer.updated", fixture("customer"))).encode()
    header = signature(payload, secret="whsec_someone_else")
    response = client.post(WEBHOOK_URL, data=payload, content_type="application/json", HTTP_STRIPE_SIGNATURE=header)
    assert response.status_code == 400


def test_a_signed_body_that_is_not_an_event_is_refused(fake_stripe: FakeStripe, client: Client, db: None) -> None:
    payload = b'{"object": "customer"}'
    response = client.post(
        WEBHOOK_URL, data=payload, content_type="application/json", HTTP_STRIPE_SIGNATURE=signature(payload)
    )
    assert (response.status_code, response.json()["code"]) == (400, "malformed")


def test_the_endpoint_needs_no_session_nor_csrf_token_but_a_post(fake_stripe: FakeStripe, db: None) -> None:
    strict = Client(enforce_csrf_checks=True)
    assert deliver_event(strict, stripe_event("customer.updated", fixture("customer"))).status_code == 200
    assert strict.get(WEBHOOK_URL).status_code == 405


def test_without_stripe_configured_there_is_no_endpoint(client: Client, settings: Any, db: None) -> None:
    settings.STINT_STRIPE_WEBHOOK_SECRET = ""
    assert deliver_event(client, stripe_event("customer.updated", fixture("customer"))).status_code == 404


# --- any order ---------------------------------------------------------------------------------------------------


def final_state(account: Account) -> dict[str, Any]:
    return {
        "invoices": sorted(
            Invoice.objects.filter(account=account).values_list("number", "status", "amount_paid_minor")
        ),
        "payments": sorted(
            Payment.objects.filter(account=account).values_list("kind", "status", "amount_minor", "reference")
        ),
        "subscription": Subscription.objects.get(account=account).status,
        "stripe_events": sorted(StripeEvent.objects.values_list("event_id", "outcome", "account_id")),
        "account_events": Counter(AccountEvent.objects.filter(account=account).values_list("type", flat=True)),
    }


class Rollback(Exception):
    pass


def test_events_in_any_order_end_in_the_same_state(
    past_due: tuple[Subscription, Invoice], fake_stripe: FakeStripe, frozen: FrozenClock, client: Client, alice: Person
) -> None:
    subscription, invoice = past_due
    failed = intent_of(fake_stripe, invoice)
    now = int(time.time())
    dispute = fixture("dispute")
    dispute.update(amount=failed["amount"], charge=failed["latest_charge"], payment_intent=failed["id"])
    expiring = fixture("source_card")
    expiring["customer"] = subscription.card_reference.split("/")[0]
    detached = fixture("payment_method")  # a card that is not on file
    events = [
        stripe_event("payment_intent.payment_failed", failed, created=now - 600),
        stripe_event("payment_intent.succeeded", succeeded(failed), created=now - 500),
        # A refund made in Stripe's dashboard, after the success: no credit note in Stint for it.
        stripe_event("charge.refunded", charge_of(succeeded(failed), refunded=2000), created=now - 400),
        stripe_event("charge.dispute.created", dispute, created=now - 300),
        stripe_event("customer.source.expiring", expiring, created=now - 200),
        stripe_event("payment_method.detached", detached, created=now - 100),
        stripe_event("customer.updated", fixture("customer"), created=now),
    ]
    orders = [list(events), list(reversed(events))]
    for seed in range(4):
        shuffled = list(events)
        random.Random(seed).shuffle(shuffled)
        orders.append(shuffled)
    start = frozen.now()
    states = []
    for order in orders:
        try:
            with transaction.atomic():
                codes = {event["type"]: deliver_event(client, event).status_code for event in order}
                # Stripe delivers again what was not acknowledged (and sometimes what was).
                frozen.advance(11 * 60)
                again = {event["type"]: deliver_event(client, event).status_code for event in reversed(order)}
                states.append((codes, again, final_state(alice.account)))
                raise Rollback
        except Rollback:
            frozen.set(start)
    codes, again, state = states[0]
    assert codes["payment_intent.succeeded"] == 200
    assert codes["charge.refunded"] == 409  # waits for Stint's own refund, which never comes
    assert set(again.values()) == {200}
    assert {number: status for number, status, _ in state["invoices"]}[invoice.number] == "paid"
    assert state["subscription"] == Subscription.Status.ACTIVE
    assert state["account_events"]["payment.succeeded"] == 2  # the purchase, and the late success once
    assert {event_id: result for event_id, result, _ in state["stripe_events"]} == {
        events[0]["id"]: "no_change",
        events[1]["id"]: "applied",
        events[2]["id"]: "needs_attention",
        events[3]["id"]: "needs_attention",
        events[4]["id"]: "no_change",
        events[5]["id"]: "no_change",
        events[6]["id"]: "ignored",
    }
    for other_codes, other_again, other_state in states[1:]:
        assert other_state == state
        assert other_codes["charge.refunded"] == 409 and set(other_again.values()) == {200}
