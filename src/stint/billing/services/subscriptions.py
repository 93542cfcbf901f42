"""Buying, changing, cancelling and resuming a subscription (DESIGN.md's commercial rules)."""

from __future__ import annotations

import math
import secrets
from datetime import datetime
from fractions import Fraction
from functools import partial
from pathlib import PurePosixPath
from typing import Any

from django.conf import settings
from django.core.exceptions import SuspiciousFileOperation
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils.text import get_valid_filename

from stint.accounts.models import Account, Edition, User
from stint.accounts.permissions import require_admin, require_admin_or_staff
from stint.accounts.selectors import active_user_count
from stint.billing.gateways import ChargeFailed
from stint.billing.models import BillingReason, CreditNote, Interval, Invoice, Plan, Subscription
from stint.billing.periods import seconds_between, whole_second
from stint.billing.services.collection import invoice_announce, invoice_collect
from stint.billing.services.common import committed_round, event, money, price_for, subscription_locked
from stint.billing.services.credits import credit_issue
from stint.billing.services.documents import Line, invoice_issue, invoice_void
from stint.billing.services.lifecycle import subscription_catch_up
from stint.billing.services.payment_methods import (
    OFFLINE_METHODS,
    PaymentMethodChoice,
    payment_method_apply,
    payment_method_label,
    payment_method_prepare,
)
from stint.billing.services.periods_state import edition_save, period_start_new
from stint.core import clock
from stint.core.errors import Conflict, Forbidden, Invalid
from stint.notifications.models import EventType

PO_MAX_LENGTH = 60
PO_DOCUMENT_MAX_BYTES = 5 * 1024 * 1024
PO_DOCUMENT_CONTENT_TYPES = ("application/pdf", "application/x-pdf")
PO_DOCUMENT_FALLBACK_NAME = "purchase-order.pdf"


def subscription_trial_start(*, account: Account, at: datetime) -> Subscription:
    """Every new account starts a trial (called at sign-up, in the sign-up's transaction)."""
    return Subscription.objects.create(
        account=account,
        subscription_key="sk_" + secrets.token_urlsafe(24),
        edition=Edition.TRIAL,
        status=Subscription.Status.TRIALING,
        trial_ends_at=account.trial_ends_at,
        created_at=at,
        updated_at=at,
    )


def _interval_words(interval: str) -> str:
    return "monthly" if interval == Interval.MONTH else "annual"


def _seats_line(*, plan: Plan, interval: str, seats: int, unit: int, start: datetime, end: datetime) -> Line:
    return Line(
        description=f"{plan.name} ({_interval_words(interval)}), {seats} named user{'s' if seats != 1 else ''}",
        quantity=seats,
        unit_amount_minor=unit,
        amount_minor=seats * unit,
        period_start=start,
        period_end=end,
    )


def _po_clean(po_number: str, *, subscription: Subscription, plan: Plan | None = None) -> str:
    po_number = po_number.strip()
    edition = plan.edition if plan else subscription.edition
    if po_number and edition not in (Edition.REGULAR, Edition.ENTERPRISE):
        raise Invalid(
            "Purchase orders are available on Regular and Enterprise; buy a subscription first.",
            "po_not_available",
            field="po_number",
        )
    if len(po_number) > PO_MAX_LENGTH or any(not ch.isprintable() for ch in po_number):
        raise Invalid(f"A PO number has at most {PO_MAX_LENGTH} printable characters.", "po_invalid", field="po_number")
    return po_number


# More named users than any customer has; a typo of a few zeros is refused rather than charged.
SEATS_MAX = 100_000


def subscription_purchase(
    *,
    account: Account,
    actor: User,
    plan: str,
    interval: str,
    payment_method: dict[str, Any],
    po_number: str = "",
    seats: int | None = None,
    by_staff: bool = False,
) -> tuple[Subscription, Invoice]:
    """Buy a plan for the active named users (at least one), or for `seats` if more: an on-prem server's named
    users are not this account's, so its purchase through our cloud says how many it needs. The invoice is issued
    and charged at once; bank transfer and check (annual only) leave it open with 30-day terms. A declined card
    changes nothing but the voided invoice, and answers 402."""
    require_admin_or_staff(account=account, actor=actor, by_staff=by_staff, what="buy a subscription")
    if seats is not None and not 1 <= seats <= SEATS_MAX:
        raise Invalid(f"Buy between 1 and {SEATS_MAX} seats.", "seats_invalid", field="seats")
    if settings.STINT_MODE == "onprem":
        raise Forbidden(
            "This server runs on a license: buy or change the subscription with Stint's cloud, then install the "
            "license here (Settings / License).",
            "onprem_uses_license",
        )
    subscription_catch_up(account)
    plan_obj, price = price_for(plan_code=plan, interval=interval)
    failure: ChargeFailed | None = None
    with transaction.atomic():
        subscription = subscription_locked(account)
        if subscription.is_paid:
            raise Conflict(
                "This account already has a subscription: change its plan, interval or payment method instead.",
                "already_subscribed",
            )
        po = _po_clean(po_number, subscription=subscription, plan=plan_obj)
        choice = payment_method_prepare(data=payment_method, interval=interval, subscription=subscription)
        at = whole_second(clock.now())
        seats = max(1, active_user_count(account=account), seats or 0)
        payment_method_apply(subscription, choice)
        subscription.po_number = po
        subscription.currency = price.currency
        was = subscription.edition
        period_start_new(
            subscription,
            plan=plan_obj,
            interval=interval,
            unit_amount_minor=price.unit_amount_minor,
            seats=seats,
            at=at,
        )
        end = subscription.current_period_end
        assert end is not None
        invoice = invoice_issue(
            subscription=subscription,
            billing_reason=BillingReason.PURCHASE,
            lines=[
                _seats_line(
                    plan=plan_obj, interval=interval, seats=seats, unit=price.unit_amount_minor, start=at, end=end
                )
            ],
            at=at,
            period_start=at,
            period_end=end,
        )
        failure = invoice_collect(subscription=subscription, invoice=invoice, at=at, actor=actor)
        if failure is not None:
            invoice_void(invoice=invoice, at=at)
        else:
            invoice_announce(invoice=invoice, actor=actor)
            edition_save(subscription, at)
            event(
                account=account,
                type=EventType.SUBSCRIPTION_PURCHASED,
                actor=actor,
                invoice=invoice,
                summary=f"{actor.name} bought {plan_obj.name} ({_interval_words(interval)}) for {seats} named "
                f"user{'s' if seats != 1 else ''} at {money(price.unit_amount_minor, price.currency)} each, paid by "
                f"{payment_method_label(subscription)}; was {was}.",
            )
    if failure is not None:
        raise failure
    subscription.refresh_from_db()
    return subscription, invoice


def _failed_invoices_retry(subscription: Subscription, *, at: datetime, actor: User) -> None:
    """A new card while a charge has failed: try what is owed at once, as the person expects (a failure here only
    leaves the invoice to the usual retries)."""
    failed = Invoice.objects.filter(
        subscription=subscription, status=Invoice.Status.OPEN, first_failed_at__isnull=False
    ).order_by("issued_at")
    for invoice in failed:
        invoice_collect(subscription=subscription, invoice=invoice, at=at, actor=actor)


class _Undo(Exception):
    def __init__(self, failure: ChargeFailed) -> None:
        self.failure = failure


def _reprice(
    subscription: Subscription, *, plan: Plan, interval: str, unit: int, at: datetime, actor: User
) -> tuple[Invoice | None, list[CreditNote]]:
    """A plan or interval change takes effect now: the unused part of the old price is credited, the new price is
    charged from now (the same period for a plan change; a new period starting now for an interval change)."""
    start, end = subscription.current_period_start, subscription.current_period_end
    assert start is not None and end is not None and subscription.plan is not None
    length, remaining = seconds_between(start, end), seconds_between(at, end)
    if remaining < 0:  # the catch-up before every change renews first; this would be a bug, not a customer's error
        raise RuntimeError(f"The period ended at {end}; it must be renewed before it is changed.")
    seats, old_unit = subscription.seats, subscription.unit_amount_minor
    before = subscription.committed_num
    middle = before - seats * old_unit * remaining
    credit = committed_round(before, length) - committed_round(middle, length)
    notes = credit_issue(
        subscription,
        amount=credit,
        at=at,
        reason=CreditNote.Reason.PLAN_CHANGE,
        description=f"Unused {subscription.plan.name} ({_interval_words(subscription.interval)}), {seats} named "
        f"user{'s' if seats != 1 else ''}",
        quantity=seats,
        unit=old_unit,
        proration=Fraction(remaining, length),
        actor=actor,
    )
    subscription.committed_num = middle
    if interval != subscription.interval:
        period_start_new(subscription, plan=plan, interval=interval, unit_amount_minor=unit, seats=seats, at=at)
        new_end = subscription.current_period_end
        assert new_end is not None
        line = _seats_line(plan=plan, interval=interval, seats=seats, unit=unit, start=at, end=new_end)
    else:
        after = middle + seats * unit * remaining
        line = Line(
            description=f"{plan.name} ({_interval_words(interval)}), {seats} named user{'s' if seats != 1 else ''}, "
            "from the change to the end of the period",
            quantity=seats,
            unit_amount_minor=unit,
            amount_minor=committed_round(after, length) - committed_round(middle, length),
            period_start=at,
            period_end=end,
            proration=Fraction(remaining, length),
        )
        subscription.plan, subscription.edition, subscription.unit_amount_minor = plan, plan.edition, unit
        subscription.committed_num = after
    invoice = invoice_issue(
        subscription=subscription,
        billing_reason=BillingReason.PLAN_CHANGE,
        lines=[line],
        at=at,
        period_start=line.period_start,
        period_end=line.period_end,
    )
    invoice_announce(invoice=invoice, actor=actor)
    return invoice, notes


def subscription_change(
    *,
    account: Account,
    actor: User,
    plan: str | None = None,
    interval: str | None = None,
    payment_method: dict[str, Any] | None = None,
    po_number: str | None = None,
) -> tuple[Subscription, Invoice | None, list[CreditNote]]:
    """Change plan, interval, payment method or PO number, in one go and at once. If the new charge fails,
    nothing of the change stays (402)."""
    require_admin(account=account, actor=actor, what="change the subscription")
    subscription_catch_up(account)
    invoice: Invoice | None = None
    notes: list[CreditNote] = []
    failure: ChargeFailed | None = None
    with transaction.atomic():
        subscription = subscription_locked(account)
        if po_number is not None:
            po_number = _po_clean(po_number, subscription=subscription)
        if (plan or interval or payment_method) and not subscription.is_paid:
            raise Conflict(
                "There is no subscription to change yet: buy one first (POST /subscription or My Account).",
                "no_subscription",
            )
        assert not subscription.is_paid or subscription.plan is not None
        new_plan_code = plan or (subscription.plan.code if subscription.plan else "")
        new_interval = interval or subscription.interval
        repricing = subscription.is_paid and (
            new_plan_code != subscription.plan.code or new_interval != subscription.interval  # type: ignore[union-attr]
        )
        plan_obj, price = (None, None)
        if repricing:
            plan_obj, price = price_for(plan_code=new_plan_code, interval=new_interval, currency=subscription.currency)
        choice: PaymentMethodChoice | None = None
        if payment_method is not None:
            choice = payment_method_prepare(data=payment_method, interval=new_interval, subscription=subscription)
        elif repricing and new_interval != Interval.YEAR and subscription.payment_method_type in OFFLINE_METHODS:
            raise Invalid(
                "Bank transfer and check are available for annual plans only: add a card to switch to monthly.",
                "payment_method_not_available",
                field="payment_method",
            )
        at = whole_second(clock.now())
        try:
            with transaction.atomic():
                if choice is not None:
                    payment_method_apply(subscription, choice)
                    if choice.card is not None:
                        _failed_invoices_retry(subscription, at=at, actor=actor)
                if repricing:
                    assert plan_obj is not None and price is not None
                    old = f"{subscription.plan.name} ({_interval_words(subscription.interval)})"  # type: ignore[union-attr]
                    invoice, notes = _reprice(
                        subscription, plan=plan_obj, interval=new_interval, unit=price.unit_amount_minor, at=at,
                        actor=actor,
                    )  # fmt: skip
                    edition_save(subscription, at)
                    assert invoice is not None
                    failure = invoice_collect(subscription=subscription, invoice=invoice, at=at, actor=actor)
                    if failure is not None:
                        raise _Undo(failure)
                    event(
                        account=account,
                        type=EventType.SUBSCRIPTION_CHANGED,
                        actor=actor,
                        invoice=invoice,
                        summary=f"{actor.name} changed the subscription from {old} to {plan_obj.name} "
                        f"({_interval_words(new_interval)}).",
                    )
                if choice is not None:
                    event(
                        account=account,
                        type=EventType.PAYMENT_METHOD_CHANGED,
                        actor=actor,
                        summary=f"{actor.name} set the payment method to {payment_method_label(subscription)}.",
                    )
                if po_number is not None and po_number != subscription.po_number:
                    previous, subscription.po_number = subscription.po_number, po_number
                    event(
                        account=account,
                        type=EventType.PO_CHANGED,
                        actor=actor,
                        summary=f"{actor.name} changed the PO number from {previous or '(none)'} to "
                        f"{po_number or '(none)'}.",
                        po_changed="number",
                    )
                edition_save(subscription, at)
        except _Undo as undo:
            failure = undo.failure
            event(
                account=account,
                type=EventType.PAYMENT_FAILED,
                actor=actor,
                summary=f"The change was not made: the charge to the card failed: {failure.detail}",
                failure_code=failure.code,
            )
    if failure is not None:
        raise failure
    subscription.refresh_from_db()
    return subscription, invoice, notes


def subscription_cancel(*, account: Account, actor: User, by_staff: bool = False) -> Subscription:
    require_admin_or_staff(account=account, actor=actor, by_staff=by_staff, what="cancel the subscription")
    subscription_catch_up(account)
    with transaction.atomic():
        subscription = subscription_locked(account)
        if not subscription.is_paid:
            raise Conflict("There is no paid subscription to cancel.", "no_subscription")
        if not subscription.cancel_at_period_end:
            subscription.cancel_at_period_end = True
            edition_save(subscription, clock.now())
            event(
                account=account,
                type=EventType.SUBSCRIPTION_CANCELLED,
                actor=actor,
                summary=f"{actor.name} cancelled the subscription: it ends on "
                f"{subscription.current_period_end:%Y-%m-%d %H:%M} UTC, then the account is on Free. It can be "
                "resumed until then.",
            )
    return subscription


def subscription_resume(*, account: Account, actor: User, by_staff: bool = False) -> Subscription:
    require_admin_or_staff(account=account, actor=actor, by_staff=by_staff, what="resume the subscription")
    subscription_catch_up(account)
    with transaction.atomic():
        subscription = subscription_locked(account)
        if not subscription.is_paid:
            raise Conflict("The subscription has already ended; buy a new one instead.", "no_subscription")
        if subscription.cancel_at_period_end:
            subscription.cancel_at_period_end = False
            edition_save(subscription, clock.now())
            event(
                account=account,
                type=EventType.SUBSCRIPTION_RESUMED,
                actor=actor,
                summary=f"{actor.name} resumed the subscription: it renews on "
                f"{subscription.current_period_end:%Y-%m-%d %H:%M} UTC.",
            )
    return subscription


def subscription_payment_method_set(*, account: Account, actor: User, payment_method: dict[str, Any]) -> Subscription:
    subscription, _, _ = subscription_change(account=account, actor=actor, payment_method=payment_method)
    return subscription


def _po_document_name(original: str) -> str:
    """The uploaded file's own name, made safe to store and short enough to show: "PO 2026-17.pdf" ->
    "PO_2026-17.pdf"."""
    name = PurePosixPath(original.replace("\\", "/")).name
    try:
        name = get_valid_filename(name)
    except SuspiciousFileOperation:  # nothing usable left, e.g. ".."
        return PO_DOCUMENT_FALLBACK_NAME
    stem = name[:-4] if name.lower().endswith(".pdf") else name
    return f"{stem[:80]}.pdf" if stem.strip("._-") else PO_DOCUMENT_FALLBACK_NAME


def _po_document_check(document: UploadedFile) -> None:
    """A PDF (by its declared type and by its first bytes, which every PDF starts with) of at most 5 MB."""
    size = document.size or 0
    if size > PO_DOCUMENT_MAX_BYTES:
        megabytes = math.ceil(size * 10 / 1024 / 1024) / 10  # rounded up: a file just over the limit is not "5.0 MB"
        raise Invalid(
            f"The PO document is {megabytes:.1f} MB; it can be at most "
            f"{PO_DOCUMENT_MAX_BYTES // 1024 // 1024} MB. Please upload a smaller PDF.",
            "po_document_too_large",
            field="po_document",
        )
    document.seek(0)
    head = document.read(5)
    document.seek(0)
    content_type = (document.content_type or "").split(";")[0].strip().lower()
    if head != b"%PDF-" or content_type not in PO_DOCUMENT_CONTENT_TYPES:
        raise Invalid(
            f"The PO document must be a PDF file; {document.name or 'this file'} is not one. Please upload your "
            "purchase order as a PDF.",
            "po_document_not_pdf",
            field="po_document",
        )


def subscription_po_document_set(*, account: Account, actor: User, document: UploadedFile | None) -> Subscription:
    """Store the purchase order's document (a PDF of at most 5 MB, Regular and higher), replace it, or remove it
    (`document=None`, on any edition). It is kept by Django's default storage and never served publicly; the file
    it replaces is deleted once the change is committed, and a file stored by a change that is not is deleted too."""
    require_admin(account=account, actor=actor, what="change the PO document")
    if document is not None:
        _po_document_check(document)
    stored = ""
    try:
        with transaction.atomic():
            subscription = subscription_locked(account)
            field = subscription.po_document
            previous_name, previous = field.name or "", subscription.po_document_filename
            if document is None:
                if not previous_name:
                    return subscription
                subscription.po_document = ""
                summary = f"{actor.name} removed the PO document {previous}."
            else:
                if subscription.edition not in (Edition.REGULAR, Edition.ENTERPRISE):
                    raise Invalid(
                        "Purchase orders are available on Regular and Enterprise; buy a subscription first.",
                        "po_not_available",
                        field="po_document",
                    )
                field.save(_po_document_name(document.name or ""), document, save=False)
                stored = field.name or ""
                added = subscription.po_document_filename
                summary = (
                    f"{actor.name} replaced the PO document {previous} with {added}."
                    if previous
                    else f"{actor.name} added the PO document {added}."
                )
            subscription.updated_at = clock.now()
            subscription.save(update_fields=["po_document", "updated_at"])
            event(
                account=account,
                type=EventType.PO_CHANGED,
                actor=actor,
                summary=summary,
                po_document=subscription.po_document_filename,
                po_changed="document",
            )
            if previous_name:
                transaction.on_commit(partial(field.storage.delete, previous_name))
    except BaseException:
        if stored:
            field.storage.delete(stored)
        raise
    return subscription
