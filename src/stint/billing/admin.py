"""Back-office for billing: plans and prices are edited by staff; documents and the ledger are read-only (a final
document is never edited; corrections are credit notes)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from stint.billing.models import (
    BalanceEntry,
    CreditNote,
    CreditNoteLine,
    Invoice,
    InvoiceLine,
    Payment,
    Plan,
    Price,
    Subscription,
)


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


@admin.register(Invoice)
class InvoiceAdmin(ReadOnlyAdmin):
    list_display = ("number", "account", "status", "billing_reason", "total_minor", "amount_due_minor", "issued_at")
    list_filter = ("status", "billing_reason")
    search_fields = ("number", "account__name", "po_number")
    inlines = [InvoiceLineInline]


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
