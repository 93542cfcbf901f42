"""Settings / My Account (admins): the page itself (the subscription, its forms, the newest documents and the event
log), the lists of invoices and credit notes, and the downloads (invoice and credit note PDFs, the PO document).

The forms post to stint.web.views.billing_actions, which draws this page again, with the form's errors next to its
fields, when a change cannot be made.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone

from stint.accounts.selectors import active_user_count
from stint.billing import selectors, services
from stint.billing.models import CreditNote, Interval, Invoice, PaymentMethodType, Plan, Subscription
from stint.billing.services.payment_methods import OFFLINE_METHODS, payment_method_label
from stint.core import clock
from stint.core.errors import Malformed
from stint.core.money import Money
from stint.core.pagination import paginate, paginate_newest
from stint.notifications.selectors import account_events, email_statuses
from stint.web.access import MemberRequest, admin_required
from stint.web.forms_billing import (
    BuyerForm,
    PaymentMethodFields,
    PaymentMethodForm,
    PlanChangeForm,
    PoDocumentForm,
    PoForm,
    PurchaseForm,
    offer_value,
    stripe_publishable_key,
)

EVENTS_PER_PAGE = 50
DOCUMENTS_ON_ACCOUNT_PAGE = 10
DOCUMENTS_PER_PAGE = 50

# What sets the plans apart, in a few words (their prices and limits come from the database).
PLAN_SUMMARY = {
    "regular": "Every feature, unlimited named users, email support.",
    "enterprise": "Everything in Regular, plus priority support and licenses for several on-prem servers (the audit "
    "log is on its way).",
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


def money_text(amount_minor: int, currency: str) -> str:
    return Money(amount_minor, currency).format()


def when_text(moment: datetime) -> str:
    """An instant as the page shows it: in the user's time zone (the views run under it), with the zone named."""
    local = timezone.localtime(moment)
    return f"{local:%B} {local.day}, {local:%Y, %H:%M} ({timezone.get_current_timezone_name()})"


def day_text(moment: datetime) -> str:
    """A day as the tables show it, in the user's time zone: "Mar 2, 2026"."""
    local = timezone.localtime(moment)
    return f"{local:%b} {local.day}, {local:%Y}"


def users_text(count: int) -> str:
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


@dataclass(frozen=True)
class PlanPrices:
    """A plan on sale and its price per named user for each interval, from our database or from our cloud's
    GET /plans (an on-prem server's My Account)."""

    code: str
    name: str
    prices: dict[str, int]  # interval -> minor units per user


def plan_offers(subscription: Subscription, *, users: int) -> list[Offer]:
    """Regular and Enterprise, monthly and annual, priced in the subscription's currency from the database."""
    current = (
        offer_value(subscription.plan.code, subscription.interval) if subscription.is_paid and subscription.plan else ""
    )
    plans = [
        PlanPrices(
            plan.code,
            plan.name,
            {
                price.interval: price.unit_amount_minor
                for price in plan.prices.all()
                if price.currency == subscription.currency
            },
        )
        for plan in selectors.plans_offered()
    ]
    return offers_of(plans, currency=subscription.currency, users=users, paid=subscription.is_paid, current=current)


def offers_of(plans: list[PlanPrices], *, currency: str, users: int, paid: bool, current: str) -> list[Offer]:
    """Each plan at each interval, as the plan picker shows it (the price, the total for `users`, the saving of
    annual billing). `current`: the offer the subscription is on, e.g. "regular:month"."""
    offers: list[Offer] = []
    for plan in plans:
        monthly = plan.prices.get(Interval.MONTH)
        for interval in (Interval.MONTH, Interval.YEAR):
            price = plan.prices.get(interval)
            if price is None:
                continue
            saving = ""
            if interval == Interval.YEAR and monthly is not None:
                saved = 12 * monthly - price
                if saved > 0:
                    saving = f"saves {money_text(saved, currency)} per user a year compared with monthly"
            unit = INTERVAL_UNIT[interval]
            offers.append(
                Offer(
                    value=offer_value(plan.code, interval),
                    plan_name=plan.name,
                    summary=PLAN_SUMMARY.get(plan.code, ""),
                    interval=interval,
                    interval_words=INTERVAL_WORDS[interval],
                    unit_price=money_text(price, currency),
                    per=f"per user per {unit}",
                    total=money_text(price * users, currency),
                    total_note=f"a {unit} for your {users_text(users)}"
                    if paid
                    else f"now, for your {users_text(users)}",
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
        note = f"on {day_text(invoice.paid_at)}" if invoice.paid_at else ""
    elif invoice.status == Invoice.Status.VOID:
        status, badge, note = "Void", "muted", "nothing is owed"
    elif invoice.first_failed_at is not None:
        status, badge, note = "Payment failed", "error", "we retry the card; you can change it on My Account"
    elif invoice.due_at <= now:
        status, badge, note = "Overdue", "error", f"was due on {day_text(invoice.due_at)}"
    else:
        status, badge, note = "Open", "warn", f"due on {day_text(invoice.due_at)}"
    return InvoiceRow(
        invoice=invoice,
        reason=BILLING_REASON_WORDS.get(invoice.billing_reason, invoice.billing_reason),
        total=money_text(invoice.total_minor, invoice.currency),
        amount_due=money_text(invoice.amount_due_minor, invoice.currency),
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
        total=money_text(note.total_minor, note.currency),
        refunded=money_text(note.refund_minor, note.currency),
        credited=money_text(note.credit_minor + note.applied_minor, note.currency),
    )


def free_plan() -> Plan | None:
    return Plan.objects.filter(code="free").first()


def free_limits(plan: Plan | None) -> str:
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
        found.setdefault("po_document_form", PoDocumentForm())
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


def account_page(
    request: MemberRequest,
    *,
    bound: dict[str, forms.Form] | None = None,
    status: int = 200,
    onprem_bound: dict[str, forms.Form] | None = None,
) -> HttpResponse:
    """My Account: the subscription and its forms, the newest documents and the event log. `bound` holds a form
    sent back with its errors; `status` is the answer's (422 when a rule refused what was sent). On an on-prem
    server the subscription is bought in our cloud: `onprem_bound` holds those forms (billing_onprem)."""
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
    shown = {"plan_form", "payment_form", "po_form", "po_document_form"} if subscription.is_paid else {"purchase_form"}
    shown.add("buyer_form")
    if bound and "po_document_form" in bound:
        # Sent during a trial or on Free (from a page opened before a refund, say): the answer goes next to the
        # upload field, which the page then shows.
        shown.add("po_document_form")
    if is_onprem:
        shown = set()  # a server on a license buys through the cloud: the page only says so
    for name, form in (bound or {}).items():
        if name not in shown:  # e.g. a PO number sent during the trial: no such form on this page to show it next to
            for error in [error for errors in form.errors.values() for error in errors]:
                messages.error(request, str(error))
    now = clock.now()
    free = free_plan()
    users = active_user_count(account=request.account)
    offers = plan_offers(subscription, users=max(1, users))
    status_words, badge = _status(subscription)
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
        "stripe_key": stripe_publishable_key() if shown & {"purchase_form", "plan_form", "payment_form"} else "",
        "status": status_words,
        "status_badge": badge,
        "plan_label": f"{subscription.plan.name} ({INTERVAL_WORDS.get(subscription.interval, '')})"
        if subscription.is_paid and subscription.plan
        else "",
        "trial_left": _trial_left(subscription.trial_ends_at, now=now)
        if subscription.status == Subscription.Status.TRIALING and subscription.trial_ends_at
        else "",
        "trial_over": subscription.trial_ends_at is not None and subscription.trial_ends_at <= now,
        "named_users": users,
        "free_limits": free_limits(free),
        "free_max_users": free.max_users if free else None,
        "balance": money_text(subscription.credit_balance_minor, subscription.currency),
        "balance_note": _balance_note(subscription),
        "payment_method": payment_method_label(subscription) if subscription.payment_method_type else "",
        "card_expiry": _card_expiry(subscription),
        "is_offline_method": subscription.payment_method_type in OFFLINE_METHODS,
        "refundable_until": until if until is not None and until > now else None,
        "po_document_name": subscription.po_document_filename,
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
    if is_onprem:
        from stint.web.views.billing_onprem import onprem_context  # the cloud's side of an on-prem page

        context["onprem"] = onprem_context(request, bound=onprem_bound or {})
        for name in ("purchase_form", "plan_form"):
            if name in context["onprem"]:
                context["onprem"].update(_choices_made(name, context["onprem"][name]))
    response = render(request, "web/account.html", context, status=status)
    if bound or onprem_bound:
        response["Cache-Control"] = "no-store"  # a page drawn from a payment form is never kept by the browser
    return response


def back_to(anchor: str) -> HttpResponse:
    """My Account again, at the section that was changed."""
    return redirect(reverse("account") + anchor)


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


@admin_required
def po_document_download(request: MemberRequest) -> FileResponse:
    """The account's own PO document, to its admins only: it is never on a public URL, and there is nothing to name
    another account's document with."""
    subscription = selectors.subscription_of(account=request.account)
    if not subscription.po_document:
        raise Http404("There is no PO document.")
    try:
        handle = subscription.po_document.open("rb")
    except FileNotFoundError:
        raise Http404("The PO document's file is missing.") from None
    response = FileResponse(
        handle, as_attachment=True, filename=subscription.po_document_filename, content_type="application/pdf"
    )
    response["Cache-Control"] = "private, no-store"
    return response
