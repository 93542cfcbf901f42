"""The Stripe gateway against a server that answers like Stripe: cards saved from Stripe.js tokens on one customer per
account (Visa, MasterCard and Amex only), off-session charges confirmed at once with our idempotency key, declines
with Stripe's decline codes, refunds once per key."""

from __future__ import annotations

from typing import Any

import pytest

from stint.billing.gateways import CardDetails, CardRefused, ChargeFailed, gateway
from stint.billing.gateways.sandbox import IdempotencyKeyReused
from stint.billing.gateways.stripe import StripeGateway, reference_split
from stint.core.errors import Conflict, NotFound
from tests.billing.stripe.fake_stripe import FakeStripe
from tests.conftest import Person

KEY = "INV-2026-000007:3f9c2a:charge:1"


def saved_reference(gateway: StripeGateway, person: Person, card: str = "tok_visa", previous: str = "") -> str:
    return gateway.card_save_token(token=card, account=person.account, previous_reference=previous).reference


# --- configuration -----------------------------------------------------------------------------------------------


def test_the_factory_answers_the_stripe_gateway_when_configured(fake_stripe: FakeStripe) -> None:
    assert isinstance(gateway(), StripeGateway)
    assert gateway().name == "stripe"


def test_it_needs_the_secret_key(fake_stripe: FakeStripe, settings: Any) -> None:
    settings.STINT_STRIPE_SECRET_KEY = ""
    with pytest.raises(RuntimeError, match="STINT_STRIPE_SECRET_KEY"):
        gateway()


# --- saving cards ------------------------------------------------------------------------------------------------


def test_it_saves_a_card_from_a_token_with_what_stripe_answers(
    stripe_gateway: StripeGateway, fake_stripe: FakeStripe, alice: Person
) -> None:
    saved = stripe_gateway.card_save_token(token="tok_visa", account=alice.account)
    customer, method = reference_split(saved.reference) or ("", "")
    assert (saved.brand, saved.last4, saved.exp_month, saved.exp_year) == ("visa", "4242", 12, 2034)
    assert fake_stripe.methods[method]["customer"] == customer
    created = fake_stripe.posts("/v1/customers")
    assert len(created) == 1
    assert created[0].params["metadata[stint_account]"] == str(alice.account.pk)
    assert created[0].params["email"] == "alice@example.com"
    assert created[0].idempotency_key  # two saves at once cannot make two customers
    token_exchange = fake_stripe.posts("/v1/payment_methods")[0]
    assert token_exchange.params == {"type": "card", "card[token]": "tok_visa"}


def test_every_card_of_an_account_goes_to_its_one_customer(
    stripe_gateway: StripeGateway, fake_stripe: FakeStripe, alice: Person, charlie: Person
) -> None:
    first = saved_reference(stripe_gateway, alice)
    second = saved_reference(stripe_gateway, alice, "tok_mastercard", previous=first)
    third = saved_reference(stripe_gateway, alice, "pm_card_amex")  # the card on file was forgotten: Stripe knows
    others = saved_reference(stripe_gateway, charlie)
    customers = {reference_split(ref)[0] for ref in (first, second, third)}  # type: ignore[index]
    assert len(customers) == 1
    assert reference_split(others)[0] not in customers  # type: ignore[index]
    assert len(fake_stripe.customers) == 2


@pytest.mark.parametrize(
    ("token", "brand", "last4"),
    [("tok_mastercard", "mastercard", "4444"), ("tok_amex", "amex", "0005"), ("pm_card_visa", "visa", "4242")],
)
def test_it_accepts_visa_mastercard_and_amex_tokens_and_payment_methods(
    stripe_gateway: StripeGateway, alice: Person, token: str, brand: str, last4: str
) -> None:
    saved = stripe_gateway.card_save_token(token=token, account=alice.account)
    assert (saved.brand, saved.last4) == (brand, last4)


@pytest.mark.parametrize("token", ["tok_discover", "pm_card_jcb"])
def test_it_refuses_other_brands_before_attaching_them(
    stripe_gateway: StripeGateway, fake_stripe: FakeStripe, alice: Person, token: str
) -> None:
    with pytest.raises(CardRefused) as refused:
        stripe_gateway.card_save_token(token=token, account=alice.account)
    assert refused.value.code == "card_brand_not_accepted"
    assert refused.value.status == 422
    assert "Visa, MasterCard and American Express" in refused.value.detail
    assert not [r for r in fake_stripe.requests if r.path.endswith("/attach")]


@pytest.mark.parametrize(
    ("token", "code"),
    [("tok_chargeDeclined", "generic_decline"), ("tok_chargeDeclinedInsufficientFunds", "insufficient_funds")],
)
def test_a_card_the_bank_refuses_is_not_saved(
    stripe_gateway: StripeGateway, alice: Person, token: str, code: str
) -> None:
    with pytest.raises(ChargeFailed) as failed:
        stripe_gateway.card_save_token(token=token, account=alice.account)
    assert (failed.value.status, failed.value.code) == (402, code)
    assert "please use another card" in failed.value.detail


@pytest.mark.parametrize("token", ["tok_unknown", "pm_unknown"])
def test_an_unknown_token_asks_for_the_card_again(stripe_gateway: StripeGateway, alice: Person, token: str) -> None:
    with pytest.raises(CardRefused) as refused:
        stripe_gateway.card_save_token(token=token, account=alice.account)
    assert refused.value.code == "card_token_invalid"


def test_something_else_than_a_token_is_not_sent_to_stripe(
    stripe_gateway: StripeGateway, fake_stripe: FakeStripe, alice: Person
) -> None:
    with pytest.raises(CardRefused) as refused:
        stripe_gateway.card_save_token(token="4242424242424242", account=alice.account)
    assert refused.value.code == "card_token_invalid"
    assert fake_stripe.requests == []


def test_card_numbers_are_refused_with_stripe(stripe_gateway: StripeGateway, fake_stripe: FakeStripe) -> None:
    with pytest.raises(CardRefused) as refused:
        stripe_gateway.card_save(card=CardDetails(number="4242424242424242", exp_month=12, exp_year=2030, cvc="123"))
    assert refused.value.code == "card_token_required"
    assert fake_stripe.requests == []


def test_a_payment_method_of_another_customer_is_refused(
    stripe_gateway: StripeGateway, alice: Person, charlie: Person
) -> None:
    charlies = reference_split(saved_reference(stripe_gateway, charlie))
    assert charlies is not None
    with pytest.raises(CardRefused) as refused:
        stripe_gateway.card_save_token(token=charlies[1], account=alice.account)
    assert refused.value.code == "card_token_invalid"


# --- charges -----------------------------------------------------------------------------------------------------


def test_a_charge_is_an_off_session_payment_intent_confirmed_at_once(
    stripe_gateway: StripeGateway, fake_stripe: FakeStripe, alice: Person
) -> None:
    reference = saved_reference(stripe_gateway, alice)
    result = stripe_gateway.charge(card_reference=reference, amount_minor=900, currency="USD", idempotency_key=KEY)
    assert result.reference.startswith("pi_")
    assert (result.amount_minor, result.currency) == (900, "USD")
    [sent] = fake_stripe.posts("/v1/payment_intents")
    customer, method = reference.split("/")
    assert sent.idempotency_key == KEY
    assert sent.params["amount"] == "900"
    assert sent.params["currency"] == "usd"
    assert (sent.params["off_session"], sent.params["confirm"]) == ("true", "true")
    assert (sent.params["customer"], sent.params["payment_method"]) == (customer, method)
    assert sent.params["metadata[stint_idempotency_key]"] == KEY
    assert sent.params["metadata[stint_invoice]"] == "INV-2026-000007"
    assert sent.headers["authorization"].startswith("Bearer sk_test_")
    assert sent.headers["stripe-version"]


def test_a_declined_charge_answers_the_decline_code_and_a_sentence(
    stripe_gateway: StripeGateway, alice: Person
) -> None:
    reference = saved_reference(stripe_gateway, alice, "tok_chargeCustomerFail")
    with pytest.raises(ChargeFailed) as failed:
        stripe_gateway.charge(card_reference=reference, amount_minor=900, currency="USD", idempotency_key=KEY)
    assert (failed.value.status, failed.value.code) == (402, "generic_decline")
    assert failed.value.detail == "The card was declined by its bank; please use another card, or ask the bank why."


def test_insufficient_funds_are_told_as_such(
    stripe_gateway: StripeGateway, fake_stripe: FakeStripe, alice: Person
) -> None:
    reference = saved_reference(stripe_gateway, alice)
    fake_stripe.decline_next_charge("insufficient_funds")
    with pytest.raises(ChargeFailed) as failed:
        stripe_gateway.charge(card_reference=reference, amount_minor=900, currency="USD", idempotency_key=KEY)
    assert failed.value.code == "insufficient_funds"
    assert "insufficient funds" in failed.value.detail


def test_a_lost_or_stolen_card_is_answered_as_a_generic_decline(
    stripe_gateway: StripeGateway, fake_stripe: FakeStripe, alice: Person
) -> None:
    reference = saved_reference(stripe_gateway, alice)
    fake_stripe.decline_next_charge("lost_card")
    with pytest.raises(ChargeFailed) as failed:
        stripe_gateway.charge(card_reference=reference, amount_minor=900, currency="USD", idempotency_key=KEY)
    assert failed.value.code == "generic_decline"


def test_the_same_key_charges_once_and_stripe_replays_the_answer(
    stripe_gateway: StripeGateway, fake_stripe: FakeStripe, alice: Person
) -> None:
    reference = saved_reference(stripe_gateway, alice)
    first = stripe_gateway.charge(card_reference=reference, amount_minor=900, currency="USD", idempotency_key=KEY)
    again = stripe_gateway.charge(card_reference=reference, amount_minor=900, currency="USD", idempotency_key=KEY)
    assert again == first
    assert [r.idempotency_key for r in fake_stripe.posts("/v1/payment_intents")] == [KEY, KEY]
    assert len(fake_stripe.intents) == 1


def test_a_declined_key_stays_declined(stripe_gateway: StripeGateway, fake_stripe: FakeStripe, alice: Person) -> None:
    reference = saved_reference(stripe_gateway, alice)
    fake_stripe.decline_next_charge("insufficient_funds")
    for _ in range(2):
        with pytest.raises(ChargeFailed) as failed:
            stripe_gateway.charge(card_reference=reference, amount_minor=900, currency="USD", idempotency_key=KEY)
        assert failed.value.code == "insufficient_funds"
    assert len(fake_stripe.intents) == 1


def test_a_lost_answer_is_asked_again_with_the_same_key_and_charges_once(
    stripe_gateway: StripeGateway, fake_stripe: FakeStripe, alice: Person
) -> None:
    reference = saved_reference(stripe_gateway, alice)
    fake_stripe.lose_answers(1)
    result = stripe_gateway.charge(card_reference=reference, amount_minor=900, currency="USD", idempotency_key=KEY)
    assert result.amount_minor == 900
    assert [r.idempotency_key for r in fake_stripe.posts("/v1/payment_intents")] == [KEY, KEY]
    assert len(fake_stripe.intents) == 1


def test_a_key_used_again_for_another_amount_is_a_bug(stripe_gateway: StripeGateway, alice: Person) -> None:
    reference = saved_reference(stripe_gateway, alice)
    stripe_gateway.charge(card_reference=reference, amount_minor=900, currency="USD", idempotency_key=KEY)
    with pytest.raises(IdempotencyKeyReused):
        stripe_gateway.charge(card_reference=reference, amount_minor=901, currency="USD", idempotency_key=KEY)


def test_stripe_out_of_reach_is_a_failed_charge_to_try_again(
    stripe_gateway: StripeGateway, fake_stripe: FakeStripe, alice: Person
) -> None:
    reference = saved_reference(stripe_gateway, alice)
    fake_stripe.outage()
    with pytest.raises(ChargeFailed) as failed:
        stripe_gateway.charge(card_reference=reference, amount_minor=900, currency="USD", idempotency_key=KEY)
    assert failed.value.code == "processing_error"
    assert "try again in a few minutes" in failed.value.detail
    assert {r.idempotency_key for r in fake_stripe.posts("/v1/payment_intents")} == {KEY}


def test_a_card_of_another_gateway_is_not_on_file(stripe_gateway: StripeGateway, fake_stripe: FakeStripe) -> None:
    with pytest.raises(ChargeFailed) as failed:
        stripe_gateway.charge(card_reference="card_0a1b2c", amount_minor=900, currency="USD", idempotency_key=KEY)
    assert failed.value.code == "card_not_found"
    assert fake_stripe.requests == []


def test_a_payment_method_removed_at_stripe_is_not_on_file(stripe_gateway: StripeGateway, alice: Person) -> None:
    customer, _ = reference_split(saved_reference(stripe_gateway, alice)) or ("", "")
    with pytest.raises(ChargeFailed) as failed:
        stripe_gateway.charge(
            card_reference=f"{customer}/pm_gone", amount_minor=900, currency="USD", idempotency_key=KEY
        )
    assert failed.value.code == "card_not_found"


# --- refunds -----------------------------------------------------------------------------------------------------


def test_a_refund_pays_back_part_of_a_charge_once_per_key(
    stripe_gateway: StripeGateway, fake_stripe: FakeStripe, alice: Person
) -> None:
    reference = saved_reference(stripe_gateway, alice)
    charge = stripe_gateway.charge(card_reference=reference, amount_minor=900, currency="USD", idempotency_key=KEY)
    refund = stripe_gateway.refund(charge_reference=charge.reference, amount_minor=300, idempotency_key="CN-1:refund")
    again = stripe_gateway.refund(charge_reference=charge.reference, amount_minor=300, idempotency_key="CN-1:refund")
    assert refund == again
    assert refund.reference.startswith("re_") and refund.amount_minor == 300
    sent = fake_stripe.posts("/v1/refunds")
    assert [r.idempotency_key for r in sent] == ["CN-1:refund", "CN-1:refund"]
    assert sent[0].params["payment_intent"] == charge.reference
    assert sent[0].params["amount"] == "300"
    assert len(fake_stripe.refunds) == 1


def test_a_refund_never_exceeds_what_is_left(stripe_gateway: StripeGateway, alice: Person) -> None:
    reference = saved_reference(stripe_gateway, alice)
    charge = stripe_gateway.charge(card_reference=reference, amount_minor=900, currency="USD", idempotency_key=KEY)
    stripe_gateway.refund(charge_reference=charge.reference, amount_minor=600, idempotency_key="CN-1:refund")
    with pytest.raises(Conflict) as conflict:
        stripe_gateway.refund(charge_reference=charge.reference, amount_minor=301, idempotency_key="CN-2:refund")
    assert conflict.value.code == "refund_exceeds_charge"
    stripe_gateway.refund(charge_reference=charge.reference, amount_minor=300, idempotency_key="CN-3:refund")
    with pytest.raises(Conflict):
        stripe_gateway.refund(charge_reference=charge.reference, amount_minor=1, idempotency_key="CN-4:refund")


def test_a_refund_of_an_unknown_charge_is_not_found(stripe_gateway: StripeGateway) -> None:
    with pytest.raises(NotFound) as missing:
        stripe_gateway.refund(charge_reference="pi_unknown", amount_minor=100, idempotency_key="CN-1:refund")
    assert missing.value.code == "charge_not_found"
