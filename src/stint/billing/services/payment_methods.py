"""Payment methods as people give them: a card (checked and saved with the gateway), bank transfer or check."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from stint.billing.gateways import CardDetails, CardRefused, SavedCard, gateway
from stint.billing.gateways.cards import card_label
from stint.billing.models import Interval, PaymentMethodType, Subscription
from stint.core.errors import Invalid

OFFLINE_METHODS = (PaymentMethodType.BANK_TRANSFER, PaymentMethodType.CHECK)


@dataclass(frozen=True)
class PaymentMethodChoice:
    type: str
    card: SavedCard | None = None


def _card_field(data: dict[str, Any], name: str) -> Any:
    value = data.get(name)
    if value in (None, ""):
        raise Invalid(f"Enter the card's {name.replace('_', ' ')}.", "card_incomplete", field=f"payment_method.{name}")
    return value


def _card_int(data: dict[str, Any], name: str) -> int:
    value = _card_field(data, name)
    try:
        return int(str(value).strip())
    except ValueError:
        raise Invalid(
            f"The card's {name.replace('_', ' ')} must be a number.", "card_invalid", field=f"payment_method.{name}"
        ) from None


def _card_save(data: dict[str, Any], *, subscription: Subscription | None) -> SavedCard:
    """A card typed into our form (sandbox), or a token from Stripe's card form (`{"type": "card", "token"}`)."""
    card_gateway = gateway()
    token = data.get("token")
    if token not in (None, ""):
        save_token = getattr(card_gateway, "card_save_token", None)
        if save_token is None or subscription is None:
            raise Invalid(
                "This server does not take cards from Stripe's card form: enter the card's number, expiry and CVC.",
                "card_token_not_supported",
                field="payment_method.token",
            )
        # One Stripe customer per account: the card on file names it (its reference is `cus_.../pm_...`).
        previous = subscription.card_reference if subscription.gateway == card_gateway.name else ""
        saved: SavedCard = save_token(token=str(token), account=subscription.account, previous_reference=previous)
        return saved
    details = CardDetails(
        number=str(_card_field(data, "number")),
        exp_month=_card_int(data, "exp_month"),
        exp_year=_card_int(data, "exp_year"),
        cvc=str(_card_field(data, "cvc")),
    )
    return card_gateway.card_save(card=details)


def payment_method_prepare(
    *, data: dict[str, Any], interval: str, subscription: Subscription | None = None
) -> PaymentMethodChoice:
    """Check a payment method for a plan billed by `interval`; a card is saved with the gateway (only its brand,
    last four digits and expiry come back to us). Cards from Stripe's card form need `subscription` (locked by the
    caller): they are saved on the account's one Stripe customer."""
    kind = data.get("type")
    if kind == PaymentMethodType.CARD:
        try:
            return PaymentMethodChoice(type=kind, card=_card_save(data, subscription=subscription))
        except CardRefused as refused:
            refused.field = f"payment_method.{refused.field}" if refused.field else "payment_method"
            raise
    if kind in OFFLINE_METHODS:
        if interval != Interval.YEAR:
            raise Invalid(
                "Bank transfer and check are available for annual plans only: choose the annual interval, or pay "
                "monthly by card.",
                "payment_method_not_available",
                field="payment_method",
            )
        return PaymentMethodChoice(type=kind)
    raise Invalid(
        "The payment method's type is 'card', 'bank_transfer' or 'check'.", "unknown_payment_method",
        field="payment_method.type",
    )  # fmt: skip


def payment_method_apply(subscription: Subscription, choice: PaymentMethodChoice) -> None:
    subscription.payment_method_type = choice.type
    card = choice.card
    subscription.gateway = gateway().name if card else ""
    subscription.card_reference = card.reference if card else ""
    subscription.card_brand = card.brand if card else ""
    subscription.card_last4 = card.last4 if card else ""
    subscription.card_exp_month = card.exp_month if card else None
    subscription.card_exp_year = card.exp_year if card else None


def payment_method_label(subscription: Subscription) -> str:
    if subscription.payment_method_type == PaymentMethodType.CARD:
        return card_label(subscription.card_brand, subscription.card_last4)
    return subscription.get_payment_method_type_display() or "none"
