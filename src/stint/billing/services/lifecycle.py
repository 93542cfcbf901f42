"""What happens over time and at the customer's request to end things: refunds, renewals, dunning, trial ends,
reminders. The tick functions are idempotent: each looks at state under the subscription's lock and does only what
is due, so running them twice changes nothing."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Q

from stint.accounts.models import Account, User
from stint.accounts.permissions import require_admin_or_staff
from stint.accounts.selectors import active_user_count
from stint.billing.gateways.cards import card_label
from stint.billing.models import BillingReason, CreditNote, Invoice, Payment, PaymentMethodType, Price, Subscription
from stint.billing.periods import period_bound, seconds_between, whole_second
from stint.billing.services.collection import invoice_announce, invoice_collect, payment_refund
from stint.billing.services.common import event, money, subscription_locked
from stint.billing.services.credits import period_invoices
from stint.billing.services.documents import (
    Line,
    balance_pay_out,
    credit_note_issue,
    creditable_minor,
    invoice_issue,
    invoice_void,
)
from stint.billing.services.payment_methods import OFFLINE_METHODS
from stint.billing.services.periods_state import edition_save, free_enter
from stint.core import clock
from stint.core.errors import Conflict
from stint.licensing.selectors import offline_servers, onprem_seats_in_use
from stint.notifications.models import EventType

log = logging.getLogger(__name__)

REFUND_WINDOW = timedelta(days=30)
RETRY_AFTER_DAYS = (1, 3, 7)  # after the first failure
FREE_AFTER_FAILURE = timedelta(days=14)
TRIAL_REMINDER_BEFORE = timedelta(days=3)
DUE_SOON_BEFORE = timedelta(days=7)
PURCHASE_REASONS = (BillingReason.PURCHASE, BillingReason.PLAN_CHANGE, BillingReason.RENEWAL)


def refundable_until(subscription: Subscription) -> datetime | None:
    end = subscription.current_period_end
    if not subscription.is_paid or end is None:
        return None
    latest = (
        Invoice.objects.filter(
            subscription=subscription,
            period_end=end,
            billing_reason__in=PURCHASE_REASONS,
        )
        .exclude(status=Invoice.Status.VOID)
        .order_by("-issued_at")
        .values_list("issued_at", flat=True)
        .first()
    )
    return latest + REFUND_WINDOW if latest else None


def revert_to_free(subscription: Subscription, *, at: datetime, why: str, actor: User | None = None) -> None:
    was = subscription.edition
    free_enter(subscription, at)
    event(
        account=subscription.account,
        type=EventType.SUBSCRIPTION_REVERTED_TO_FREE,
        actor=actor,
        summary=f"The account is now on Free (was {was}): {why} Free allows 3 named users and shows the newest 300 "
        "time records; everything else is kept and comes back with a subscription.",
    )


def subscription_refund(*, account: Account, actor: User, by_staff: bool = False) -> list[CreditNote]:
    """Within 30 days of a purchase invoice, cancel the purchase: everything paid for the current period is paid
    back (to the card, or recorded as paid back out of band), unpaid invoices of the period are voided, and the
    account is on Free at once."""
    require_admin_or_staff(account=account, actor=actor, by_staff=by_staff, what="refund the subscription")
    if not by_staff and (offline := offline_servers(account=account)):
        # A license handed over as a file runs until its paid-up date whatever we refund: sales refunds such a
        # purchase once the customer has taken the license off the server.
        raise Conflict(
            f"This subscription licenses {len(offline)} on-prem server{'s' if len(offline) != 1 else ''} by license "
            "file, which Stint cannot withdraw from here: ask our sales team for the refund; they refund it once the "
            "license is removed from the server.",
            "refund_needs_sales",
        )
    subscription_catch_up(account)
    with transaction.atomic():
        subscription = subscription_locked(account)
        at = whole_second(clock.now())
        until = refundable_until(subscription)
        if until is None or at > until:
            raise Conflict(
                "Nothing is refundable: a refund is possible within 30 days of a purchase, plan change or renewal"
                + (f" (that was until {until:%Y-%m-%d %H:%M} UTC)." if until else ", and this account has none."),
                "nothing_refundable",
            )
        plan = refund_plan(subscription)
        invoices = [step.invoice for step in plan.steps]
        notes = [
            note
            for step in plan.steps
            if (note := _refund_step(subscription, step=step, invoices=invoices, at=at, actor=actor)) is not None
        ]
        # What the period's credit notes (seat removals, plan changes) put in the balance was paid for with this
        # period's money too: it goes back the same way, so the customer ends with what they paid, not credit.
        subscription.refresh_from_db()
        _balance_pay_out(subscription, invoices=invoices, at=at)
        subscription.refresh_from_db()
        refunded = plan.total_refund
        routes = [_route(inv.payment_method) for inv in invoices if cash_left(inv) < _paid(inv)]
        event(
            account=account,
            type=EventType.REFUND_ISSUED,
            actor=actor,
            summary=f"{actor.name} cancelled the purchase: {money(refunded, subscription.currency)} refunded"
            + (f" ({', '.join(dict.fromkeys(routes))})" if refunded else "")
            + ".",
            refund_minor=refunded,
        )
        revert_to_free(subscription, at=at, why="the purchase was refunded.", actor=actor)
    return notes


def _paid(invoice: Invoice) -> int:
    return sum(
        p.amount_minor
        for p in invoice.payments.filter(
            status=Payment.Status.SUCCEEDED, kind__in=[Payment.Kind.CHARGE, Payment.Kind.MANUAL]
        )
    )


def cash_left(invoice: Invoice) -> int:
    """Money collected on an invoice and not paid back yet."""
    refunded = sum(
        p.amount_minor for p in invoice.payments.filter(kind__in=[Payment.Kind.REFUND, Payment.Kind.MANUAL_REFUND])
    )
    return _paid(invoice) - refunded


def _route(payment_method: dict[str, str]) -> str:
    if payment_method.get("type") == "card":
        return f"to {card_label(payment_method.get('brand', ''), payment_method.get('last4', ''))}"
    return "by bank transfer or check, arranged by our sales team"


@dataclass(frozen=True)
class RefundStep:
    invoice: Invoice
    credit: int  # the credit note's total (0: no credit note)
    refund: int  # of which paid back
    void: bool  # an unpaid invoice of the period is voided


@dataclass(frozen=True)
class RefundPlan:
    steps: list[RefundStep]
    pay_out: int  # credit balance from the period paid back too

    @property
    def total_refund(self) -> int:
        return sum(step.refund for step in self.steps) + self.pay_out


def refund_routes(subscription: Subscription) -> list[str]:
    """Where a refund's money goes: to each card that paid this period, or back out of band for bank transfer and
    check ("to Visa •••• 4242", ...)."""
    routes: list[str] = []
    for invoice in period_invoices(subscription):
        route = _route(invoice.payment_method)
        if cash_left(invoice) > 0 and route not in routes:
            routes.append(route)
    return routes


def refund_plan(subscription: Subscription) -> RefundPlan:
    """What a refund now would do, computed without writing anything; `subscription_refund` carries out exactly
    this plan, and My Account shows its total before anyone confirms.

    Every invoice of the period is credited for what it has left; the money is paid back from wherever it was
    collected (a plan change is paid partly with the credit for the old plan, which the purchase's charge holds).
    An unpaid invoice is voided, only its paid part credited. Credit the period left in the balance is paid back
    last, never more than the period's payments still hold."""
    invoices = period_invoices(subscription)
    cash = {invoice.pk: cash_left(invoice) for invoice in invoices}
    balance = subscription.credit_balance_minor
    steps = []
    for invoice in invoices:
        is_open = invoice.status == Invoice.Status.OPEN
        available = cash[invoice.pk] if is_open else sum(cash.values())
        credit = min(creditable_minor(invoice), available) if is_open else creditable_minor(invoice)
        credit = max(0, credit)
        refund = min(credit, available)
        left = refund
        for source in [invoice, *(other for other in invoices if other.pk != invoice.pk)]:
            share = min(left, cash[source.pk])
            cash[source.pk] -= share
            left -= share
        balance += credit - refund  # what a credit note does not pay back goes to the balance
        if is_open:
            balance += invoice.balance_applied_minor  # voiding returns the balance the invoice had used
        steps.append(RefundStep(invoice=invoice, credit=credit, refund=refund, void=is_open))
    return RefundPlan(steps=steps, pay_out=max(0, min(balance, sum(cash.values()))))


def _refund_step(
    subscription: Subscription, *, step: RefundStep, invoices: list[Invoice], at: datetime, actor: User
) -> CreditNote | None:
    invoice = step.invoice
    note = None
    if step.credit > 0:
        line = Line(
            description=f"Refund of invoice {invoice.number} (purchase cancelled)",
            quantity=1,
            unit_amount_minor=step.credit,
            amount_minor=step.credit,
            period_start=invoice.period_start,
            period_end=invoice.period_end,
        )
        subscription.refresh_from_db(fields=["credit_balance_minor"])
        note = credit_note_issue(
            subscription=subscription,
            invoice=invoice,
            reason=CreditNote.Reason.REFUND,
            lines=[line],
            at=at,
            refund_minor=step.refund,
            memo="Purchase cancelled within 30 days",
            gross=True,
        )
        if step.refund:
            payment_refund(invoice=invoice, note=note, amount_minor=step.refund, at=at, also_from=invoices)
        event(
            account=subscription.account,
            type=EventType.CREDIT_NOTE_ISSUED,
            actor=actor,
            credit_note=note,
            summary=f"Credit note {note.number} of {money(note.total_minor, note.currency)} against invoice "
            f"{invoice.number}: {money(step.refund, note.currency)} refunded, "
            f"{money(note.credit_minor, note.currency)} added to the credit balance.",
        )
    if step.void:
        invoice.refresh_from_db()
        if invoice.status == Invoice.Status.OPEN:
            invoice_void(invoice=invoice, at=at)
    return note


def _balance_pay_out(subscription: Subscription, *, invoices: list[Invoice], at: datetime) -> None:
    """Pay a credit balance back through the period's payments that still hold money (never more than they
    collected)."""
    left = subscription.credit_balance_minor
    if left <= 0:
        return
    paid_out = 0
    for invoice in invoices:
        share = min(left - paid_out, cash_left(invoice))
        if share > 0:
            payment_refund(invoice=invoice, note=None, amount_minor=share, at=at)
            paid_out += share
    if paid_out:
        balance_pay_out(subscription=subscription, amount_minor=paid_out, at=at)


def _renew(subscription: Subscription) -> bool:
    """Start the next period at the instant the current one ends. Answers False when it could not be paid."""
    at = subscription.current_period_end
    assert at is not None and subscription.period_anchor is not None and subscription.plan is not None
    if subscription.cancel_at_period_end:
        revert_to_free(subscription, at=at, why="the subscription was cancelled and its period has ended.")
        return False
    price = Price.objects.filter(
        plan=subscription.plan, interval=subscription.interval, currency=subscription.currency
    ).first()
    unit = price.unit_amount_minor if price else subscription.unit_amount_minor
    index = subscription.period_index + 1
    end = period_bound(subscription.period_anchor, index + 1, subscription.interval)
    # The account's on-prem servers report their named users; those hold seats too (issue 6).
    seats = max(1, active_user_count(account=subscription.account), onprem_seats_in_use(account=subscription.account))
    subscription.period_index = index
    subscription.current_period_start, subscription.current_period_end = at, end
    subscription.unit_amount_minor, subscription.seats = unit, seats
    subscription.committed_num = seats * unit * seconds_between(at, end)
    invoice = invoice_issue(
        subscription=subscription,
        billing_reason=BillingReason.RENEWAL,
        lines=[
            Line(
                description=f"{subscription.plan.name} ({'monthly' if subscription.interval == 'month' else 'annual'}"
                f"), {seats} named user{'s' if seats != 1 else ''}",
                quantity=seats,
                unit_amount_minor=unit,
                amount_minor=seats * unit,
                period_start=at,
                period_end=end,
            )
        ],
        at=at,
        period_start=at,
        period_end=end,
    )
    edition_save(subscription, at)
    invoice_announce(invoice=invoice)
    failure = invoice_collect(subscription=subscription, invoice=invoice, at=at)
    event(
        account=subscription.account,
        type=EventType.SUBSCRIPTION_RENEWED,
        invoice=invoice,
        summary=f"The subscription renewed until {end:%Y-%m-%d %H:%M} UTC for {seats} named "
        f"user{'s' if seats != 1 else ''}: invoice {invoice.number}, {money(invoice.total_minor, invoice.currency)}"
        f", balance applied {money(invoice.balance_applied_minor, invoice.currency)}, amount due "
        f"{money(invoice.amount_due_minor, invoice.currency)}.",
    )
    if failure is None:
        return True
    subscription.status = Subscription.Status.PAST_DUE
    subscription.past_due_since = at
    invoice.next_attempt_at = at + timedelta(days=RETRY_AFTER_DAYS[0])
    invoice.save(update_fields=["next_attempt_at"])
    edition_save(subscription, at)
    return False


def _dunning_step(subscription: Subscription, now: datetime) -> bool:
    """Retry a failed renewal when due, or fall back to free 14 days after the first failure. Answers whether
    anything happened (so the caller loops until nothing is due)."""
    invoice = (
        Invoice.objects.filter(subscription=subscription, status=Invoice.Status.OPEN, first_failed_at__isnull=False)
        .order_by("issued_at")
        .first()
    )
    if invoice is None or invoice.first_failed_at is None:
        if subscription.status == Subscription.Status.PAST_DUE:
            subscription.status, subscription.past_due_since = Subscription.Status.ACTIVE, None
            edition_save(subscription, now)
            return True
        return False
    give_up_at = invoice.first_failed_at + FREE_AFTER_FAILURE
    retry_at = invoice.next_attempt_at
    if retry_at is not None and retry_at <= now and retry_at < give_up_at:
        failure = invoice_collect(subscription=subscription, invoice=invoice, at=retry_at)
        if failure is None:
            subscription.status, subscription.past_due_since = Subscription.Status.ACTIVE, None
            edition_save(subscription, retry_at)
            return True
        retries_done = invoice.payment_attempts - 1
        invoice.next_attempt_at = (
            invoice.first_failed_at + timedelta(days=RETRY_AFTER_DAYS[retries_done])
            if retries_done < len(RETRY_AFTER_DAYS)
            else None
        )
        invoice.save(update_fields=["next_attempt_at"])
        return True
    if give_up_at <= now:
        invoice_void(invoice=invoice, at=give_up_at)
        revert_to_free(
            subscription,
            at=give_up_at,
            why=f"invoice {invoice.number} was still unpaid 14 days after the first failed charge.",
        )
        return True
    return False


def _offline_reminders(subscription: Subscription, now: datetime) -> None:
    """Invoices paid by bank transfer or check: reminders 7 days before and on the due date, overdue after it;
    still unpaid 14 days after the due date, the account falls back to free (the dunning rule)."""
    for invoice in Invoice.objects.filter(subscription=subscription, status=Invoice.Status.OPEN).order_by("due_at"):
        if invoice.payment_method.get("type") not in OFFLINE_METHODS:
            continue
        due = invoice.due_at
        if invoice.due_soon_sent_at is None and due - DUE_SOON_BEFORE <= now < due.replace(hour=0, minute=0, second=0):
            invoice.due_soon_sent_at = now
            invoice.save(update_fields=["due_soon_sent_at"])
            event(
                account=subscription.account,
                type=EventType.INVOICE_DUE_SOON,
                invoice=invoice,
                summary=f"Invoice {invoice.number} ({money(invoice.amount_due_minor, invoice.currency)}) is due on "
                f"{due:%Y-%m-%d}; please pay by bank transfer or check quoting {invoice.number}.",
                when="in 7 days",
            )
        due_day = due.replace(hour=0, minute=0, second=0, microsecond=0)
        if invoice.due_today_sent_at is None and due_day <= now < due:
            invoice.due_today_sent_at = now
            invoice.save(update_fields=["due_today_sent_at"])
            event(
                account=subscription.account,
                type=EventType.INVOICE_DUE_SOON,
                invoice=invoice,
                summary=f"Invoice {invoice.number} ({money(invoice.amount_due_minor, invoice.currency)}) is due "
                f"today ({due:%Y-%m-%d}).",
                when="today",
            )
        if invoice.overdue_sent_at is None and now >= due:
            invoice.overdue_sent_at = now
            invoice.save(update_fields=["overdue_sent_at"])
            event(
                account=subscription.account,
                type=EventType.INVOICE_OVERDUE,
                invoice=invoice,
                summary=f"Invoice {invoice.number} ({money(invoice.amount_due_minor, invoice.currency)}) was due on "
                f"{due:%Y-%m-%d} and is unpaid; unpaid 14 days after that, the account falls back to Free.",
            )
        if now >= due + FREE_AFTER_FAILURE and subscription.is_paid:
            invoice_void(invoice=invoice, at=due + FREE_AFTER_FAILURE)
            revert_to_free(
                subscription,
                at=due + FREE_AFTER_FAILURE,
                why=f"invoice {invoice.number} was still unpaid 14 days after its due date.",
            )


def _trial_step(subscription: Subscription, now: datetime) -> None:
    ends = subscription.trial_ends_at
    if subscription.status != Subscription.Status.TRIALING or ends is None:
        return
    if subscription.trial_reminder_sent_at is None and ends - TRIAL_REMINDER_BEFORE <= now < ends:
        subscription.trial_reminder_sent_at = now
        edition_save(subscription, now)
        event(
            account=subscription.account,
            type=EventType.TRIAL_ENDING,
            summary=f"The trial ends on {ends:%Y-%m-%d %H:%M} UTC. Buy Regular or Enterprise in Settings / My "
            "Account to keep every feature and every named user; otherwise the account moves to Free.",
        )
    if now >= ends:
        free_enter(subscription, ends)
        event(
            account=subscription.account,
            type=EventType.TRIAL_ENDED,
            summary="The trial has ended and the account is now on Free: 3 named users and the newest 300 time "
            "records. Nothing is deleted; buy a subscription in Settings / My Account to get everything back.",
        )


def subscription_tick(subscription_id: int, *, now: datetime | None = None) -> None:
    """Bring one subscription up to date: trial end, renewals (one per elapsed period), retries, reminders."""
    now = now or clock.now()
    with transaction.atomic():
        subscription = (
            Subscription.objects.select_for_update(of=("self",))
            .select_related("account", "plan")
            .get(pk=subscription_id)
        )
        _trial_step(subscription, now)
        for _ in range(1000):  # a bound, never reached: one pass per elapsed period or dunning step
            if subscription.status == Subscription.Status.PAST_DUE and _dunning_step(subscription, now):
                continue
            end = subscription.current_period_end
            if subscription.status == Subscription.Status.ACTIVE and end is not None and end <= now:
                # In order of time: what fell due before the renewal instant (an unpaid invoice's last day) first.
                _offline_reminders(subscription, end - timedelta(microseconds=1))
                if subscription.is_paid:
                    _renew(subscription)
                continue
            break
        if subscription.is_paid:
            _offline_reminders(subscription, now)


def subscription_catch_up(account: Account) -> None:
    """Run what is due for this account before changing its subscription, so a change made between a renewal
    instant and the next tick applies to the new period, never to the one that has ended."""
    now = clock.now()
    due = Subscription.objects.filter(account_id=account.pk).filter(
        Q(status=Subscription.Status.TRIALING, trial_ends_at__lte=now)
        | Q(status=Subscription.Status.ACTIVE, current_period_end__lte=now)
        | Q(status=Subscription.Status.PAST_DUE)
    )
    pk = due.values_list("pk", flat=True).first()
    if pk is not None:
        subscription_tick(pk, now=now)


def billing_tick() -> int:
    """The worker's billing tick: every subscription with something due. Answers how many were looked at."""
    now = clock.now()
    due = (
        Subscription.objects.filter(
            status=Subscription.Status.TRIALING, trial_ends_at__lte=now + TRIAL_REMINDER_BEFORE
        ).filter(trial_reminder_sent_at__isnull=True)
        | Subscription.objects.filter(status=Subscription.Status.TRIALING, trial_ends_at__lte=now)
        | Subscription.objects.filter(status=Subscription.Status.ACTIVE, current_period_end__lte=now)
        | Subscription.objects.filter(status=Subscription.Status.PAST_DUE)
        | Subscription.objects.filter(
            pk__in=Invoice.objects.filter(status=Invoice.Status.OPEN, due_at__lte=now + DUE_SOON_BEFORE)
            .exclude(payment_method__type=PaymentMethodType.CARD)
            .values("subscription_id")
        )
    )
    ids = list(due.values_list("pk", flat=True).distinct())
    for pk in ids:
        try:
            subscription_tick(pk, now=now)
        except Exception:
            log.exception("billing tick failed for subscription %s; it is retried on the next tick", pk)
    return len(ids)
