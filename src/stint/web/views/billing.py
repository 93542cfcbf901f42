"""Settings / My Account: the subscription, buying and changing it, the payment method, the PO number, invoices and
credit notes (with their PDFs), cancel, resume and refund (admins).

Every write goes through one billing service; a service's error is shown next to the field it names and the page is
drawn again. Card numbers and security codes live only in the request that carries them: they are never rendered
back, logged or kept (`sensitive_post_parameters` keeps them out of error reports too).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.http import HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.debug import sensitive_post_parameters

from stint.accounts.selectors import active_user_count
from stint.accounts.services import account_buyer_update
from stint.billing import selectors, services
from stint.billing.models import CreditNote, Interval, Invoice, PaymentMethodType, Plan, Subscription
from stint.billing.services.payment_methods import OFFLINE_METHODS, payment_method_label
from stint.core import clock
from stint.core.errors import Malformed, StintError
from stint.core.money import Money
from stint.core.pagination import paginate, paginate_newest
from stint.notifications.selectors import account_events, email_statuses
from stint.web.access import MemberRequest, admin_required
from stint.web.forms_billing import (
    BuyerForm,
    PaymentMethodFields,
    PaymentMethodForm,
    PlanChangeForm,
    PoForm,
    PurchaseForm,
    offer_parts,
    offer_value,
    show_billing_error,
)

EVENTS_PER_PAGE = 50
DOCUMENTS_ON_ACCOUNT_PAGE = 10
DOCUMENTS_PER_PAGE = 50
CARD_FIELDS_SECRET = ("number", "cvc")

# What sets the plans apart, in a few words (their prices and limits come from the database).
PLAN_SUMMARY = {
    "regular": "Every feature, unlimited named users, email support.",
    "enterprise": "Everything in Regular, plus the audit log, priority support and on-prem licenses for several "
    "servers.",
}
INTERVAL_WORDS: dict[str, str] = {Interval.MONTH: "monthly", Interval.YEAR: "annual"}
INTERVAL_UNIT: dict[str, str] = {Interval.MONTH: "month", Interval.YEAR: "year"}
BILLING_REASON_WORDS: dict[str, str] = {
    "purchase": "Purchase",
    "seat_change": "Users added",
    "plan_change": "Plan change",
    "renewal": "Renewal",
}
CREDIT_REASON_WORDS: dict[str, str] = {
    CreditNote.Reason.SEAT_REMOVED: "Users removed",
    CreditNote.Reason.PLAN_CHANGE: "Plan change",
    CreditNote.Reason.REFUND: "Refund",
    CreditNote.Reason.ADJUSTMENT: "Adjustment",
}


def _money(amount_minor: int, currency: str) -> str:
    return Money(amount_minor, currency).format()


def _when(moment: datetime) -> str:
    """An instant as the page shows it: in the user's time zone (the views run under it), with the zone named."""
    local = timezone.localtime(moment)
    return f"{local:%B} {local.day}, {local:%Y, %H:%M} ({timezone.get_current_timezone_name()})"


def _short(moment: datetime) -> str:
    """A day as the tables show it, in the user's time zone: "Mar 2, 2026"."""
    local = timezone.localtime(moment)
    return f"{local:%b} {local.day}, {local:%Y}"


def _users(count: int) -> str:
    return f"{count} named user{'s' if count != 1 else ''}"


# --- what the page shows ---


@dataclass(frozen=True)
class Offer:
    """One plan at one billing interval, with its database price, as the plan picker shows it."""

    value: str
    plan_name: str
    summary: str
    interval: str
    interval_words: str
    unit_price: str
    per: str
    total: str
    total_note: str
    saving: str
    is_current: bool


def _offers(subscription: Subscription, *, users: int) -> list[Offer]:
    """Regular and Enterprise, monthly and annual, priced in the subscription's currency from the database."""
    offers: list[Offer] = []
    paid = subscription.is_paid
    current = offer_value(subscription.plan.code, subscription.interval) if paid and subscription.plan else ""
    for plan in selectors.plans_offered():
        prices = {price.interval: price for price in plan.prices.all() if price.currency == subscription.currency}
        monthly = prices.get(Interval.MONTH)
        for interval in (Interval.MONTH, Interval.YEAR):
            price = prices.get(interval)
            if price is None:
                continue
            total = price.unit_amount_minor * users
            saving = ""
            if interval == Interval.YEAR and monthly is not None:
                saved = 12 * monthly.unit_amount_minor - price.unit_amount_minor
                if saved > 0:
                    saving = f"saves {_money(saved, price.currency)} per user a year compared with monthly"
            unit = INTERVAL_UNIT[interval]
            offers.append(
                Offer(
                    value=offer_value(plan.code, interval),
                    plan_name=plan.name,
                    summary=PLAN_SUMMARY.get(plan.code, ""),
                    interval=interval,
                    interval_words=INTERVAL_WORDS[interval],
                    unit_price=_money(price.unit_amount_minor, price.currency),
                    per=f"per user per {unit}",
                    total=_money(total, price.currency),
                    total_note=f"a {unit} for your {_users(users)}" if paid else f"now, for your {_users(users)}",
                    saving=saving,
                    is_current=offer_value(plan.code, interval) == current,
                )
            )
    return offers


@dataclass(frozen=True)
class InvoiceRow:
    invoice: Invoice
    reason: str
    total: str
    amount_due: str
    status: str
    badge: str
    status_note: str


def _invoice_row(invoice: Invoice, *, now: datetime) -> InvoiceRow:
    if invoice.status == Invoice.Status.PAID:
        status, badge = "Paid", "ok"
        note = f"on {_short(invoice.paid_at)}" if invoice.paid_at else ""
    elif invoice.status == Invoice.Status.VOID:
        status, badge, note = "Void", "muted", "nothing is owed"
    elif invoice.first_failed_at is not None:
        status, badge, note = "Payment failed", "error", "we retry the card; you can change it on My Account"
    elif invoice.due_at <= now:
        status, badge, note = "Overdue", "error", f"was due on {_short(invoice.due_at)}"
    else:
        status, badge, note = "Open", "warn", f"due on {_short(invoice.due_at)}"
    return InvoiceRow(
        invoice=invoice,
        reason=BILLING_REASON_WORDS.get(invoice.billing_reason, invoice.billing_reason),
        total=_money(invoice.total_minor, invoice.currency),
        amount_due=_money(invoice.amount_due_minor, invoice.currency),
        status=status,
        badge=badge,
        status_note=note,
    )


@dataclass(frozen=True)
class CreditNoteRow:
    note: CreditNote
    reason: str
    total: str
    refunded: str
    credited: str


def _credit_note_row(note: CreditNote) -> CreditNoteRow:
    return CreditNoteRow(
        note=note,
        reason=CREDIT_REASON_WORDS.get(note.reason, note.reason),
        total=_money(note.total_minor, note.currency),
        refunded=_money(note.refund_minor, note.currency),
        credited=_money(note.credit_minor + note.applied_minor, note.currency),
    )


def _free_plan() -> Plan | None:
    return Plan.objects.filter(code="free").first()


def _free_limits(plan: Plan | None) -> str:
    """What Free allows, from the database ("3 named users and the newest 300 time records")."""
    users = f"{plan.max_users} named users" if plan and plan.max_users else "a few named users"
    records = (
        f"the newest {plan.max_visible_time_records} time records"
        if plan and plan.max_visible_time_records
        else "the newest time records"
    )
    return f"{users} and {records}"


def _status(subscription: Subscription) -> tuple[str, str]:
    """The status badge of a paid subscription: words and tone."""
    if subscription.status == Subscription.Status.PAST_DUE:
        return "Payment failed", "error"
    if subscription.is_paid and subscription.cancel_at_period_end:
        return "Cancelled", "warn"
    if subscription.is_paid:
        return "Active", "ok"
    return "", ""  # the edition (Trial, Free) says it all


def _trial_left(ends: datetime, *, now: datetime) -> str:
    seconds = (ends - now).total_seconds()
    if seconds <= 0:
        return "ended; the account moves to Free shortly"
    if seconds < 86400:
        return "less than a day left"
    days = math.ceil(seconds / 86400)
    return f"{days} day{'s' if days != 1 else ''} left"


def _forms_for(
    subscription: Subscription, *, offers: list[Offer], bound: dict[str, forms.Form] | None
) -> dict[str, forms.Form]:
    choices = [(offer.value, offer.value) for offer in offers]
    found = dict(bound or {})
    account = subscription.account
    found.setdefault(
        "buyer_form",
        BuyerForm(
            initial={
                "legal_name": account.legal_name,
                "address": account.address,
                "country": account.country,
                "vat_id": account.vat_id,
            }
        ),
    )
    if subscription.is_paid:
        current = next((offer.value for offer in offers if offer.is_current), "")
        found.setdefault("plan_form", PlanChangeForm(offers=choices, initial={"offer": current}))
        found.setdefault(
            "payment_form",
            PaymentMethodForm(initial={"payment_method": subscription.payment_method_type or PaymentMethodType.CARD}),
        )
        found.setdefault("po_form", PoForm(initial={"po_number": subscription.po_number}))
    else:
        first = offers[0].value if offers else ""
        found.setdefault("purchase_form", PurchaseForm(offers=choices, initial={"offer": first}))
    return found


def _card_expiry(subscription: Subscription) -> str:
    if subscription.card_exp_month and subscription.card_exp_year:
        return f"{subscription.card_exp_month:02d}/{subscription.card_exp_year}"
    return ""


def _balance_note(subscription: Subscription) -> str:
    balance = subscription.credit_balance_minor
    if balance > 0:
        return "Credit in your favour; it is taken off your next invoice."
    if balance < 0:
        return "A small amount carried over (under the minimum charge); it is added to your next invoice."
    return ""


def _choices_made(name: str, form: forms.Form) -> dict[str, Any]:
    """What the hand-drawn radios need: the plan and payment method chosen, and which card was typed (after an
    error, as "Visa ending 0002")."""
    hint = form.typed_card_hint() if isinstance(form, PaymentMethodFields) and form.errors else ""
    return {
        f"{name}_offer": form["offer"].value() if "offer" in form.fields else "",
        f"{name}_method": form["payment_method"].value() if "payment_method" in form.fields else "",
        f"{name}_card_hint": hint,
    }


def account_page(request: MemberRequest, *, bound: dict[str, forms.Form] | None = None) -> HttpResponse:
    """My Account: the subscription and its forms, the newest documents and the event log."""
    try:
        events, next_cursor = paginate(
            account_events(account=request.account),
            limit=EVENTS_PER_PAGE,
            cursor=request.GET.get("cursor"),
            newest_first=True,
        )
    except Malformed:
        return redirect("account")
    statuses = email_statuses(events=events)
    subscription = selectors.subscription_of(account=request.account)
    is_onprem = settings.STINT_MODE == "onprem"
    shown = {"plan_form", "payment_form", "po_form"} if subscription.is_paid else {"purchase_form"}
    shown.add("buyer_form")
    if is_onprem:
        shown = set()  # a server on a license buys through the cloud: the page only says so
    for name, form in (bound or {}).items():
        if name not in shown:  # e.g. a PO number sent during the trial: no such form on this page to show it next to
            for error in [error for errors in form.errors.values() for error in errors]:
                messages.error(request, str(error))
    now = clock.now()
    free = _free_plan()
    users = active_user_count(account=request.account)
    offers = _offers(subscription, users=max(1, users))
    status, badge = _status(subscription)
    until = services.refundable_until(subscription)
    invoice_rows = [
        _invoice_row(invoice, now=now)
        for invoice in selectors.invoices(account=request.account).order_by("-issued_at", "-pk")[
            :DOCUMENTS_ON_ACCOUNT_PAGE
        ]
    ]
    note_rows = [
        _credit_note_row(note)
        for note in selectors.credit_notes(account=request.account).order_by("-issued_at", "-pk")[
            :DOCUMENTS_ON_ACCOUNT_PAGE
        ]
    ]
    context: dict[str, Any] = {
        "subscription": subscription,
        "is_paid": subscription.is_paid,
        "is_onprem": is_onprem,
        "status": status,
        "status_badge": badge,
        "plan_label": f"{subscription.plan.name} ({INTERVAL_WORDS.get(subscription.interval, '')})"
        if subscription.is_paid and subscription.plan
        else "",
        "trial_left": _trial_left(subscription.trial_ends_at, now=now)
        if subscription.status == Subscription.Status.TRIALING and subscription.trial_ends_at
        else "",
        "trial_over": subscription.trial_ends_at is not None and subscription.trial_ends_at <= now,
        "named_users": users,
        "free_limits": _free_limits(free),
        "free_max_users": free.max_users if free else None,
        "balance": _money(subscription.credit_balance_minor, subscription.currency),
        "balance_note": _balance_note(subscription),
        "payment_method": payment_method_label(subscription) if subscription.payment_method_type else "",
        "card_expiry": _card_expiry(subscription),
        "is_offline_method": subscription.payment_method_type in OFFLINE_METHODS,
        "refundable_until": until if until is not None and until > now else None,
        "offers": offers,
        "invoice_rows": invoice_rows,
        "invoice_count": selectors.invoices(account=request.account).count()
        if len(invoice_rows) == DOCUMENTS_ON_ACCOUNT_PAGE
        else len(invoice_rows),
        "note_rows": note_rows,
        "note_count": selectors.credit_notes(account=request.account).count()
        if len(note_rows) == DOCUMENTS_ON_ACCOUNT_PAGE
        else len(note_rows),
        "events": [(event, statuses[event.pk]) for event in events],
        "next_cursor": next_cursor,
        "is_first_page": not request.GET.get("cursor"),
        **_forms_for(subscription, offers=offers, bound=bound),
    }
    for name in ("purchase_form", "plan_form", "payment_form"):
        if name in context:
            context.update(_choices_made(name, context[name]))
    response = render(request, "web/account.html", context)
    if bound:
        response["Cache-Control"] = "no-store"  # a page drawn from a payment form is never kept by the browser
    return response


# --- buying and changing ---


def _back_to(anchor: str) -> HttpResponse:
    return redirect(reverse("account") + anchor)


def _offer_choices(request: MemberRequest) -> list[tuple[str, str]]:
    subscription = selectors.subscription_of(account=request.account)
    return [(offer.value, offer.value) for offer in _offers(subscription, users=1)]


@sensitive_post_parameters(*CARD_FIELDS_SECRET)
@admin_required
def subscribe(request: MemberRequest) -> HttpResponseBase:
    if request.method != "POST":
        return _back_to("#buy")
    form = PurchaseForm(request.POST, offers=_offer_choices(request))
    if form.is_valid():
        plan, interval = offer_parts(form)
        try:
            subscription, invoice = services.subscription_purchase(
                account=request.account,
                actor=request.user,
                plan=plan,
                interval=interval,
                payment_method=form.payment_method_data(),
                po_number=form.cleaned_data["po_number"],
            )
        except StintError as exc:
            show_billing_error(form, exc)
        else:
            assert subscription.plan is not None
            how = (
                f"paid with {payment_method_label(subscription)}"
                if invoice.status == Invoice.Status.PAID
                else "payable within 30 days (the PDF says how)"
            )
            messages.success(
                request,
                f"You bought {subscription.plan.name} ({INTERVAL_WORDS[interval]}) for "
                f"{_users(subscription.seats)}. Invoice {invoice.number} of "
                f"{_money(invoice.amount_due_minor, invoice.currency)}: {how}.",
            )
            return _back_to("")
    return account_page(request, bound={"purchase_form": form})


@admin_required
def plan_change(request: MemberRequest) -> HttpResponseBase:
    if request.method != "POST":
        return _back_to("#plan")
    form = PlanChangeForm(request.POST, offers=_offer_choices(request))
    if form.is_valid():
        plan, interval = offer_parts(form)
        subscription = selectors.subscription_of(account=request.account)
        if subscription.plan is not None and (plan, interval) == (subscription.plan.code, subscription.interval):
            form.add_error("offer", "This is your plan already; choose another one to change to.")
            return account_page(request, bound={"plan_form": form})
        try:
            subscription, invoice, notes = services.subscription_change(
                account=request.account, actor=request.user, plan=plan, interval=interval
            )
        except StintError as exc:
            show_billing_error(form, exc)
        else:
            assert subscription.plan is not None
            parts = [f"Your subscription is now {subscription.plan.name} ({INTERVAL_WORDS[interval]})."]
            if notes:
                credited = sum(note.total_minor for note in notes)
                parts.append(
                    f"The unused part of the old plan, {_money(credited, subscription.currency)}, was credited "
                    f"({', '.join(note.number for note in notes)})."
                )
            if invoice is not None:
                parts.append(
                    f"Invoice {invoice.number}: {_money(invoice.amount_due_minor, invoice.currency)} due"
                    + (" and paid." if invoice.status == Invoice.Status.PAID else ", payable within 30 days.")
                )
            messages.success(request, " ".join(parts))
            return _back_to("#plan")
    return account_page(request, bound={"plan_form": form})


@sensitive_post_parameters(*CARD_FIELDS_SECRET)
@admin_required
def payment_method_change(request: MemberRequest) -> HttpResponseBase:
    if request.method != "POST":
        return _back_to("#payment-method")
    form = PaymentMethodForm(request.POST)
    if form.is_valid():
        try:
            subscription = services.subscription_payment_method_set(
                account=request.account, actor=request.user, payment_method=form.payment_method_data()
            )
        except StintError as exc:
            show_billing_error(form, exc)
        else:
            messages.success(
                request, f"The payment method is now {payment_method_label(subscription)}; it pays the next invoices."
            )
            return _back_to("#payment-method")
    return account_page(request, bound={"payment_form": form})


@admin_required
def buyer_change(request: MemberRequest) -> HttpResponseBase:
    """The buyer printed on new invoices and credit notes."""
    if request.method != "POST":
        return _back_to("#buyer")
    form = BuyerForm(request.POST)
    if form.is_valid():
        try:
            account_buyer_update(account=request.account, actor=request.user, **form.cleaned_data)
        except StintError as exc:
            show_billing_error(form, exc)
        else:
            messages.success(request, "Saved: new invoices and credit notes carry these billing details.")
            return _back_to("#buyer")
    return account_page(request, bound={"buyer_form": form})


@admin_required
def po_change(request: MemberRequest) -> HttpResponseBase:
    if request.method != "POST":
        return _back_to("#po")
    form = PoForm(request.POST)
    if form.is_valid():
        try:
            subscription, _, _ = services.subscription_change(
                account=request.account, actor=request.user, po_number=form.cleaned_data["po_number"]
            )
        except StintError as exc:
            show_billing_error(form, exc)
        else:
            if subscription.po_number:
                messages.success(
                    request, f"The PO number is now {subscription.po_number}; it is printed on every new invoice."
                )
            else:
                messages.success(request, "New invoices carry no PO number.")
            return _back_to("#po")
    return account_page(request, bound={"po_form": form})


# --- cancel, resume, refund: each states its consequence first ---


def _confirm(
    request: MemberRequest,
    *,
    title: str,
    points: list[str],
    button: str,
    back: str,
    amount: str = "",
    amount_label: str = "",
) -> HttpResponse:
    context = {"title": title, "points": points, "button": button, "back": back}
    return render(request, "web/billing/confirm.html", context | {"amount": amount, "amount_label": amount_label})


def _paid_or_back(request: MemberRequest) -> Subscription | None:
    subscription = selectors.subscription_of(account=request.account)
    if not subscription.is_paid or subscription.current_period_end is None:
        messages.info(request, "There is no paid subscription at the moment.")
        return None
    return subscription


@admin_required
def cancel(request: MemberRequest) -> HttpResponseBase:
    subscription = _paid_or_back(request)
    if subscription is None:
        return _back_to("")
    end = subscription.current_period_end
    assert end is not None and subscription.plan is not None
    if request.method == "POST":
        try:
            services.subscription_cancel(account=request.account, actor=request.user)
        except StintError as exc:
            messages.error(request, exc.detail)
        else:
            messages.success(
                request,
                f"The subscription is cancelled: it ends on {_when(end)}, then the account is on Free. "
                "You can resume it until then.",
            )
        return _back_to("")
    if subscription.cancel_at_period_end:
        messages.info(request, f"The subscription is already cancelled; it ends on {_when(end)}.")
        return _back_to("")
    until = services.refundable_until(subscription)
    points = [
        f"{subscription.plan.name} stays as it is until {_when(end)}; it is not renewed and nothing more is charged.",
        f"Then the account is on Free: {_free_limits(_free_plan())}. Nothing is deleted; everything comes back with a "
        "new subscription.",
        "You can resume the subscription until then.",
        "Nothing is refunded by cancelling.",
    ]
    if until is not None and until > clock.now():
        points[-1] = (
            f"Nothing is refunded by cancelling. To get the money for this period back and move to Free now, use "
            f"“Refund” instead (possible until {_when(until)})."
        )
    return _confirm(
        request,
        title="Cancel the subscription?",
        points=points,
        button="Cancel subscription",
        back="Keep subscription",
    )


@admin_required
def resume(request: MemberRequest) -> HttpResponseBase:
    subscription = _paid_or_back(request)
    if subscription is None:
        return _back_to("")
    end = subscription.current_period_end
    assert end is not None and subscription.plan is not None
    if request.method == "POST":
        try:
            services.subscription_resume(account=request.account, actor=request.user)
        except StintError as exc:
            messages.error(request, exc.detail)
        else:
            messages.success(request, f"The subscription is resumed: it renews on {_when(end)}.")
        return _back_to("")
    if not subscription.cancel_at_period_end:
        messages.info(request, f"The subscription is not cancelled; it renews on {_when(end)}.")
        return _back_to("")
    users = max(1, active_user_count(account=request.account))
    renewal = _renewal_amount(subscription, users=users)
    return _confirm(
        request,
        title="Resume the subscription?",
        points=[
            f"{subscription.plan.name} ({INTERVAL_WORDS[subscription.interval]}) renews on {_when(end)} instead "
            "of ending, and the account stays on it.",
            f"At the renewal {_money(renewal, subscription.currency)} is due for your {_users(users)} at today's "
            f"price, less any credit balance; it is paid with {payment_method_label(subscription)}.",
            "You can cancel again until then.",
        ],
        button="Resume subscription",
        back="Keep it cancelled",
        amount=_money(renewal, subscription.currency),
        amount_label=f"Due on {_short(end)}, before credit",
    )


def _renewal_amount(subscription: Subscription, *, users: int) -> int:
    """Seats x today's price (what the renewal charges before the balance); the period's price if it is off sale."""
    for plan in selectors.plans_offered():
        if plan.pk == subscription.plan_id:
            for price in plan.prices.all():
                if (price.interval, price.currency) == (subscription.interval, subscription.currency):
                    return users * price.unit_amount_minor
    return users * subscription.unit_amount_minor


@admin_required
def refund(request: MemberRequest) -> HttpResponseBase:
    subscription = _paid_or_back(request)
    if subscription is None:
        return _back_to("")
    until = services.refundable_until(subscription)
    if until is None or until <= clock.now():
        messages.error(
            request,
            "Nothing is refundable: a refund is possible within 30 days of a purchase, plan change or renewal.",
        )
        return _back_to("")
    amount = services.refund_plan(subscription).total_refund
    paid_back = _money(amount, subscription.currency)
    route = _refund_route(subscription)
    if request.method == "POST":
        try:
            notes = services.subscription_refund(account=request.account, actor=request.user)
        except StintError as exc:
            messages.error(request, exc.detail)
        else:
            numbers = ", ".join(note.number for note in notes)
            refunded = f"{paid_back} was refunded {route}" if amount else "The purchase was cancelled"
            messages.success(
                request,
                refunded
                + (f" (credit note{'s' if len(notes) != 1 else ''} {numbers})" if notes else "")
                + ". The account is now on Free.",
            )
        return _back_to("")
    users = active_user_count(account=request.account)
    limit = getattr(_free_plan(), "max_users", None)
    points = [
        f"{paid_back} is paid back {route}: everything paid for the current period."
        if amount
        else "Nothing has been paid for the current period yet, so nothing is paid back.",
        f"The account goes to Free now, not at the end of the period: {_free_limits(_free_plan())}.",
        "Any unpaid invoice of the period is voided, and a credit note is issued for each refunded invoice.",
        "Nothing is deleted: hidden time records come back with a new subscription.",
    ]
    if limit is not None and users > limit:
        points.append(
            f"Of your {_users(users)}, {limit} keep tracking time; the others keep their data but cannot track "
            "until you buy again."
        )
    points.append("This cannot be undone; you can buy a new subscription at any time.")
    return _confirm(
        request,
        title=f"Refund {paid_back} and move to Free?" if amount else "Cancel the purchase and move to Free?",
        points=points,
        button=f"Refund {paid_back}" if amount else "Cancel the purchase",
        back="Keep subscription",
        amount=paid_back,
        amount_label="Paid back now",
    )


def _refund_route(subscription: Subscription) -> str:
    return " and ".join(services.refund_routes(subscription)) or f"to {payment_method_label(subscription)}"


# --- documents ---


@admin_required
def invoice_list(request: MemberRequest) -> HttpResponse:
    try:
        rows, next_cursor = paginate_newest(
            selectors.invoices(account=request.account),
            field="issued_at",
            limit=DOCUMENTS_PER_PAGE,
            cursor=request.GET.get("cursor"),
        )
    except Malformed:
        return redirect("account_invoices")
    now = clock.now()
    return render(
        request,
        "web/billing/invoices.html",
        {
            "invoice_rows": [_invoice_row(invoice, now=now) for invoice in rows],
            "next_cursor": next_cursor,
            "is_first_page": not request.GET.get("cursor"),
        },
    )


@admin_required
def credit_note_list(request: MemberRequest) -> HttpResponse:
    try:
        rows, next_cursor = paginate_newest(
            selectors.credit_notes(account=request.account),
            field="issued_at",
            limit=DOCUMENTS_PER_PAGE,
            cursor=request.GET.get("cursor"),
        )
    except Malformed:
        return redirect("account_credit_notes")
    return render(
        request,
        "web/billing/credit_notes.html",
        {
            "note_rows": [_credit_note_row(note) for note in rows],
            "next_cursor": next_cursor,
            "is_first_page": not request.GET.get("cursor"),
        },
    )


def _pdf(content: bytes, number: str) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{number}.pdf"'
    response["Cache-Control"] = "private, no-store"
    return response


@admin_required
def invoice_pdf(request: MemberRequest, invoice_id: int) -> HttpResponse:
    invoice = selectors.invoice_get(account=request.account, invoice_id=invoice_id)
    from stint.billing.pdf import invoice_pdf as render_pdf  # WeasyPrint loads only when a PDF is asked for

    return _pdf(render_pdf(invoice), invoice.number)


@admin_required
def credit_note_pdf(request: MemberRequest, credit_note_id: int) -> HttpResponse:
    note = selectors.credit_note_get(account=request.account, credit_note_id=credit_note_id)
    from stint.billing.pdf import credit_note_pdf as render_pdf

    return _pdf(render_pdf(note), note.number)
