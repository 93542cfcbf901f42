"""The gateway interface the billing engine talks to; adapters (sandbox, Stripe) implement it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from stint.core.errors import Invalid, PaymentRequired


@dataclass(frozen=True)
class CardDetails:
    """What a person typed; lives only for the request, never stored or logged."""

    number: str
    exp_month: int
    exp_year: int
    cvc: str

    def __repr__(self) -> str:  # a traceback or log line must never carry the number or the CVC
        return f"CardDetails(last4={self.number[-4:]!r}, exp={self.exp_month}/{self.exp_year})"


@dataclass(frozen=True)
class SavedCard:
    """What we keep of a card: the gateway's reference, brand, last four digits and expiry."""

    reference: str
    brand: str  # "visa", "mastercard" or "amex"
    last4: str
    exp_month: int
    exp_year: int


@dataclass(frozen=True)
class ChargeResult:
    reference: str
    amount_minor: int
    currency: str


@dataclass(frozen=True)
class RefundResult:
    reference: str
    amount_minor: int


class CardRefused(Invalid):
    """The card details are wrong (number, brand, expiry, CVC): 422 naming the field."""

    default_code = "card_invalid"


class ChargeFailed(PaymentRequired):
    """The network declined: 402 with the decline code (`card_declined`, `insufficient_funds`, ...)."""

    default_code = "card_declined"


class Gateway(Protocol):
    name: str

    def card_save(self, *, card: CardDetails) -> SavedCard:
        """Check and store a card with the network; raises CardRefused (422) or ChargeFailed (402)."""
        ...

    def charge(self, *, card_reference: str, amount_minor: int, currency: str, idempotency_key: str) -> ChargeResult:
        """Charge a saved card; the same idempotency key answers the first result and never charges twice.
        Raises ChargeFailed."""
        ...

    def refund(self, *, charge_reference: str, amount_minor: int, idempotency_key: str) -> RefundResult:
        """Refund (part of) a charge, idempotently; never more than was charged and not yet refunded."""
        ...
