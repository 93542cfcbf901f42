"""Stripe's webhooks: what Stripe tells us after the fact, checked, applied once, in whatever order it arrives.

Card charges are synchronous (DESIGN.md), so most events only confirm what a request or the billing tick already
recorded. They matter when the answer and the truth part ways: a charge that succeeded after our attempt was
answered as failed (the invoice is still open: it is marked paid here), money taken for an invoice that is void or
unknown, a refund or a dispute made in Stripe's dashboard. Those are kept as `needs_attention` for staff, and logged.

- The signature (`Stripe-Signature`, HMAC-SHA256 with the endpoint's secret) is checked first, with a tolerance of
  five minutes against replays of an old delivery: a stale or tampered request answers 400 and changes nothing.
- Each event is applied once: its id is unique in `StripeEvent`; a redelivery answers 200 and does nothing.
- Order does not matter: each handler moves our state only forward (an open invoice becomes paid, never the
  reverse) and decides from the state of the event's object and of our records, not from the order of arrival; an
  older event arriving after a newer one finds nothing left to do.
- An event about a charge or refund we have not recorded may race the request that is making it (Stripe sends the
  webhook before our transaction commits): it answers 409 and Stripe delivers it again later; still unknown after
  `UNMATCHED_WAIT`, it is kept for staff.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import stripe
from django.conf import settings
from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from stint.billing.models import Invoice, Payment, StripeEvent, Subscription
from stint.billing.services.common import event, money, subscription_locked
from stint.billing.services.documents import invoice_outstanding
from stint.billing.services.periods_state import edition_save
from stint.core import clock
from stint.core.errors import Malformed, StintError
from stint.notifications.models import EventType

log = logging.getLogger(__name__)

SIGNATURE_TOLERANCE_S = 300  # Stripe's own default
UNMATCHED_WAIT = timedelta(minutes=10)  # far longer than any request that charges or refunds
RETRY_AFTER_S = 60
Outcome = StripeEvent.Outcome

# <invoice number>:<charge key>:charge:<attempt>, as collection.invoice_collect builds it.
_CHARGE_KEY = re.compile(r"^(?P<number>[^:]+):(?P<charge_key>[^:]*):charge:(?P<attempt>[0-9]+)$")


class SignatureInvalid(StintError):
    status = 400
    default_code = "signature_invalid"


@dataclass(frozen=True)
class Decision:
    outcome: str
    detail: str = ""
    account_id: int | None = None


# --- the endpoint ----------------------------------------------------------------------------------------------


@csrf_exempt  # Stripe signs its requests instead; there is no session
@require_POST
def stripe_webhook(request: HttpRequest) -> HttpResponse:
    secret = settings.STINT_STRIPE_WEBHOOK_SECRET
    if not secret:
        return JsonResponse({"detail": "Stripe is not configured on this server.", "code": "not_found"}, status=404)
    try:
        stripe_event = stripe_event_verify(
            payload=request.body, signature=request.headers.get("Stripe-Signature", ""), secret=secret
        )
    except StintError as error:
        log.warning("Stripe webhook refused: %s", error.detail)
        return JsonResponse({"detail": error.detail, "code": error.code}, status=error.status)
    row = stripe_event_apply(stripe_event=stripe_event, payload=request.body)
    if row.processed_at is None:
        # Any answer but 2xx makes Stripe deliver again; a 409 says "not yet" without an error in the server log.
        response = JsonResponse(
            {"detail": "Not applied yet: please deliver this event again later.", "code": "retry_later"}, status=409
        )
        response["Retry-After"] = str(RETRY_AFTER_S)
        return response
    return JsonResponse({"id": row.event_id, "outcome": row.outcome})


# --- checking and recording ------------------------------------------------------------------------------------


def stripe_event_verify(*, payload: bytes, signature: str, secret: str) -> dict[str, Any]:
    """The event of a signed payload; raises SignatureInvalid (stale, tampered, unsigned) or Malformed.

    Against real time, not the domain clock: Stripe signs with the time of its clock."""
    try:
        stripe.WebhookSignature.verify_header(payload, signature, secret, tolerance=SIGNATURE_TOLERANCE_S)
    except stripe.SignatureVerificationError as error:
        raise SignatureInvalid(f"The Stripe signature does not match: {error.user_message}") from None
    except UnicodeDecodeError:
        raise Malformed("The payload is not UTF-8.") from None
    try:
        data = json.loads(payload)
    except ValueError:
        raise Malformed("The payload is not JSON.") from None
    if not (
        isinstance(data, dict)
        and data.get("object") == "event"
        and isinstance(data.get("id"), str)
        and isinstance(data.get("type"), str)
        and isinstance(data.get("created"), int)
        and isinstance(data.get("data"), dict)
        and isinstance(data["data"].get("object"), dict)
    ):
        raise Malformed("The payload is not a Stripe event.")
    return data


def stripe_event_apply(*, stripe_event: dict[str, Any], payload: bytes) -> StripeEvent:
    """Record the event and apply it, once: a redelivery of a processed event changes nothing. An event that waits
    for our side (see `UNMATCHED_WAIT`) stays unprocessed, and is tried again at its next delivery."""
    digest = hashlib.sha256(payload).hexdigest()
    now = clock.now()
    with transaction.atomic():
        row, first = _event_row(stripe_event, digest=digest, now=now)
        if not first:
            if row.payload_sha256 != digest:
                # Expected: a redelivery differs in `pending_webhooks`. The first payload counts.
                log.debug("Stripe event %s came again with another payload", row.event_id)
            row.deliveries += 1
            if row.processed_at is not None:
                row.save(update_fields=["deliveries"])
                return row
        handler = HANDLERS.get(row.type)
        obj = stripe_event["data"]["object"]
        decision = handler(obj) if handler else Decision(Outcome.IGNORED, "Stint does not act on this type of event.")
        if decision.outcome == Outcome.PENDING and now - row.received_at >= UNMATCHED_WAIT:
            decision = Decision(
                Outcome.NEEDS_ATTENTION,
                f"Still unknown to Stint {UNMATCHED_WAIT.seconds // 60} minutes later: {decision.detail}",
                decision.account_id,
            )
        row.outcome, row.detail = decision.outcome, decision.detail[:500]
        row.account_id = decision.account_id or row.account_id
        row.processed_at = None if decision.outcome == Outcome.PENDING else now
        row.save()
    level = logging.WARNING if row.outcome == Outcome.NEEDS_ATTENTION else logging.INFO
    log.log(level, "Stripe event %s %s: %s. %s", row.event_id, row.type, row.outcome, row.detail)
    return row


def _event_row(stripe_event: dict[str, Any], *, digest: str, now: datetime) -> tuple[StripeEvent, bool]:
    """The event's row, locked, and whether this delivery created it. Two deliveries at once: the second waits on
    the unique id until the first commits, then finds its row."""
    obj = stripe_event["data"]["object"]
    try:
        with transaction.atomic():
            row = StripeEvent.objects.create(
                event_id=stripe_event["id"][:255],
                type=stripe_event["type"][:100],
                object_id=str(obj.get("id", ""))[:255],
                created=datetime.fromtimestamp(stripe_event["created"], UTC),
                livemode=bool(stripe_event.get("livemode")),
                payload_sha256=digest,
                received_at=now,
            )
        return row, True
    except IntegrityError:
        return StripeEvent.objects.select_for_update().get(event_id=stripe_event["id"][:255]), False


# --- what each event changes -----------------------------------------------------------------------------------


def _charge_key(obj: dict[str, Any]) -> str:
    metadata = obj.get("metadata")
    return str(metadata.get("stint_idempotency_key", "")) if isinstance(metadata, dict) else ""


def _invoice_for_key(key: str) -> Invoice | None:
    """The invoice a charge's idempotency key belongs to: through the payment recorded with it, else through the
    invoice's number and charge key (an attempt whose answer was lost has no payment)."""
    payment = Payment.objects.filter(idempotency_key=key).select_related("invoice").first()
    if payment is not None:
        return payment.invoice
    match = _CHARGE_KEY.match(key)
    if match is None:
        return None
    return Invoice.objects.filter(number=match["number"], charge_key=match["charge_key"]).first()


def _charge_payment(*references: str) -> Payment | None:
    references = tuple(ref for ref in references if ref)
    if not references:
        return None
    return (
        Payment.objects.filter(kind=Payment.Kind.CHARGE, status=Payment.Status.SUCCEEDED, reference__in=references)
        .select_related("invoice", "account")
        .first()
    )


def _amount(obj: dict[str, Any], field: str) -> tuple[int, str]:
    return int(obj.get(field) or 0), str(obj.get("currency") or "usd").upper()


def _payment_intent_succeeded(intent: dict[str, Any]) -> Decision:
    key = _charge_key(intent)
    if not key:
        return Decision(Outcome.IGNORED, "Not a charge made by Stint (no stint_idempotency_key in its metadata).")
    if intent.get("status") != "succeeded":
        return Decision(Outcome.NO_CHANGE, f"PaymentIntent {intent.get('id')} is {intent.get('status')}.")
    amount, currency = _amount(intent, "amount_received")
    invoice = _invoice_for_key(key)
    if invoice is None:
        return Decision(
            Outcome.PENDING,
            f"Stripe took {money(amount, currency)} (PaymentIntent {intent['id']}, key {key}) for an invoice Stint "
            "does not have: refund it in Stripe's dashboard.",
        )
    return invoice_mark_paid_async(
        invoice_id=invoice.pk, intent_id=str(intent["id"]), amount_minor=amount, currency=currency, key=key
    )


def invoice_mark_paid_async(*, invoice_id: int, intent_id: str, amount_minor: int, currency: str, key: str) -> Decision:
    """A charge Stripe completed after our attempt was answered (as failed, or not at all): an invoice still open
    for that amount is paid now, with the payment.succeeded event; money for an invoice that is void, already paid,
    or owes another amount is left for staff to pay back. Locks the subscription, then the invoice (the order of
    every billing service)."""
    with transaction.atomic():
        invoice = Invoice.objects.select_related("account").get(pk=invoice_id)
        subscription = subscription_locked(invoice.account)
        invoice = Invoice.objects.select_for_update().select_related("account").get(pk=invoice_id)
        account_id = invoice.account_id
        if invoice.payments.filter(
            kind=Payment.Kind.CHARGE, status=Payment.Status.SUCCEEDED, reference=intent_id
        ).exists():
            return Decision(Outcome.NO_CHANGE, f"Invoice {invoice.number} already has this payment.", account_id)
        outstanding = invoice_outstanding(invoice)
        took = f"Stripe took {money(amount_minor, currency)} (PaymentIntent {intent_id}) for invoice {invoice.number}"
        if invoice.status != Invoice.Status.OPEN:
            return Decision(
                Outcome.NEEDS_ATTENTION,
                f"{took}, which is {invoice.status}: pay it back in Stripe's dashboard.",
                account_id,
            )
        if currency != invoice.currency or amount_minor != outstanding:
            return Decision(
                Outcome.NEEDS_ATTENTION,
                f"{took}, which owes {money(outstanding, invoice.currency)}: record the payment in the back-office, "
                "or pay it back in Stripe's dashboard.",
                account_id,
            )
        at = clock.now()
        Payment.objects.create(
            account_id=account_id,
            invoice=invoice,
            kind=Payment.Kind.CHARGE,
            status=Payment.Status.SUCCEEDED,
            amount_minor=amount_minor,
            currency=invoice.currency,
            gateway="stripe",
            reference=intent_id,
            idempotency_key=f"{key}:async",
            created_at=at,
        )
        invoice.amount_paid_minor += amount_minor
        invoice.status, invoice.paid_at, invoice.next_attempt_at = Invoice.Status.PAID, at, None
        invoice.save(update_fields=["amount_paid_minor", "status", "paid_at", "next_attempt_at"])
        event(
            account=invoice.account,
            type=EventType.PAYMENT_SUCCEEDED,
            invoice=invoice,
            summary=f"{money(amount_minor, invoice.currency)} was charged to {subscription.card_brand.title()} •••• "
            f"{subscription.card_last4} for invoice {invoice.number} (confirmed by the card network later).",
        )
        still_failing = Invoice.objects.filter(
            subscription=subscription, status=Invoice.Status.OPEN, first_failed_at__isnull=False
        ).exists()
        if subscription.status == Subscription.Status.PAST_DUE and not still_failing:
            subscription.status, subscription.past_due_since = Subscription.Status.ACTIVE, None
            edition_save(subscription, at)
    return Decision(Outcome.APPLIED, f"Invoice {invoice.number} paid by PaymentIntent {intent_id}.", account_id)


def _payment_intent_failed(intent: dict[str, Any]) -> Decision:
    """Failures are answered at once to the request or tick that charged (and recorded there); nothing to undo."""
    key = _charge_key(intent)
    if not key:
        return Decision(Outcome.IGNORED, "Not a charge made by Stint.")
    error = intent.get("last_payment_error") or {}
    reason = error.get("decline_code") or error.get("code") or "unknown"
    invoice = _invoice_for_key(key)
    where = f"invoice {invoice.number} ({invoice.status})" if invoice else "an invoice Stint does not have"
    return Decision(
        Outcome.NO_CHANGE,
        f"PaymentIntent {intent.get('id')} for {where} failed ({reason}); no money was taken.",
        invoice.account_id if invoice else None,
    )


def _charge_refunded(charge: dict[str, Any]) -> Decision:
    """Refunds made by Stint are recorded with their credit note when made; one made in Stripe's dashboard has no
    credit note: staff issue it."""
    refunded, currency = _amount(charge, "amount_refunded")
    payment = _charge_payment(str(charge.get("payment_intent") or ""), str(charge.get("id") or ""))
    if payment is None:
        if not _charge_key(charge):
            return Decision(Outcome.IGNORED, "Not a charge made by Stint.")
        return Decision(
            Outcome.PENDING,
            f"Stripe refunded {money(refunded, currency)} of charge {charge.get('id')}, which Stint has not recorded "
            "as paid: check the invoice of its metadata.",
        )
    recorded = sum(
        refund.amount_minor
        for refund in payment.refunds.filter(kind=Payment.Kind.REFUND, status=Payment.Status.SUCCEEDED)
    )
    if refunded <= recorded:
        return Decision(
            Outcome.NO_CHANGE,
            f"Stripe's refunds of {payment.reference} ({money(refunded, currency)}) are recorded in Stint.",
            payment.account_id,
        )
    return Decision(
        Outcome.PENDING,
        f"Stripe refunded {money(refunded, currency)} of {payment.reference} (invoice {payment.invoice.number}, "
        f"account {payment.account}), Stint only {money(recorded, currency)}: a refund made in Stripe's dashboard? "
        "Issue the credit note for it in the back-office.",
        payment.account_id,
    )


def _dispute_created(dispute: dict[str, Any]) -> Decision:
    amount, currency = _amount(dispute, "amount")
    payment = _charge_payment(str(dispute.get("payment_intent") or ""), str(dispute.get("charge") or ""))
    due = (dispute.get("evidence_details") or {}).get("due_by")
    where = f"invoice {payment.invoice.number} of account {payment.account}" if payment else "a charge unknown to Stint"
    # A charge not recorded yet may be one whose success is still on its way: the dispute waits for it, so that
    # it names the invoice whatever the order of arrival.
    return Decision(
        Outcome.NEEDS_ATTENTION if payment else Outcome.PENDING,
        f"The cardholder disputes {money(amount, currency)} ({dispute.get('reason')}) of {where}: answer dispute "
        f"{dispute.get('id')} in Stripe's dashboard"
        + (f" before {datetime.fromtimestamp(due, UTC):%Y-%m-%d %H:%M} UTC." if isinstance(due, int) else "."),
        payment.account_id if payment else None,
    )


def _refund_failed(refund: dict[str, Any]) -> Decision:
    amount, currency = _amount(refund, "amount")
    of = refund.get("payment_intent") or refund.get("charge")
    reason = refund.get("failure_reason") or "no reason given"
    return Decision(
        Outcome.NEEDS_ATTENTION,
        f"Refund {refund.get('id')} of {money(amount, currency)} ({of}) failed at Stripe ({reason}): the customer "
        "has not been paid back; pay them another way and record it.",
    )


def _subscription_with_card(*, customer: str = "", method: str = "") -> Subscription | None:
    subscriptions = Subscription.objects.filter(gateway="stripe").select_related("account")
    if method:
        return subscriptions.filter(card_reference__endswith=f"/{method}").first()
    return subscriptions.filter(card_reference__startswith=f"{customer}/").first() if customer else None


def _payment_method_detached(method: dict[str, Any]) -> Decision:
    subscription = _subscription_with_card(method=str(method.get("id") or ""))
    if subscription is None:
        return Decision(Outcome.NO_CHANGE, f"Payment method {method.get('id')} is not on file for any subscription.")
    return Decision(
        Outcome.NEEDS_ATTENTION,
        f"The card on file of account {subscription.account} ({subscription.card_brand} •••• "
        f"{subscription.card_last4}) was removed in Stripe: its next charge will fail until the owner enters a card "
        "in My Account.",
        subscription.account_id,
    )


def _source_expiring(card: dict[str, Any]) -> Decision:
    subscription = _subscription_with_card(customer=str(card.get("customer") or ""))
    whose = f"of account {subscription.account}" if subscription else "of a customer without a Stint subscription"
    return Decision(
        Outcome.NO_CHANGE,
        f"The card •••• {card.get('last4')} {whose} expires at the end of "
        f"{card.get('exp_month')!s:0>2}/{card.get('exp_year')}.",
        subscription.account_id if subscription else None,
    )


HANDLERS = {
    "payment_intent.succeeded": _payment_intent_succeeded,
    "payment_intent.payment_failed": _payment_intent_failed,
    "charge.refunded": _charge_refunded,
    "charge.dispute.created": _dispute_created,
    "refund.failed": _refund_failed,
    "payment_method.detached": _payment_method_detached,
    "customer.source.expiring": _source_expiring,
}
