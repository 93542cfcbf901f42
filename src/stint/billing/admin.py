"""Back-office for billing: plans and prices are edited by staff; documents and the ledger are read-only (a final
document is never edited; corrections are credit notes)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from decimal import Decimal
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import URLPattern, path, reverse

from stint.accounts.selectors import active_user_count
from stint.billing.models import (
    BalanceEntry,
    CreditNote,
    CreditNoteLine,
    Invoice,
    InvoiceLine,
    Payment,
    Plan,
    Price,
    StripeEvent,
    Subscription,
)
from stint.billing.services import (
    refund_plan,
    subscription_cancel,
    subscription_purchase,
    subscription_refund,
    subscription_resume,
)
from stint.billing.services.adjustments import credit_note_by_staff, refund_paid_back_record
from stint.billing.services.collection import invoice_payment_record
from stint.billing.services.documents import creditable_minor, invoice_outstanding
from stint.core import clock
from stint.core.errors import StintError
from stint.core.money import Money


class PriceInline(admin.TabularInline):
    model = Price
    extra = 0


@admin.register(Plan)
class PlanAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "edition", "max_users", "max_visible_time_records", "is_active", "position")
    inlines = [PriceInline]


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class _DocumentLineInline(admin.TabularInline):
    """A final document's lines: shown, never added, changed or deleted."""

    extra = 0
    can_delete = False

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return [f.name for f in self.model._meta.fields]

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class InvoiceLineInline(_DocumentLineInline):
    model = InvoiceLine


class CreditNoteLineInline(_DocumentLineInline):
    model = CreditNoteLine


class SellForm(forms.Form):
    """An offline purchase: what a customer orders from our sales team by mail."""

    plan = forms.ChoiceField(choices=[("regular", "Regular"), ("enterprise", "Enterprise")])
    interval = forms.ChoiceField(
        choices=[("year", "Annual")], help_text="Bank transfer and check come with annual plans only"
    )
    payment_method = forms.ChoiceField(choices=[("bank_transfer", "Bank transfer"), ("check", "Check")])
    po_number = forms.CharField(label="PO number", required=False, max_length=60)


def _staff_form_page(request: HttpRequest, *, admin_view: Any, obj: Any, title: str, form: forms.Form,
                     button: str, intro: list[str]) -> HttpResponse:  # fmt: skip
    opts = admin_view.model._meta
    context = {
        **admin_view.admin_site.each_context(request),
        "title": title,
        "form": form,
        "button": button,
        "intro": intro,
        "opts": opts,
        "back_url": reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk]),
        "back_label": str(obj),
    }
    return render(request, "admin/billing/staff_form.html", context)


def _logged(admin_view: Any, request: HttpRequest, obj: Any, message: str, *, shown: str = "") -> HttpResponse:
    """A staff action done: written to the object's admin history, said to the staff member, and back to the
    object's page."""
    admin_view.log_change(request, obj, message)
    admin_view.message_user(request, shown or message)
    opts = obj._meta
    return redirect(f"admin:{opts.app_label}_{opts.model_name}_change", obj.pk)


def _form_error(form: forms.Form, error: StintError) -> None:
    """A service's refusal next to the field it names, if the form has that field."""
    form.add_error(error.field if error.field in form.fields else None, error.detail)


def _received_at(day: date) -> datetime:
    """The instant for a day staff typed: now if it is today (UTC), else noon UTC of that day, which the services
    refuse if it lies in the future."""
    now = clock.now()
    return now if day == now.date() else datetime.combine(day, time(12), tzinfo=UTC)


@admin.register(Subscription)
class SubscriptionAdmin(ReadOnlyAdmin):
    list_display = ("account", "edition", "status", "plan", "interval", "seats", "current_period_end")
    list_filter = ("edition", "status", "interval")
    search_fields = ("account__name", "account__owner__email")
    exclude = ("card_reference", "subscription_key", "po_document")
    change_form_template = "admin/billing/subscription/change_form.html"
    actions = ["cancel_at_period_end", "resume"]

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Viewing stays read-only (the fields are all read-only); the change permission lets staff run the actions.
        return bool(request.user.is_staff and request.user.has_perm("billing.change_subscription"))

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        hidden = ("card_reference", "subscription_key", "po_document")  # the document: downloaded in My Account
        return [f.name for f in Subscription._meta.fields if f.name not in hidden]

    def get_urls(self) -> list[URLPattern]:
        wrap = self.admin_site.admin_view
        return [
            path("<int:pk>/sell/", wrap(self.sell_view), name="billing_subscription_sell"),
            path("<int:pk>/refund/", wrap(self.refund_view), name="billing_subscription_refund"),
            *super().get_urls(),
        ]

    def _staff_action(self, request: HttpRequest, queryset: QuerySet[Subscription], action: Any, verb: str) -> None:
        for subscription in queryset.select_related("account"):
            try:
                action(account=subscription.account, actor=request.user, by_staff=True)
            except StintError as error:
                self.message_user(request, f"{subscription.account}: {error.detail}", level=messages.ERROR)
            else:
                self.log_change(request, subscription, f"{verb} at the customer's request")
                self.message_user(request, f"{subscription.account}: {verb}.")

    @admin.action(description="Cancel at the end of the period (the customer asked)", permissions=["change"])
    def cancel_at_period_end(self, request: HttpRequest, queryset: QuerySet[Subscription]) -> None:
        self._staff_action(request, queryset, subscription_cancel, "cancelled at the end of the period")

    @admin.action(description="Resume (undo a cancellation)", permissions=["change"])
    def resume(self, request: HttpRequest, queryset: QuerySet[Subscription]) -> None:
        self._staff_action(request, queryset, subscription_resume, "resumed")

    def sell_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        subscription = get_object_or_404(Subscription.objects.select_related("account"), pk=pk)
        if not self.has_change_permission(request, subscription):
            raise PermissionDenied
        form = SellForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                subscription, invoice = subscription_purchase(
                    account=subscription.account,
                    actor=request.user,  # type: ignore[arg-type]
                    plan=data["plan"],
                    interval=data["interval"],
                    payment_method={"type": data["payment_method"]},
                    po_number=data["po_number"],
                    by_staff=True,
                )
            except StintError as error:
                _form_error(form, error)
            else:
                message = (
                    f"Sold {data['plan']} ({data['interval']}) by {data['payment_method']}"
                    f"{', PO ' + data['po_number'] if data['po_number'] else ''}; invoice {invoice.number}, "
                    f"{Money(invoice.total_minor, invoice.currency).format()}, due {invoice.due_at:%Y-%m-%d}."
                )
                return _logged(self, request, subscription, message)
        return _staff_form_page(
            request,
            admin_view=self,
            obj=subscription,
            title=f"Create a subscription for {subscription.account}",
            form=form,
            button="Create the subscription and its invoice",
            intro=[
                f"The account has {active_user_count(account=subscription.account)} named users: the invoice is for "
                "that many seats, open with 30-day terms. Record the payment on the invoice when it arrives.",
            ],
        )

    def refund_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        subscription = get_object_or_404(Subscription.objects.select_related("account"), pk=pk)
        if not self.has_change_permission(request, subscription):
            raise PermissionDenied
        form = forms.Form(request.POST or None)
        plan = refund_plan(subscription)
        amount = Money(plan.total_refund, subscription.currency).format()
        if request.method == "POST":
            try:
                notes = subscription_refund(account=subscription.account, actor=request.user, by_staff=True)  # type: ignore[arg-type]
            except StintError as error:
                self.message_user(request, error.detail, level=messages.ERROR)
            else:
                message = f"Refunded {amount} ({', '.join(n.number for n in notes)}); the account is on Free."
                return _logged(self, request, subscription, message)
            return redirect("admin:billing_subscription_change", subscription.pk)
        return _staff_form_page(
            request,
            admin_view=self,
            obj=subscription,
            title=f"Refund {subscription.account}",
            form=form,
            button=f"Refund {amount} and move to Free",
            intro=[
                f"{amount} is paid back (to the card, or recorded as paid back out of band), unpaid invoices of the "
                "period are voided and the account moves to Free now. Possible within 30 days of a purchase.",
            ],
        )


class CreditForm(forms.Form):
    amount = forms.DecimalField(min_value=Decimal("0.001"), decimal_places=3, help_text="Tax included")
    reason = forms.CharField(max_length=300, help_text="Printed on the credit note")
    refund = forms.BooleanField(required=False, help_text="Pay it back; otherwise it goes to the credit balance")


class PaymentRecordForm(forms.Form):
    amount = forms.DecimalField(min_value=Decimal("0.001"), decimal_places=3, help_text="In the invoice's currency")
    paid_on = forms.DateField(label="Received on", help_text="YYYY-MM-DD")
    reference = forms.CharField(max_length=100, help_text="The bank transfer's reference or the check number")


@admin.register(Invoice)
class InvoiceAdmin(ReadOnlyAdmin):
    list_display = ("number", "account", "status", "billing_reason", "total_minor", "amount_due_minor", "issued_at")
    list_filter = ("status", "billing_reason")
    search_fields = ("number", "account__name", "po_number")
    inlines = [InvoiceLineInline]
    change_form_template = "admin/billing/invoice/change_form.html"

    def get_urls(self) -> list[URLPattern]:
        record = self.admin_site.admin_view(self.record_payment_view)
        credit = self.admin_site.admin_view(self.credit_view)
        return [
            path("<int:invoice_id>/record-payment/", record, name="billing_invoice_record_payment"),
            path("<int:invoice_id>/credit/", credit, name="billing_invoice_credit"),
            *super().get_urls(),
        ]

    def credit_view(self, request: HttpRequest, invoice_id: int) -> HttpResponse:
        """A credit note with a reason, refunded or credited to the balance; logged in the admin history."""
        if not request.user.has_perm("billing.change_invoice"):
            raise PermissionDenied  # moving money needs more than seeing invoices
        invoice = get_object_or_404(Invoice, pk=invoice_id)
        form = CreditForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                amount = Money.from_major(form.cleaned_data["amount"], invoice.currency).amount_minor
                note = credit_note_by_staff(
                    invoice_id=invoice.pk,
                    amount_minor=amount,
                    reason=form.cleaned_data["reason"],
                    refund=form.cleaned_data["refund"],
                    actor=request.user,  # type: ignore[arg-type]
                )
            except ValueError:
                form.add_error("amount", f"{invoice.currency} has no such fraction of its unit.")
            except StintError as error:
                _form_error(form, error)
            else:
                message = (
                    f"Issued {note.number} of {Money(note.total_minor, note.currency).format()} "
                    f"({'refunded' if note.refund_minor else 'to the balance'}): {note.memo}"
                )
                return _logged(self, request, invoice, message)
        return _staff_form_page(
            request,
            admin_view=self,
            obj=invoice,
            title=f"Credit note for {invoice.number}",
            form=form,
            button="Issue the credit note",
            intro=[
                f"{invoice.account}: {invoice.number} has "
                f"{Money(creditable_minor(invoice), invoice.currency).format()} left to credit."
            ],
        )

    def record_payment_view(self, request: HttpRequest, invoice_id: int) -> HttpResponse:
        """Sales records a bank transfer or check received for an open invoice; logged in the admin history."""
        if not request.user.has_perm("billing.change_invoice"):
            raise PermissionDenied  # moving money needs more than seeing invoices
        invoice = get_object_or_404(Invoice, pk=invoice_id)
        form = PaymentRecordForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                amount = Money.from_major(form.cleaned_data["amount"], invoice.currency).amount_minor
                invoice = invoice_payment_record(
                    invoice_id=invoice.pk,
                    amount_minor=amount,
                    reference=form.cleaned_data["reference"],
                    paid_at=_received_at(form.cleaned_data["paid_on"]),
                    actor=request.user,  # type: ignore[arg-type]
                )
            except ValueError:
                form.add_error("amount", f"{invoice.currency} has no such fraction of its unit.")
            except StintError as error:
                _form_error(form, error)
            else:
                message = (
                    f"Recorded a payment of {Money(amount, invoice.currency).format()} received on "
                    f"{form.cleaned_data['paid_on']}, reference {form.cleaned_data['reference']}."
                )
                shown = f"{invoice.number}: {message} The invoice is now {invoice.status}."
                return _logged(self, request, invoice, message, shown=shown)
        context = {
            **self.admin_site.each_context(request),
            "title": f"Record a payment for {invoice.number}",
            "invoice": invoice,
            "owed": Money(invoice_outstanding(invoice), invoice.currency).format(),
            "form": form,
            "opts": self.model._meta,
        }
        return render(request, "admin/billing/invoice/record_payment.html", context)


@admin.register(CreditNote)
class CreditNoteAdmin(ReadOnlyAdmin):
    list_display = ("number", "account", "invoice", "reason", "total_minor", "refund_minor", "credit_minor")
    list_filter = ("reason",)
    search_fields = ("number", "account__name", "invoice__number")
    inlines = [CreditNoteLineInline]


@admin.register(BalanceEntry)
class BalanceEntryAdmin(ReadOnlyAdmin):
    list_display = ("account", "kind", "amount_minor", "currency", "description", "created_at")
    list_filter = ("kind",)


class RefundSentForm(forms.Form):
    paid_on = forms.DateField(label="Sent on", help_text="YYYY-MM-DD")
    reference = forms.CharField(max_length=100, help_text="The bank transfer's reference or the check number")


@admin.register(Payment)
class PaymentAdmin(ReadOnlyAdmin):
    """Payments and refunds. A refund owed by bank transfer or check stays "To be paid back" until sales records
    the money sent (filter by that status to see what is still owed)."""

    list_display = (
        "account", "invoice", "kind", "status", "amount_minor", "currency", "reference", "created_at", "paid_back_at",
    )  # fmt: skip
    list_filter = ("kind", "status")
    search_fields = ("account__name", "invoice__number", "reference")
    change_form_template = "admin/billing/payment/change_form.html"

    def get_urls(self) -> list[URLPattern]:
        sent = self.admin_site.admin_view(self.refund_sent_view)
        return [path("<int:payment_id>/refund-sent/", sent, name="billing_payment_refund_sent"), *super().get_urls()]

    def refund_sent_view(self, request: HttpRequest, payment_id: int) -> HttpResponse:
        """Sales records a refund sent by bank transfer or check; logged in the admin history."""
        if not request.user.has_perm("billing.change_invoice"):
            raise PermissionDenied  # moving money needs more than seeing payments
        payment = get_object_or_404(Payment.objects.select_related("account", "invoice"), pk=payment_id)
        form = RefundSentForm(request.POST or None)
        amount = Money(payment.amount_minor, payment.currency).format()
        if request.method == "POST" and form.is_valid():
            sent_on = form.cleaned_data["paid_on"]
            try:
                payment = refund_paid_back_record(
                    payment_id=payment.pk,
                    reference=form.cleaned_data["reference"],
                    paid_at=_received_at(sent_on),
                    actor=request.user,  # type: ignore[arg-type]
                )
            except StintError as error:
                _form_error(form, error)
            else:
                message = f"Recorded the refund of {amount} as sent on {sent_on}, reference {payment.reference}."
                return _logged(self, request, payment, message, shown=f"{payment.account}: {message}")
        return _staff_form_page(
            request,
            admin_view=self,
            obj=payment,
            title=f"Record the refund sent to {payment.account}",
            form=form,
            button="Record the refund as sent",
            intro=[
                f"{amount} of invoice {payment.invoice.number} is owed back to {payment.account} by bank transfer or "
                "check. Record it once the money is on its way."
            ],
        )


@admin.register(StripeEvent)
class StripeEventAdmin(ReadOnlyAdmin):
    """Stripe webhook events received; those needing a person (disputes, failed refunds) are filtered here."""

    list_display = ("event_id", "type", "outcome", "account", "created", "deliveries", "detail")
    list_filter = ("outcome", "type")
    search_fields = ("event_id", "object_id", "account__name")
