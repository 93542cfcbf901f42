from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from stint.core.models import OutboxMessage
from stint.core.outbox import outbox_enqueue


@admin.register(OutboxMessage)
class OutboxMessageAdmin(admin.ModelAdmin):
    list_display = ("id", "kind", "dedupe_key", "status", "attempts", "next_attempt_at", "sent_at")
    list_filter = ("status", "kind")
    search_fields = ("dedupe_key", "group")
    # The payload is not shown: an unsent invitation or reset email holds a live link.
    readonly_fields = [f.name for f in OutboxMessage._meta.fields if f.name != "payload"]
    exclude = ("payload",)
    actions = ["retry_now", "send_again"]

    @admin.action(description="Retry the selected messages now", permissions=["change"])
    def retry_now(self, request: HttpRequest, queryset: QuerySet[OutboxMessage]) -> None:
        from stint.core import clock

        changed = queryset.exclude(status=OutboxMessage.Status.SENT).update(
            status=OutboxMessage.Status.PENDING, next_attempt_at=clock.now(), locked_until=None, attempts=0
        )
        self.message_user(request, f"{changed} message(s) queued for delivery again.")

    @admin.action(description="Send the selected emails again (a customer lost one)", permissions=["change"])
    def send_again(self, request: HttpRequest, queryset: QuerySet[OutboxMessage]) -> None:
        sent = 0
        for message in queryset.filter(kind=OutboxMessage.Kind.EMAIL, status=OutboxMessage.Status.SENT):
            if message.payload.get("sensitive"):
                self.message_user(
                    request,
                    f"{message.dedupe_key}: it held a personal link, removed after sending; the person asks for a "
                    "new one instead (password reset, or a new invitation from the Users page).",
                    level=messages.WARNING,
                )
                continue
            copies = OutboxMessage.objects.filter(dedupe_key__startswith=f"{message.dedupe_key}:again:").count()
            copy = outbox_enqueue(
                kind=message.kind,
                dedupe_key=f"{message.dedupe_key}:again:{copies + 1}",
                payload=message.payload,
                account_id=message.account_id,
                group=message.group,
            )
            self.log_addition(request, copy, f"Sent again: {message.dedupe_key}")
            sent += 1
        self.message_user(request, f"{sent} email(s) queued to be sent again.")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False
