"""Back-office for billing: plans and prices are edited by staff; documents and the ledger are read-only (a final
document is never edited; corrections are credit notes)."""

from __future__ import annotations

from datetime import UTC, datetime, time
from decimal import Decimal
from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import URLPattern, path

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
from stint.billing.services.collection import invoice_payment_record
from stint.billing.services.documents import invoice_outstanding
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


class InvoiceLineInline(admin.TabularInline):
    model = InvoiceLine
    extra = 0
    can_delete = False
    readonly_fields = [f.name for f in InvoiceLine._meta.fields]

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class CreditNoteLineInline(admin.TabularInline):
    model = CreditNoteLine
    extra = 0
    can_delete = False
    readonly_fields = [f.name for f in CreditNoteLine._meta.fields]

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Subscription)
class SubscriptionAdmin(ReadOnlyAdmin):
    list_display = ("account", "edition", "status", "plan", "interval", "seats", "current_period_end")
    list_filter = ("edition", "status", "interval")
    search_fields = ("account__name", "account__owner__email")
    exclude = ("card_reference", "subscription_key")


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
        return [
            path("<int:invoice_id>/record-payment/", record, name="billing_invoice_record_payment"),
            *super().get_urls(),
        ]

    def record_payment_view(self, request: HttpRequest, invoice_id: int) -> HttpResponse:
        """Sales records a bank transfer or check received for an open invoice; logged in the admin history."""
        if not request.user.has_perm("billing.view_invoice"):
            raise PermissionDenied
        invoice = get_object_or_404(Invoice, pk=invoice_id)
        form = PaymentRecordForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                amount = Money.from_major(form.cleaned_data["amount"], invoice.currency).amount_minor
                paid_at = datetime.combine(form.cleaned_data["paid_on"], time(12), tzinfo=UTC)
                invoice = invoice_payment_record(
                    invoice_id=invoice.pk,
                    amount_minor=amount,
                    reference=form.cleaned_data["reference"],
                    paid_at=min(paid_at, clock.now()),
                    actor=request.user,  # type: ignore[arg-type]
                )
            except ValueError:
                form.add_error("amount", f"{invoice.currency} has no such fraction of its unit.")
            except StintError as error:
                form.add_error(error.field if error.field in form.fields else None, error.detail)
            else:
                message = (
                    f"Recorded a payment of {Money(amount, invoice.currency).format()} received on "
                    f"{form.cleaned_data['paid_on']}, reference {form.cleaned_data['reference']}."
                )
                self.log_change(request, invoice, message)
                self.message_user(request, f"{invoice.number}: {message} The invoice is now {invoice.status}.")
                return redirect("admin:billing_invoice_change", invoice.pk)
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


@admin.register(Payment)
class PaymentAdmin(ReadOnlyAdmin):
    list_display = ("account", "invoice", "kind", "status", "amount_minor", "currency", "reference", "created_at")
    list_filter = ("kind", "status")


@admin.register(StripeEvent)
class StripeEventAdmin(ReadOnlyAdmin):
    """Stripe webhook events received; those needing a person (disputes, failed refunds) are filtered here."""

    list_display = ("event_id", "type", "outcome", "account", "created", "deliveries", "detail")
    list_filter = ("outcome", "type")
    search_fields = ("event_id", "object_id", "account__name")
