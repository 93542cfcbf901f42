"""The Stripe gateway under test talks to `FakeStripe` (a local server), never to the network; webhooks are signed
here the way Stripe signs them."""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import time
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from django.db import transaction
from django.test import Client

from stint.accounts.models import Account
from stint.billing.gateways import SavedCard, gateway
from stint.billing.gateways.stripe import StripeGateway
from stint.billing.models import Invoice, Subscription
from stint.billing.services import subscription_purchase
from stint.billing.services.collection import invoice_payment_record
from stint.billing.services.payment_methods import PaymentMethodChoice, payment_method_apply
from stint.core import clock
from tests.billing.stripe.fake_stripe import SECRET_KEY, FakeStripe, fixture
from tests.conftest import Person

WEBHOOK_SECRET = "whsec_test_stint_fake_signing_secret"
PUBLISHABLE_KEY = "pk_test_stint_fake_0123456789"
WEBHOOK_URL = "/webhooks/stripe/"

_event_ids = itertools.count(1)


@pytest.fixture(scope="session")
def stripe_server() -> Iterator[FakeStripe]:
    server = FakeStripe()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def fake_stripe(stripe_server: FakeStripe, settings: Any) -> FakeStripe:
    """STINT_PAYMENT_GATEWAY=stripe, pointed at the fake server, with empty state."""
    stripe_server.reset()
    settings.STINT_PAYMENT_GATEWAY = "stripe"
    settings.STINT_STRIPE_SECRET_KEY = SECRET_KEY
    settings.STINT_STRIPE_PUBLISHABLE_KEY = PUBLISHABLE_KEY
    settings.STINT_STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET
    settings.STINT_STRIPE_API_BASE = stripe_server.url
    return stripe_server


@pytest.fixture
def stripe_gateway(fake_stripe: FakeStripe) -> StripeGateway:
    found = gateway()
    assert isinstance(found, StripeGateway)
    return found


# --- webhooks ----------------------------------------------------------------------------------------------------


def stripe_event(type: str, obj: dict[str, Any], *, created: int | None = None) -> dict[str, Any]:
    event = fixture("event")
    event.update(id=f"evt_fake{next(_event_ids):010d}", type=type, created=created or int(time.time()))
    event["data"] = {"object": obj}
    return event


def signature(payload: bytes, *, secret: str = WEBHOOK_SECRET, at: int | None = None) -> str:
    """Stripe's `Stripe-Signature` header: `t=<unix time>,v1=<HMAC-SHA256 of "t.payload">`."""
    at = int(time.time()) if at is None else at
    digest = hmac.new(secret.encode(), f"{at}.".encode() + payload, hashlib.sha256).hexdigest()
    return f"t={at},v1={digest}"


def deliver_event(client: Client, event: dict[str, Any], *, at: int | None = None) -> Any:
    payload = json.dumps(event).encode()
    return client.post(
        WEBHOOK_URL, data=payload, content_type="application/json", HTTP_STRIPE_SIGNATURE=signature(payload, at=at)
    )


# --- accounts paying with Stripe -----------------------------------------------------------------------------------


def card_on_file(account: Account, card: str = "tok_visa") -> SavedCard:
    """Save a Stripe card and make it the subscription's payment method: what `payment_method_prepare` +
    `payment_method_apply` do with `{"type": "card", "token": ...}` once payment_methods.py passes tokens on."""
    with transaction.atomic():
        subscription = Subscription.objects.select_for_update().select_related("account").get(account=account)
        found = gateway()
        assert isinstance(found, StripeGateway)
        saved = found.card_save_token(token=card, account=account, previous_reference=subscription.card_reference)
        payment_method_apply(subscription, PaymentMethodChoice(type="card", card=saved))
        subscription.save()
    return saved


def subscribed_with_stripe_card(person: Person, card: str = "tok_visa") -> Subscription:
    """Regular, annual, bought by check (paid, recorded by sales), then a Stripe card put on file: from here on
    every charge and refund of the account goes through Stripe."""
    subscription, invoice = subscription_purchase(
        account=person.account, actor=person.user, plan="regular", interval="year", payment_method={"type": "check"}
    )
    invoice_payment_record(
        invoice_id=invoice.pk,
        amount_minor=invoice.amount_due_minor,
        reference="check 1001",
        paid_at=clock.now(),
        actor=person.user,
    )
    card_on_file(person.account, card)
    subscription.refresh_from_db()
    return subscription


def renewal_declined(subscription: Subscription, fake: FakeStripe, frozen: Any) -> Invoice:
    """Move to the end of the period and let the renewal's charge be declined: the invoice stays open, past due."""
    from stint.billing.services import billing_tick

    assert subscription.current_period_end is not None
    frozen.set(subscription.current_period_end + timedelta(minutes=1))
    fake.decline_next_charge("insufficient_funds")
    billing_tick()
    invoice = Invoice.objects.get(billing_reason="renewal")
    assert invoice.status == Invoice.Status.OPEN
    return invoice
