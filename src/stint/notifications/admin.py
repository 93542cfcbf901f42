from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from stint.notifications.models import AccountEvent


@admin.register(AccountEvent)
class AccountEventAdmin(admin.ModelAdmin):
    """The event log is history: read-only."""

    list_display = ("created_at", "account", "type", "summary")
    list_filter = ("type",)
    search_fields = ("account__name", "summary")
    readonly_fields = ("account", "type", "summary", "data", "actor", "created_at")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
