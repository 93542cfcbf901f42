"""Settings / My Account on an on-prem server (admins). The subscription lives in our cloud: an online server
connects to the customer's cloud account once, then buys and changes the subscription here, through the cloud's
API, and its license follows (stint.licensing.cloud_account). Without STINT_LICENSE_SERVER_URL the page explains
the offline way: order from sales, install the license file."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.utils.dateparse import parse_datetime
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST

from stint.core.errors import StintError
from stint.licensing import cloud_account
from stint.licensing.cloud_http import CloudRefused
from stint.licensing.onprem import license_status
from stint.licensing.server import active_users, server_identity
from stint.web.access import MemberRequest, admin_required
from stint.web.forms_billing import (
    KEEP_PAYMENT_METHOD,
    PlanChangeForm,
    PoForm,
    PurchaseForm,
    offer_parts,
    offer_value,
    show_billing_error,
)
from stint.web.views.billing import (
    BILLING_REASON_WORDS,
    CREDIT_REASON_WORDS,
    INTERVAL_WORDS,
    PlanPrices,
    money_text,
    offers_of,
    users_text,
)
from stint.web.views.billing_actions import CARD_FIELDS_SECRET

# Kept out of Django's error reports: the card (as on the cloud's own My Account) and the cloud account's password.
SECRET_FIELDS = (*CARD_FIELDS_SECRET, "password")


class CloudConnectForm(forms.Form):
    email = forms.EmailField(label="Email of your Stint cloud account", max_length=254)
    password = forms.CharField(label="Password", widget=forms.PasswordInput, max_length=200, strip=False)


class IdempotentForm(forms.Form):
    idempotency_key = forms.CharField(widget=forms.HiddenInput, max_length=100, required=False)


def _cloud_plans(plans: list[dict[str, Any]]) -> tuple[list[PlanPrices], str]:
    currency = "USD"
    found = []
    for plan in plans:
        prices = {price["interval"]: int(price["unit_amount_minor"]) for price in plan.get("prices") or []}
        if prices and plan["code"] != "free":
            currency = plan["prices"][0]["currency"]
            found.append(PlanPrices(plan["code"], plan["name"], prices))
    return found, currency


def _when(value: str | None) -> datetime | None:
    return parse_datetime(value) if value else None


def _documents(items: list[dict[str, Any]], *, kind: str) -> list[dict[str, Any]]:
    rows = []
    for item in items:
        currency = item.get("currency", "USD")
        if kind == "invoice":
            words = BILLING_REASON_WORDS.get(item["billing_reason"], item["billing_reason"])
            amount = money_text(item["total_minor"], currency)
            status = item["status"]
        else:
            words = CREDIT_REASON_WORDS.get(item["reason"], item["reason"])
            amount = money_text(item["total_minor"], currency)
            status = "refunded" if item.get("refund_minor") else "credited"
        rows.append(
            {"kind": kind, "noun": kind.replace("_", " "), "id": item["id"], "number": item["number"],
             "issued_at": _when(item["issued_at"]), "what": words, "amount": amount, "status": status}
        )  # fmt: skip
    return rows


def onprem_context(request: MemberRequest, *, bound: dict[str, forms.Form]) -> dict[str, Any]:
    """What My Account shows of the cloud on an on-prem server (under `onprem` in the page's context)."""
    identity = server_identity()
    context: dict[str, Any] = {
        "online": bool(settings.STINT_LICENSE_SERVER_URL),
        "cloud_url": settings.STINT_LICENSE_SERVER_URL,
        "identity": identity,
        "named_users": active_users(),
        "connect_form": bound.get("connect_form") or CloudConnectForm(),
        "license": license_status(),
    }
    if context["online"] and identity.cloud_token:
        try:
            overview = cloud_account.cloud_overview()
        except StintError as exc:
            context["cloud_error"] = exc.detail
        else:
            context.update(_connected(overview, bound=bound, users=max(1, context["named_users"])))
    return context


def _page(request: MemberRequest, **bound: forms.Form) -> HttpResponse:
    from stint.web.views.billing import account_page

    return account_page(request, onprem_bound=bound)


def _connected(overview: dict[str, Any], *, bound: dict[str, forms.Form], users: int) -> dict[str, Any]:
    subscription = overview["subscription"]
    plans, currency = _cloud_plans(overview["plans"])
    paid = subscription["status"] in ("active", "past_due")
    current = offer_value(subscription["plan"], subscription["interval"]) if paid and subscription["plan"] else ""
    offers = offers_of(plans, currency=currency, users=users, paid=paid, current=current)
    choices = [(offer.value, offer.value) for offer in offers]
    method = subscription.get("payment_method") or {}
    label = {"card": f"{(method.get('brand') or 'card').title()} •••• {method.get('last4')}",
             "bank_transfer": "Bank transfer", "check": "Check"}.get(method.get("type") or "", "None")  # fmt: skip
    key = cloud_account.new_idempotency_key()
    context: dict[str, Any] = {
        "cloud": subscription,
        "cloud_paid": paid,
        "cloud_period_end": _when(subscription.get("current_period_end")),
        "cloud_refundable_until": _when(subscription.get("refundable_until")),
        "cloud_payment_method": label,
        "cloud_balance": money_text(subscription.get("credit_balance_minor") or 0, subscription["currency"]),
        "interval_words": INTERVAL_WORDS.get(subscription.get("interval") or "", ""),
        "offers": offers,
        "documents": _documents(overview["invoices"], kind="invoice")
        + _documents(overview["credit_notes"], kind="credit_note"),
        "idempotency_key": key,
    }
    if paid:
        context["plan_form"] = bound.get("plan_form") or PlanChangeForm(offers=choices, initial={"offer": current})
        context["po_form"] = bound.get("po_form") or PoForm(initial={"po_number": subscription.get("po_number", "")})
    else:
        first = choices[0][0] if choices else ""
        context["purchase_form"] = bound.get("purchase_form") or PurchaseForm(offers=choices, initial={"offer": first})
    for name in ("plan_form", "purchase_form"):
        form = context.get(name)
        if form is not None:
            context[f"{name}_offer"] = form["offer"].value() or ""
            context[f"{name}_method"] = form["payment_method"].value() or ""
    return context


def _offer_choices() -> list[tuple[str, str]]:
    plans, _ = _cloud_plans(cloud_account.cloud_plans())
    return [(offer_value(plan.code, interval), "") for plan in plans for interval in plan.prices]


def _show_cloud_error(form: forms.Form, exc: StintError) -> None:
    """The cloud's refusal next to the field it names; a card the cloud could not charge (402) next to the card
    number, as in the cloud's own My Account."""
    typed_card = getattr(form, "cleaned_data", {}).get("payment_method") == "card" and "number" in form.fields
    if isinstance(exc, CloudRefused) and exc.cloud_status == 402 and typed_card and not exc.field:
        form.add_error("number", exc.detail)
        return
    show_billing_error(form, exc)


def _done(request: MemberRequest, message: str, license_problem: str) -> HttpResponse:
    messages.success(request, message)
    if license_problem:
        messages.error(
            request,
            f"The license of this server could not be updated yet: {license_problem} It is tried again daily; "
            "Settings / License shows its state.",
        )
    return redirect("account")


@require_POST
@sensitive_post_parameters(*SECRET_FIELDS)
@admin_required
def cloud_connect(request: MemberRequest) -> HttpResponse:
    form = CloudConnectForm(request.POST)
    if form.is_valid():
        try:
            cloud_account.cloud_connect(
                actor=request.user, email=form.cleaned_data["email"], password=form.cleaned_data["password"]
            )
        except StintError as exc:
            form.add_error("password" if exc.field == "password" else None, exc.detail)
        else:
            messages.success(request, "This server is connected to your account in Stint's cloud.")
            return redirect("account")
    return _page(request, connect_form=form)


@require_POST
@admin_required
def cloud_disconnect(request: MemberRequest) -> HttpResponse:
    cloud_account.cloud_disconnect()
    messages.success(request, "This server no longer signs in to Stint's cloud. The installed license stays.")
    return redirect("account")


@require_POST
@sensitive_post_parameters(*SECRET_FIELDS)
@admin_required
def cloud_buy(request: MemberRequest) -> HttpResponse:
    try:
        form = PurchaseForm(request.POST, offers=_offer_choices())
    except StintError as exc:
        messages.error(request, exc.detail)
        return redirect("account")
    if form.is_valid():
        plan, interval = offer_parts(form)
        try:
            bought, problem = cloud_account.cloud_purchase(
                actor=request.user,
                plan=plan,
                interval=interval,
                payment_method=form.payment_method_data(),
                po_number=form.cleaned_data["po_number"],
                idempotency_key=request.POST.get("idempotency_key", "")[:100],
            )
        except StintError as exc:
            _show_cloud_error(form, exc)
        else:
            invoice, subscription = bought["invoice"], bought["subscription"]
            return _done(
                request,
                f"You bought {plan.title()} ({INTERVAL_WORDS[interval]}) for {users_text(subscription['seats'])}. "
                f"Invoice {invoice['number']} of {money_text(invoice['amount_due_minor'], invoice['currency'])}.",
                problem,
            )
    return _page(request, purchase_form=form)


@require_POST
@sensitive_post_parameters(*SECRET_FIELDS)
@admin_required
def cloud_plan(request: MemberRequest) -> HttpResponse:
    try:
        form = PlanChangeForm(request.POST, offers=_offer_choices())
    except StintError as exc:
        messages.error(request, exc.detail)
        return redirect("account")
    if form.is_valid():
        plan, interval = offer_parts(form)
        changes: dict[str, Any] = {"plan": plan, "interval": interval}
        if form.cleaned_data["payment_method"] not in ("", KEEP_PAYMENT_METHOD):
            changes["payment_method"] = form.payment_method_data()
        try:
            changed, problem = cloud_account.cloud_change(
                actor=request.user, changes=changes, idempotency_key=request.POST.get("idempotency_key", "")[:100]
            )
        except StintError as exc:
            _show_cloud_error(form, exc)
        else:
            invoice = changed.get("invoice")
            charged = (
                f" Invoice {invoice['number']} of {money_text(invoice['amount_due_minor'], invoice['currency'])}."
                if invoice
                else ""
            )
            return _done(
                request, f"The subscription is now {plan.title()} ({INTERVAL_WORDS[interval]}).{charged}", problem
            )
    return _page(request, plan_form=form)


@require_POST
@admin_required
def cloud_po(request: MemberRequest) -> HttpResponse:
    form = PoForm(request.POST)
    if form.is_valid():
        try:
            _, problem = cloud_account.cloud_change(
                actor=request.user,
                changes={"po_number": form.cleaned_data["po_number"]},
                idempotency_key=request.POST.get("idempotency_key", "")[:100],
            )
        except StintError as exc:
            form.add_error("po_number" if exc.field == "po_number" else None, exc.detail)
        else:
            return _done(request, "The PO number was saved; it is printed on every invoice from now on.", problem)
    return _page(request, po_form=form)


ACTION_WORDS = {
    "cancel": "The subscription is cancelled: it ends at the end of the period, and this server then runs as Free.",
    "resume": "The subscription is resumed and renews at the end of the period.",
    "refund": "The purchase is refunded and the subscription ended; this server runs as Free once its license "
    "is updated.",
}


@require_POST
@admin_required
def cloud_subscription_action(request: MemberRequest, action: str) -> HttpResponse:
    if action not in ACTION_WORDS:
        return redirect("account")
    if request.POST.get("confirm") != "yes":
        messages.error(request, "Tick the box to confirm.")
        return redirect("account")
    try:
        _, problem = cloud_account.cloud_action(actor=request.user, action=action)
    except StintError as exc:
        messages.error(request, exc.detail)
        return redirect("account")
    return _done(request, ACTION_WORDS[action], problem)


@admin_required
def cloud_document_pdf(request: MemberRequest, kind: str, document_id: int) -> HttpResponse:
    if kind not in ("invoice", "credit_note"):
        raise Http404("No such document.")
    try:
        number, content = cloud_account.cloud_document_pdf(kind=kind, document_id=document_id)
    except StintError as exc:
        messages.error(request, exc.detail)
        return redirect("account")
    response = HttpResponse(content, content_type="application/pdf")
    safe = re.sub(r"[^A-Za-z0-9-]", "", number)[:40] or f"{kind}-{int(document_id)}"
    response["Content-Disposition"] = f'attachment; filename="{safe}.pdf"'
    return response
