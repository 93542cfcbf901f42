from __future__ import annotations

from django.db import models

from stint.accounts.models import Account, User


class EventType(models.TextChoices):
    """DESIGN.md's account events; the dotted names are part of the API."""

    ACCOUNT_CREATED = "account.created"
    TRIAL_STARTED = "trial.started"
    TRIAL_ENDING = "trial.ending"
    TRIAL_ENDED = "trial.ended"
    SUBSCRIPTION_PURCHASED = "subscription.purchased"
    SUBSCRIPTION_CHANGED = "subscription.changed"
    USER_ADDED = "user.added"
    USER_REMOVED = "user.removed"
    INVOICE_CREATED = "invoice.created"
    INVOICE_DUE_SOON = "invoice.due_soon"
    INVOICE_OVERDUE = "invoice.overdue"
    PAYMENT_SUCCEEDED = "payment.succeeded"
    PAYMENT_FAILED = "payment.failed"
    REFUND_ISSUED = "refund.issued"
    CREDIT_NOTE_ISSUED = "credit_note.issued"
    SUBSCRIPTION_CANCELLED = "subscription.cancelled"
    SUBSCRIPTION_RESUMED = "subscription.resumed"
    SUBSCRIPTION_RENEWED = "subscription.renewed"
    SUBSCRIPTION_REVERTED_TO_FREE = "subscription.reverted_to_free"
    PAYMENT_METHOD_CHANGED = "payment_method.changed"
    PO_CHANGED = "po.changed"
    OWNER_CHANGED = "owner.changed"
    LICENSE_ISSUED = "license.issued"
    LICENSE_INSTALLED = "license.installed"
    LICENSE_EXPIRING = "license.expiring"


class AccountEvent(models.Model):
    """Something that happened to an account; stored, listed in My Account and mailed to the owner once."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="events")
    type = models.CharField(max_length=40, choices=EventType.choices)
    summary = models.CharField(max_length=300)
    data = models.JSONField(default=dict, blank=True)
    actor = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["account", "-created_at"], name="event_account_created_idx")]

    def __str__(self) -> str:
        return f"{self.type}: {self.summary}"

    @property
    def outbox_group(self) -> str:
        return f"event:{self.pk}"
