"""What the forms of Settings / My Account post to (admins): buying, changing the plan, interval and payment method,
the payment method alone, the PO number and document, the billing details; and cancel, resume and refund, each
behind a page that states its consequence first.

Every write goes through one billing service; a service's error is shown next to the field it names and My Account
is drawn again. Card numbers and security codes live only in the request that carries them: they are never rendered
back, logged or kept (`sensitive_post_parameters` keeps them out of error reports too).
"""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse, HttpResponseBase
from django.shortcuts import render
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST

from stint.accounts.selectors import active_user_count
from stint.accounts.services import account_buyer_update
from stint.billing import selectors, services
from stint.billing.models import Invoice, Subscription
from stint.billing.services.payment_methods import payment_method_label
from stint.billing.services.subscriptions import subscription_po_document_set
from stint.core import clock
from stint.core.errors import StintError
from stint.web.access import MemberRequest, admin_required
from stint.web.forms_billing import (
    BuyerForm,
    PaymentMethodForm,
    PlanChangeForm,
    PoDocumentForm,
    PoForm,
    PurchaseForm,
    offer_parts,
    show_billing_error,
)
from stint.web.views.billing import (
    INTERVAL_WORDS,
    account_page,
    back_to,
    day_text,
    free_limits,
    free_plan,
    money_text,
    plan_offers,
    users_text,
    when_text,
)

CARD_FIELDS_SECRET = ("number", "cvc")


# --- buying and changing ---


def _offer_choices(request: MemberRequest) -> list[tuple[str, str]]:
    subscription = selectors.subscription_of(account=request.account)
    return [(offer.value, offer.value) for offer in plan_offers(subscription, users=1)]


@sensitive_post_parameters(*CARD_FIELDS_SECRET)
@admin_required
def subscribe(request: MemberRequest) -> HttpResponseBase:
    if request.method != "POST":
        return back_to("#buy")
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
                f"{users_text(subscription.seats)}. Invoice {invoice.number} of "
                f"{money_text(invoice.amount_due_minor, invoice.currency)}: {how}.",
            )
            return back_to("")
    return account_page(request, bound={"purchase_form": form})


@sensitive_post_parameters(*CARD_FIELDS_SECRET)
@admin_required
def plan_change(request: MemberRequest) -> HttpResponseBase:
    """A new plan or interval, and the payment method from now on, in one change (monthly by card to annual by bank
    transfer, say): one call of the service, so either all of it is done or, if the charge fails, none of it."""
    if request.method != "POST":
        return back_to("#plan")
    form = PlanChangeForm(request.POST, offers=_offer_choices(request))
    if form.is_valid():
        plan, interval = offer_parts(form)
        subscription = selectors.subscription_of(account=request.account)
        same_plan = subscription.plan is not None and (plan, interval) == (
            subscription.plan.code,
            subscription.interval,
        )
        if same_plan and form.keeps_payment_method():
            form.add_error("offer", "This is your plan already; choose another one to change to.")
            return account_page(request, bound={"plan_form": form})
        try:
            subscription, invoice, notes = services.subscription_change(
                account=request.account,
                actor=request.user,
                plan=plan,
                interval=interval,
                payment_method=form.payment_method_change(),
            )
        except StintError as exc:
            show_billing_error(form, exc)
        else:
            assert subscription.plan is not None
            parts = (
                []
                if same_plan
                else [f"Your subscription is now {subscription.plan.name} ({INTERVAL_WORDS[interval]})."]
            )
            if not form.keeps_payment_method():
                parts.append(f"The payment method is now {payment_method_label(subscription)}.")
            if notes:
                credited = sum(note.total_minor for note in notes)
                parts.append(
                    f"The unused part of the old plan, {money_text(credited, subscription.currency)}, was credited "
                    f"({', '.join(note.number for note in notes)})."
                )
            if invoice is not None:
                parts.append(
                    f"Invoice {invoice.number}: {money_text(invoice.amount_due_minor, invoice.currency)} due"
                    + (
                        " and paid."
                        if invoice.status == Invoice.Status.PAID
                        else ", payable within 30 days (the PDF says how)."
                    )
                )
            messages.success(request, " ".join(parts))
            return back_to("#plan")
    return account_page(request, bound={"plan_form": form})


@sensitive_post_parameters(*CARD_FIELDS_SECRET)
@admin_required
def payment_method_change(request: MemberRequest) -> HttpResponseBase:
    if request.method != "POST":
        return back_to("#payment-method")
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
            return back_to("#payment-method")
    return account_page(request, bound={"payment_form": form})


@admin_required
def buyer_change(request: MemberRequest) -> HttpResponseBase:
    """The buyer printed on new invoices and credit notes."""
    if request.method != "POST":
        return back_to("#buyer")
    form = BuyerForm(request.POST)
    if form.is_valid():
        try:
            account_buyer_update(account=request.account, actor=request.user, **form.cleaned_data)
        except StintError as exc:
            show_billing_error(form, exc)
        else:
            messages.success(request, "Saved: new invoices and credit notes carry these billing details.")
            return back_to("#buyer")
    return account_page(request, bound={"buyer_form": form})


@admin_required
def po_change(request: MemberRequest) -> HttpResponseBase:
    if request.method != "POST":
        return back_to("#po")
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
            return back_to("#po")
    return account_page(request, bound={"po_form": form})


@admin_required
def po_document_upload(request: MemberRequest) -> HttpResponseBase:
    """Add or replace the PO document: a PDF of at most 5 MB, Regular and higher; refused with 422 otherwise."""
    if request.method != "POST":
        return back_to("#po")
    form = PoDocumentForm(request.POST, request.FILES)
    status = 422
    if form.is_valid():
        try:
            subscription = subscription_po_document_set(
                account=request.account, actor=request.user, document=form.cleaned_data["po_document"]
            )
        except StintError as exc:
            show_billing_error(form, exc)
            status = exc.status
        else:
            messages.success(
                request, f"The PO document is now {subscription.po_document_filename}; it is kept with your account."
            )
            return back_to("#po")
    return account_page(request, bound={"po_document_form": form}, status=status)


@require_POST
@admin_required
def po_document_remove(request: MemberRequest) -> HttpResponseBase:
    previous = selectors.subscription_of(account=request.account).po_document_filename
    try:
        subscription_po_document_set(account=request.account, actor=request.user, document=None)
    except StintError as exc:
        messages.error(request, exc.detail)
    else:
        if previous:
            messages.success(request, f"The PO document {previous} was removed.")
        else:
            messages.info(request, "There is no PO document to remove.")
    return back_to("#po")


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
        return back_to("")
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
                f"The subscription is cancelled: it ends on {when_text(end)}, then the account is on Free. "
                "You can resume it until then.",
            )
        return back_to("")
    if subscription.cancel_at_period_end:
        messages.info(request, f"The subscription is already cancelled; it ends on {when_text(end)}.")
        return back_to("")
    until = services.refundable_until(subscription)
    points = [
        f"{subscription.plan.name} stays as it is until {when_text(end)}; it is not renewed and nothing more is "
        "charged.",
        f"Then the account is on Free: {free_limits(free_plan())}. Nothing is deleted; everything comes back with a "
        "new subscription.",
        "You can resume the subscription until then.",
        "Nothing is refunded by cancelling.",
    ]
    if until is not None and until > clock.now():
        points[-1] = (
            f"Nothing is refunded by cancelling. To get the money for this period back and move to Free now, use "
            f"“Refund” instead (possible until {when_text(until)})."
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
        return back_to("")
    end = subscription.current_period_end
    assert end is not None and subscription.plan is not None
    if request.method == "POST":
        try:
            services.subscription_resume(account=request.account, actor=request.user)
        except StintError as exc:
            messages.error(request, exc.detail)
        else:
            messages.success(request, f"The subscription is resumed: it renews on {when_text(end)}.")
        return back_to("")
    if not subscription.cancel_at_period_end:
        messages.info(request, f"The subscription is not cancelled; it renews on {when_text(end)}.")
        return back_to("")
    users = max(1, active_user_count(account=request.account))
    renewal = _renewal_amount(subscription, users=users)
    return _confirm(
        request,
        title="Resume the subscription?",
        points=[
            f"{subscription.plan.name} ({INTERVAL_WORDS[subscription.interval]}) renews on {when_text(end)} instead "
            "of ending, and the account stays on it.",
            f"At the renewal {money_text(renewal, subscription.currency)} is due for your {users_text(users)} at "
            f"today's price, less any credit balance; it is paid with {payment_method_label(subscription)}.",
            "You can cancel again until then.",
        ],
        button="Resume subscription",
        back="Keep it cancelled",
        amount=money_text(renewal, subscription.currency),
        amount_label=f"Due on {day_text(end)}, before credit",
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
        return back_to("")
    until = services.refundable_until(subscription)
    if until is None or until <= clock.now():
        messages.error(
            request,
            "Nothing is refundable: a refund is possible within 30 days of a purchase, plan change or renewal.",
        )
        return back_to("")
    amount = services.refund_plan(subscription).total_refund
    paid_back = money_text(amount, subscription.currency)
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
        return back_to("")
    users = active_user_count(account=request.account)
    limit = getattr(free_plan(), "max_users", None)
    points = [
        f"{paid_back} is paid back {route}: everything paid for the current period."
        if amount
        else "Nothing has been paid for the current period yet, so nothing is paid back.",
        f"The account goes to Free now, not at the end of the period: {free_limits(free_plan())}.",
        "Any unpaid invoice of the period is voided, and a credit note is issued for each refunded invoice.",
        "Nothing is deleted: hidden time records come back with a new subscription.",
    ]
    if limit is not None and users > limit:
        points.append(
            f"Of your {users_text(users)}, {limit} keep tracking time; the others keep their data but cannot track "
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
