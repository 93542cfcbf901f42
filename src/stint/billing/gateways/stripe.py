"""The Stripe gateway: cards saved as Stripe PaymentMethods on one Stripe customer per account, charged off-session
with PaymentIntents confirmed at once, refunded with Refunds; every write carries our idempotency key.

Card numbers never reach us: the browser turns them into a token (`tok_...`) or a PaymentMethod (`pm_...`) with
Stripe.js, and `card_save_token` keeps only what Stripe answers (brand, last four digits, expiry). What we store as
the card's reference is `cus_.../pm_...`: the customer and the payment method, since the subscription has no column
for the customer (the reference column holds 100 characters; Stripe ids are about 30).

A charge's PaymentIntent carries our idempotency key in its metadata (`stint_idempotency_key`, which starts with the
invoice number), so a webhook about it finds its invoice (see `stint.billing.webhooks`).
"""

from __future__ import annotations

import hashlib
import json
import logging
from functools import lru_cache
from typing import Any

import stripe
from django.conf import settings

from stint.accounts.models import Account
from stint.billing.gateways.base import CardDetails, CardRefused, ChargeFailed, ChargeResult, RefundResult, SavedCard
from stint.billing.gateways.cards import ACCEPTED_BRANDS
from stint.billing.gateways.sandbox import IdempotencyKeyReused
from stint.core.errors import Conflict, NotFound, StintError
from stint.core.money import currency_exponent

__all__ = ["GatewayUnavailable", "StripeGateway", "reference_join", "reference_split"]

log = logging.getLogger(__name__)

# Seconds to connect, then to wait for an answer. Charges happen inside a person's request: a minute and a half of
# Stripe's default is too long to keep them waiting. A lost answer is retried with the same idempotency key.
TIMEOUT = (5.0, 30.0)
NETWORK_RETRIES = 2
MAX_KEY_LENGTH = 255  # Stripe's limit for an idempotency key; ours are shorter (see collection.py)

FAILURE_DETAILS = {
    "generic_decline": "The card was declined by its bank; please use another card, or ask the bank why.",
    "card_declined": "The card was declined by its bank; please use another card, or ask the bank why.",
    "insufficient_funds": "The card was declined for insufficient funds; please use another card.",
    "expired_card": "The card has expired; please enter a card that is still valid.",
    "incorrect_cvc": "The card's security code (CVC) is wrong; please enter the card again.",
    "incorrect_number": "The card number is wrong; please enter the card again.",
    "authentication_required": "The card's bank asks the cardholder to confirm this payment; please enter the card "
    "again while you are here, or use another card.",
    "card_not_found": "This card is no longer on file; please enter the card again.",
    "processing_error": "The card network could not process the payment just now; please try again in a few minutes.",
    "payment_pending": "The card's bank has not confirmed the payment yet; nothing more is needed from you now, "
    "but the invoice stays unpaid until it does.",
}
# Stripe asks that these reasons are not told to the person paying (they help fraudsters): they are logged for
# staff and answered as a generic decline.
HIDDEN_DECLINES = {
    "fraudulent",
    "lost_card",
    "stolen_card",
    "pickup_card",
    "merchant_blacklist",
    "restricted_card",
    "security_violation",
}


class GatewayUnavailable(StintError):
    """Stripe could not be reached (or was overloaded) for something other than a charge: 503, try again."""

    status = 503
    default_code = "gateway_unavailable"


def reference_join(customer: str, payment_method: str) -> str:
    return f"{customer}/{payment_method}"


def reference_split(reference: str) -> tuple[str, str] | None:
    """The customer and payment method ids of a card reference; None for another gateway's reference."""
    customer, _, method = reference.partition("/")
    if customer.startswith("cus_") and method.startswith(("pm_", "card_", "src_")):
        return customer, method
    return None


@lru_cache(maxsize=4)
def _client(api_key: str, api_base: str) -> stripe.StripeClient:
    # One client per configuration (tests switch the configuration); its HTTP sessions are per thread.
    return stripe.StripeClient(
        api_key,
        base_addresses={"api": api_base} if api_base else None,
        http_client=stripe.RequestsClient(timeout=TIMEOUT),
        max_network_retries=NETWORK_RETRIES,
    )


class StripeGateway:
    name = "stripe"

    def __init__(self) -> None:
        api_key = settings.STINT_STRIPE_SECRET_KEY
        if not api_key:
            raise RuntimeError("STINT_PAYMENT_GATEWAY=stripe needs STINT_STRIPE_SECRET_KEY.")
        self.client = _client(api_key, settings.STINT_STRIPE_API_BASE)

    # --- cards -------------------------------------------------------------------------------------------------

    def card_save(self, *, card: CardDetails) -> SavedCard:
        """Card numbers are never sent to our server with Stripe: the card form of the page turns them into a
        token first (PCI DSS keeps card numbers out of servers that are not certified for them)."""
        raise CardRefused(
            "Enter the card in the secure card form: with Stripe, card numbers are not accepted here.",
            "card_token_required",
        )

    def card_save_token(self, *, token: str, account: Account, previous_reference: str = "") -> SavedCard:
        """Save a card from a Stripe.js token (`tok_...`) or PaymentMethod (`pm_...`) on the account's Stripe
        customer. Raises CardRefused (422: malformed token, or a brand we do not accept) or ChargeFailed (402: the
        bank refused the card)."""
        token = token.strip()
        if not token.startswith(("tok_", "pm_")) or len(token) > 255 or not token.isprintable():
            raise CardRefused(
                "The card form sent something that is not a card; please enter the card again.",
                "card_token_invalid",
                field="token",
            )
        try:
            if token.startswith("tok_"):
                method = self.client.v1.payment_methods.create({"type": "card", "card": {"token": token}})
            else:
                method = self.client.v1.payment_methods.retrieve(token)
            card = method.card
            if method.type != "card" or card is None:
                raise CardRefused("This is not a card; please enter a card.", "card_token_invalid", field="token")
            if card.brand not in ACCEPTED_BRANDS:
                raise CardRefused(
                    "We accept Visa, MasterCard and American Express cards only; please use one of those.",
                    "card_brand_not_accepted",
                    field="token",
                )
            customer = self._customer_for(account=account, previous_reference=previous_reference)
            if method.customer is None:
                method = self.client.v1.payment_methods.attach(method.id, {"customer": customer})
            elif _id(method.customer) != customer:
                # A payment method saved for another customer is not this account's to use.
                log.warning("Refused %s: it belongs to another Stripe customer than account %s", token, account.pk)
                raise CardRefused(
                    "This card cannot be used here; please enter the card again.", "card_token_invalid", field="token"
                )
        except stripe.CardError as error:
            raise _charge_failed(error) from None
        except stripe.InvalidRequestError as error:
            if error.code == "resource_missing":
                raise CardRefused(
                    "The card form's answer has expired or is unknown to Stripe; please enter the card again.",
                    "card_token_invalid",
                    field="token",
                ) from None
            raise
        except (stripe.APIConnectionError, stripe.RateLimitError, stripe.APIError) as error:
            log.warning("Stripe unavailable while saving a card: %s", error)
            raise GatewayUnavailable(
                "The card network could not be reached; please try again in a few minutes."
            ) from None
        card = method.card
        assert card is not None
        return SavedCard(
            reference=reference_join(customer, method.id),
            brand=card.brand,
            last4=card.last4,
            exp_month=card.exp_month,
            exp_year=card.exp_year,
        )

    def _customer_for(self, *, account: Account, previous_reference: str) -> str:
        """The account's one Stripe customer: the one of its card on file, else the one Stripe knows by our account
        id, else a new one."""
        known = reference_split(previous_reference)
        if known:
            return known[0]
        found = self.client.v1.customers.search({"query": f"metadata['stint_account']:'{account.pk}'", "limit": 1})
        if found.data:
            return found.data[0].id
        params: dict[str, Any] = {
            "name": account.buyer_name[:256],
            "email": account.owner.email,
            "description": f"Stint account {account.pk}",
            "metadata": {"stint_account": str(account.pk)},
        }
        # Search lags creation by up to a minute: two saves in a row must not make two customers.
        digest = hashlib.sha256(json.dumps(params, sort_keys=True).encode()).hexdigest()[:16]
        customer = self.client.v1.customers.create(
            params,  # type: ignore[arg-type]
            {"idempotency_key": f"stint:customer:{account.pk}:{digest}"},
        )
        return customer.id

    # --- money -------------------------------------------------------------------------------------------------

    def charge(self, *, card_reference: str, amount_minor: int, currency: str, idempotency_key: str) -> ChargeResult:
        """Charge a saved card off-session, confirmed at once; the same key answers the first result (Stripe
        replays it). Raises ChargeFailed with Stripe's decline code."""
        _require_positive(amount_minor)
        _require_key(idempotency_key)
        currency_exponent(currency)  # a CurrencyError (ValueError) for anything but an ISO 4217 code
        ids = reference_split(card_reference)
        if ids is None:
            raise ChargeFailed(FAILURE_DETAILS["card_not_found"], "card_not_found")
        customer, method = ids
        invoice_number = idempotency_key.partition(":")[0]
        params: dict[str, Any] = {
            "amount": amount_minor,
            "currency": currency.lower(),
            "customer": customer,
            "payment_method": method,
            "payment_method_types": ["card"],
            "off_session": True,
            "confirm": True,
            "description": f"Stint invoice {invoice_number}",
            "metadata": {"stint_idempotency_key": idempotency_key, "stint_invoice": invoice_number},
        }
        try:
            intent = self.client.v1.payment_intents.create(
                params,  # type: ignore[arg-type]
                {"idempotency_key": idempotency_key},
            )
        except stripe.CardError as error:
            raise _charge_failed(error) from None
        except stripe.IdempotencyError as error:
            raise IdempotencyKeyReused(f"Idempotency key {idempotency_key!r} was first used for another charge.") from (
                error
            )
        except stripe.InvalidRequestError as error:
            if error.code == "resource_missing":
                raise ChargeFailed(FAILURE_DETAILS["card_not_found"], "card_not_found") from None
            raise
        except (stripe.APIConnectionError, stripe.RateLimitError, stripe.APIError) as error:
            # Stripe may have charged before the answer was lost: the key is kept in our failed payment and the
            # PaymentIntent's metadata, and its webhook reconciles (see stint.billing.webhooks).
            log.warning("Stripe unavailable for charge %s: %s", idempotency_key, error)
            raise ChargeFailed(FAILURE_DETAILS["processing_error"], "processing_error") from None
        if intent.status != "succeeded":
            # Off-session card payments end at once: succeeded, or a card error above. Anything else (a bank
            # that confirms later) is not money yet; its webhook marks the invoice paid if it arrives.
            log.warning("Stripe PaymentIntent %s for %s is %s", intent.id, idempotency_key, intent.status)
            code = "authentication_required" if intent.status == "requires_action" else "payment_pending"
            raise ChargeFailed(FAILURE_DETAILS[code], code)
        if (intent.amount, intent.currency) != (amount_minor, currency.lower()):
            raise IdempotencyKeyReused(
                f"Idempotency key {idempotency_key!r} answered PaymentIntent {intent.id} of {intent.amount} "
                f"{intent.currency}, not {amount_minor} {currency}."
            )
        return ChargeResult(reference=intent.id, amount_minor=intent.amount, currency=intent.currency.upper())

    def refund(self, *, charge_reference: str, amount_minor: int, idempotency_key: str) -> RefundResult:
        """Refund (part of) a PaymentIntent (`pi_...`, what `charge` answers) or charge (`ch_...`), once per key.

        Raises NotFound `charge_not_found`, Conflict `refund_exceeds_charge`, GatewayUnavailable (503)."""
        _require_positive(amount_minor)
        _require_key(idempotency_key)
        target = "charge" if charge_reference.startswith(("ch_", "py_")) else "payment_intent"
        params: dict[str, Any] = {
            target: charge_reference,
            "amount": amount_minor,
            "metadata": {"stint_idempotency_key": idempotency_key},
        }
        try:
            refund = self.client.v1.refunds.create(
                params,  # type: ignore[arg-type]
                {"idempotency_key": idempotency_key},
            )
        except stripe.IdempotencyError as error:
            raise IdempotencyKeyReused(f"Idempotency key {idempotency_key!r} was first used for another refund.") from (
                error
            )
        except stripe.InvalidRequestError as error:
            if error.code == "resource_missing":
                raise NotFound(f"Stripe has no charge {charge_reference} to refund.", "charge_not_found") from None
            if error.code in ("charge_already_refunded", "amount_too_large"):
                raise Conflict(
                    f"Stripe refuses to refund {amount_minor} more of {charge_reference}: {error.user_message}",
                    "refund_exceeds_charge",
                ) from None
            raise
        except (stripe.APIConnectionError, stripe.RateLimitError, stripe.APIError) as error:
            log.warning("Stripe unavailable for refund %s: %s", idempotency_key, error)
            raise GatewayUnavailable(
                "The card network could not be reached to make the refund; nothing was changed, please try again "
                "in a few minutes."
            ) from None
        if refund.amount != amount_minor:
            raise IdempotencyKeyReused(
                f"Idempotency key {idempotency_key!r} answered refund {refund.id} of {refund.amount}, "
                f"not {amount_minor}."
            )
        return RefundResult(reference=refund.id, amount_minor=refund.amount)


def _charge_failed(error: stripe.CardError) -> ChargeFailed:
    """Stripe's card error as our 402: its decline code (or error code), and a sentence a person can act on."""
    details = error.error
    decline = (details.decline_code if details else None) or error.code or "card_declined"
    if decline in HIDDEN_DECLINES:
        log.warning("Stripe declined a card for %s (answered as a generic decline)", decline)
        decline = "generic_decline"
    message = FAILURE_DETAILS.get(decline) or FAILURE_DETAILS.get(error.code or "") or error.user_message
    return ChargeFailed(message or FAILURE_DETAILS["card_declined"], decline)


def _id(value: Any) -> str:
    """An id from a field Stripe answers either as the id or as the expanded object."""
    return value if isinstance(value, str) else str(value.id)


def _require_positive(amount_minor: int) -> None:
    if not isinstance(amount_minor, int) or isinstance(amount_minor, bool) or amount_minor <= 0:
        raise ValueError(f"amount_minor must be a positive whole number of minor units, not {amount_minor!r}.")


def _require_key(key: str) -> None:
    if not isinstance(key, str) or not key or len(key) > MAX_KEY_LENGTH:
        raise ValueError(f"An idempotency key is a non-empty string of at most {MAX_KEY_LENGTH} characters.")
