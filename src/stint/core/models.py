from __future__ import annotations

from django.db import models


class OutboxMessage(models.Model):
    """A side effect that may wait (an email today; webhooks and license refreshes later).

    Written in the same transaction as the change that causes it, so it exists exactly when the change does;
    delivered by the worker; `dedupe_key` makes enqueueing the same effect twice a no-op.
    """

    class Kind(models.TextChoices):
        EMAIL = "email"

    class Status(models.TextChoices):
        PENDING = "pending"
        SENT = "sent"
        FAILED = "failed"

    account_id = models.BigIntegerField(null=True, blank=True)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    dedupe_key = models.CharField(max_length=200, unique=True)
    group = models.CharField(max_length=100, blank=True, default="", help_text="What caused it, e.g. event:12")
    payload = models.JSONField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField()
    locked_until = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True, default="")
    created_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="outbox_due_idx"),
            models.Index(fields=["group"], name="outbox_group_idx"),
            models.Index(fields=["account_id", "created_at"], name="outbox_account_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.dedupe_key} ({self.status})"


class ClockOffset(models.Model):
    """The test clock (API.md, only with STINT_TEST_CLOCK=1): how far the installation's clock runs ahead of the
    real one. One row, in the database rather than in memory, so that every web process and worker agrees on it.

    The offset only grows: the test clock moves forward, never back.
    """

    id = models.PositiveSmallIntegerField(primary_key=True, default=1, editable=False)
    offset_us = models.BigIntegerField(default=0, help_text="Microseconds the clock runs ahead of the real one")
    moved_at = models.DateTimeField(null=True, blank=True, help_text="Real time of the last move")

    class Meta:
        constraints = [
            models.CheckConstraint(condition=models.Q(id=1), name="clock_offset_single_row"),
            models.CheckConstraint(condition=models.Q(offset_us__gte=0), name="clock_offset_never_back"),
        ]

    def __str__(self) -> str:
        return f"test clock +{self.offset_us / 1_000_000:.0f} s"
