"""The sandbox gateway: a card network in our own database, for development, tests and demos.

It checks cards the way a real network does (see `cards.py`) and follows the public test numbers of API.md:
`4000000000000002` is declined and `4000000000009995` has insufficient funds when saved; `4000000000000341` is saved
but every charge on it fails; any other valid Visa, MasterCard or American Express number succeeds.

Charges and refunds are idempotent like a real gateway's: the unique idempotency key columns decide which of two
concurrent calls wins, and the loser answers the winner's result. Failed charges are recorded too, so a replay fails
the same way. Work happens in savepoints, so a caller's transaction survives a lost race.

Only the brand, the last four digits and the expiry of a card are stored; never the number or the CVC.
"""

from __future__ import annotations

import secrets

from django.db import IntegrityError, transaction
from django.db.models import F

from stint.billing.gateways.base import CardDetails, ChargeFailed, ChargeResult, RefundResult, SavedCard
from stint.billing.gateways.cards import card_brand, card_check
from stint.billing.models import SandboxCard, SandboxCharge, SandboxRefund
from stint.core import clock
from stint.core.errors import Conflict, NotFound
from stint.core.money import Money, currency_exponent

__all__ = ["IdempotencyKeyReused", "SandboxGateway", "card_brand"]

# Public test numbers: declined when saved, with the decline code a real network answers.
DECLINED_AT_SAVE = {"4000000000000002": "card_declined", "4000000000009995": "insufficient_funds"}
# Saved, but every charge on it fails.
CHARGES_FAIL = {"4000000000000341"}

FAILURE_DETAILS = {
    "card_declined": "The card was declined by its bank; please use another card, or ask the bank why.",
    "insufficient_funds": "The card was declined for insufficient funds; please use another card.",
    "card_not_found": "This card is no longer on file; please enter the card again.",
}

MAX_KEY_LENGTH = SandboxCharge._meta.get_field("idempotency_key").max_length or 120


class IdempotencyKeyReused(ValueError):
    """An idempotency key came back with a different request (card, amount, currency or charge).

    Keys are derived from our own documents, so this is a bug in the caller, not something a person can fix:
    a ValueError (a 500 and a traceback), not a StintError.
    """


class SandboxGateway:
    name = "sandbox"

    def card_save(self, *, card: CardDetails) -> SavedCard:
        """Check `card` and keep its brand, last four digits and expiry; raises CardRefused or ChargeFailed."""
        checked = card_check(card, now=clock.now())
        decline = DECLINED_AT_SAVE.get(checked.number)
        if decline:
            raise ChargeFailed(FAILURE_DETAILS[decline], decline)
        behaviour = (
            SandboxCard.Behaviour.CHARGE_FAILS if checked.number in CHARGES_FAIL else SandboxCard.Behaviour.SUCCEED
        )
        saved = SandboxCard.objects.create(
            reference=_reference("card"),
            brand=checked.brand,
            last4=checked.last4,
            exp_month=checked.exp_month,
            exp_year=checked.exp_year,
            behaviour=behaviour,
            created_at=clock.now(),
        )
        return SavedCard(
            reference=saved.reference,
            brand=saved.brand,
            last4=saved.last4,
            exp_month=saved.exp_month,
            exp_year=saved.exp_year,
        )

    def charge(self, *, card_reference: str, amount_minor: int, currency: str, idempotency_key: str) -> ChargeResult:
        """Charge a saved card once per idempotency key; a replay answers the first result, success or failure."""
        _require_positive(amount_minor)
        currency = _currency(currency)
        _require_key(idempotency_key)
        with transaction.atomic():
            charge = _charge_by_key(idempotency_key)
            if charge is None:
                card = SandboxCard.objects.filter(reference=card_reference).first()
                if card is None:
                    raise ChargeFailed(FAILURE_DETAILS["card_not_found"], "card_not_found")
                failure = "" if card.behaviour == SandboxCard.Behaviour.SUCCEED else "card_declined"
                try:
                    with transaction.atomic():
                        charge = SandboxCharge.objects.create(
                            reference=_reference("ch"),
                            card=card,
                            idempotency_key=idempotency_key,
                            amount_minor=amount_minor,
                            currency=currency,
                            succeeded=not failure,
                            failure_code=failure,
                            created_at=clock.now(),
                        )
                except IntegrityError:
                    charge = _charge_by_key(idempotency_key)  # a concurrent call with the same key won
                    if charge is None:
                        raise
        # Outside the atomic block: a failed charge stays recorded when we raise.
        if (charge.card.reference, charge.amount_minor, charge.currency) != (card_reference, amount_minor, currency):
            raise IdempotencyKeyReused(
                f"Idempotency key {idempotency_key!r} was first used for charge {charge.reference} "
                f"of {Money(charge.amount_minor, charge.currency).format()} on card {charge.card.reference}."
            )
        if not charge.succeeded:
            raise ChargeFailed(FAILURE_DETAILS[charge.failure_code], charge.failure_code)
        return ChargeResult(reference=charge.reference, amount_minor=charge.amount_minor, currency=charge.currency)

    def refund(self, *, charge_reference: str, amount_minor: int, idempotency_key: str) -> RefundResult:
        """Refund (part of) a succeeded charge once per idempotency key; never more than is left of it.

        Raises NotFound `charge_not_found`, Conflict `charge_not_refundable` (the charge failed) or Conflict
        `refund_exceeds_charge`.
        """
        _require_positive(amount_minor)
        _require_key(idempotency_key)
        with transaction.atomic():
            refund = _refund_by_key(idempotency_key)
            if refund is None:
                # The row lock serialises refunds of one charge, so two of them cannot both fit in what is left.
                charge = SandboxCharge.objects.select_for_update().filter(reference=charge_reference).first()
                if charge is None:
                    raise NotFound(f"There is no charge {charge_reference} to refund.", "charge_not_found")
                # A call with the same key may have held the lock until it committed its refund.
                refund = _refund_by_key(idempotency_key) or _refund_create(
                    charge=charge, amount_minor=amount_minor, idempotency_key=idempotency_key
                )
        if (refund.charge.reference, refund.amount_minor) != (charge_reference, amount_minor):
            raise IdempotencyKeyReused(
                f"Idempotency key {idempotency_key!r} was first used for refund {refund.reference} "
                f"of {Money(refund.amount_minor, refund.charge.currency).format()} on charge {refund.charge.reference}."
            )
        return RefundResult(reference=refund.reference, amount_minor=refund.amount_minor)


def _refund_create(*, charge: SandboxCharge, amount_minor: int, idempotency_key: str) -> SandboxRefund:
    """Record a refund of the locked `charge`; answers the winner's refund if a concurrent call took the key."""
    if not charge.succeeded:
        raise Conflict(
            f"Charge {charge.reference} did not succeed, so there is nothing to refund.", "charge_not_refundable"
        )
    left = charge.amount_minor - charge.refunded_minor
    if amount_minor > left:
        raise Conflict(
            f"Only {Money(left, charge.currency).format()} of charge {charge.reference} "
            f"({Money(charge.amount_minor, charge.currency).format()}) can still be refunded, "
            f"not {Money(amount_minor, charge.currency).format()}.",
            "refund_exceeds_charge",
        )
    try:
        with transaction.atomic():
            refund = SandboxRefund.objects.create(
                reference=_reference("re"),
                charge=charge,
                idempotency_key=idempotency_key,
                amount_minor=amount_minor,
                created_at=clock.now(),
            )
            SandboxCharge.objects.filter(pk=charge.pk).update(refunded_minor=F("refunded_minor") + amount_minor)
    except IntegrityError:
        winner = _refund_by_key(idempotency_key)
        if winner is None:
            raise
        return winner
    return refund


def _charge_by_key(key: str) -> SandboxCharge | None:
    return SandboxCharge.objects.select_related("card").filter(idempotency_key=key).first()


def _refund_by_key(key: str) -> SandboxRefund | None:
    return SandboxRefund.objects.select_related("charge").filter(idempotency_key=key).first()


def _reference(prefix: str) -> str:
    return f"{prefix}_{secrets.token_hex(12)}"


def _require_positive(amount_minor: int) -> None:
    # The billing engine never charges or refunds nothing (see "minimum charge"): a bad amount is a bug.
    if not isinstance(amount_minor, int) or isinstance(amount_minor, bool) or amount_minor <= 0:
        raise ValueError(f"amount_minor must be a positive whole number of minor units, not {amount_minor!r}.")


def _currency(currency: str) -> str:
    currency_exponent(currency)  # raises CurrencyError (a ValueError) for anything but an ISO 4217 code
    return currency.upper()


def _require_key(key: str) -> None:
    if not isinstance(key, str) or not key or len(key) > MAX_KEY_LENGTH:
        raise ValueError(f"An idempotency key is a non-empty string of at most {MAX_KEY_LENGTH} characters.")
