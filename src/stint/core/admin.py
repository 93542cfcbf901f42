from __future__ import annotations

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from stint.core.models import OutboxMessage


@admin.register(OutboxMessage)
class OutboxMessageAdmin(admin.ModelAdmin):
    list_display = ("id", "kind", "dedupe_key", "status", "attempts", "next_attempt_at", "sent_at")
    list_filter = ("status", "kind")
    search_fields = ("dedupe_key", "group")
    # The payload is not shown: an unsent invitation or reset email holds a live link.
    readonly_fields = [f.name for f in OutboxMessage._meta.fields if f.name != "payload"]
    exclude = ("payload",)
    actions = ["retry_now"]

    @admin.action(description="Retry the selected messages now")
    def retry_now(self, request: HttpRequest, queryset: QuerySet[OutboxMessage]) -> None:
        from stint.core import clock

        changed = queryset.exclude(status=OutboxMessage.Status.SENT).update(
            status=OutboxMessage.Status.PENDING, next_attempt_at=clock.now(), locked_until=None, attempts=0
        )
        self.message_user(request, f"{changed} message(s) queued for delivery again.")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False
