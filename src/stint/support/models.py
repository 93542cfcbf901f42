"""Bug reports (support tickets of one account), the feature request board (shared by every account of the
installation) and the server errors people can quote.

The board is not a tenant table on purpose: in the cloud every customer sees and votes on the same requests (on an
on-prem server, the same code keeps the board in that server's own database). Its pages never show who wrote or voted
for a request, so no customer learns anything about another one.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from stint.accounts.models import Account, Edition, User


class ServerError(models.Model):
    """One unexpected server error: the id shown on the 500 page and written in the log with the traceback. Kept
    per user so the bug form can offer a person the ids of their recent errors."""

    error_id = models.CharField(max_length=32, unique=True)
    user = models.ForeignKey(User, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    account = models.ForeignKey(Account, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    method = models.CharField(max_length=10)
    path = models.CharField(max_length=300, help_text="Without its query string, secrets removed")
    exception = models.CharField(max_length=200, help_text="The exception's class")
    occurred_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["user", "occurred_at"], name="server_error_user_idx")]

    def __str__(self) -> str:
        return self.error_id


class SupportLevel(models.TextChoices):
    """What an edition's customers can expect from us (DESIGN.md "support")."""

    COMMUNITY = "community", "Community support"
    EMAIL = "email", "Email support"
    PRIORITY = "priority", "Priority support"


class BugReport(models.Model):
    class Status(models.TextChoices):
        NEW = "new", "New"
        IN_PROGRESS = "in_progress", "In progress"
        ANSWERED = "answered", "Answered"
        RESOLVED = "resolved", "Resolved"
        CLOSED = "closed", "Closed"

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="bug_reports")
    reporter = models.ForeignKey(User, on_delete=models.PROTECT, related_name="bug_reports")
    reference = models.CharField(max_length=16, unique=True)
    title = models.CharField(max_length=150)
    description = models.TextField()
    steps = models.TextField(blank=True, default="")
    diagnostics = models.JSONField(default=dict, blank=True, help_text="What the reporter saw and agreed to send")
    # The edition when it was reported: it decides the support promised, whatever the account buys later.
    edition = models.CharField(max_length=20, choices=Edition.choices)
    support_level = models.CharField(max_length=10, choices=SupportLevel.choices)
    priority = models.BooleanField(default=False, help_text="Enterprise: answered first")
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.NEW)
    awaiting_staff = models.BooleanField(default=True, help_text="The last word is the customer's")
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        indexes = [
            models.Index(fields=["account", "reporter", "created_at"], name="bug_report_account_idx"),
            models.Index(fields=["status", "priority", "created_at"], name="bug_report_queue_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.title}"

    @property
    def is_open(self) -> bool:
        return self.status not in {self.Status.RESOLVED, self.Status.CLOSED}


class BugReply(models.Model):
    """A message on a bug report: from our staff (emailed to the reporter) or from the customer's side."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="+")
    bug_report = models.ForeignKey(BugReport, on_delete=models.CASCADE, related_name="replies")
    author = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    by_staff = models.BooleanField(default=False)
    body = models.TextField()
    created_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["account", "bug_report"], name="bug_reply_account_idx")]

    def __str__(self) -> str:
        return f"reply {self.pk} on {self.bug_report_id}"


class FeatureStatus(models.TextChoices):
    UNDER_REVIEW = "under_review", "Under review"
    PLANNED = "planned", "Planned"
    IN_PROGRESS = "in_progress", "In progress"
    DONE = "done", "Done"
    DECLINED = "declined", "Declined"


class FeatureRequest(models.Model):
    title = models.CharField(max_length=150)
    description = models.TextField()
    status = models.CharField(max_length=12, choices=FeatureStatus.choices, default=FeatureStatus.UNDER_REVIEW)
    requester = models.ForeignKey(User, on_delete=models.PROTECT, related_name="feature_requests")
    # Where the requester worked when proposing it: for staff, never shown on the board.
    account = models.ForeignKey(Account, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    merged_into = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="duplicates", help_text="A duplicate of"
    )
    vote_count = models.PositiveIntegerField(default=0, help_text="Kept equal to the votes by the services")
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["merged_into", "status", "vote_count"], name="feature_board_idx")]
        constraints = [
            models.CheckConstraint(condition=~Q(merged_into=models.F("id")), name="feature_not_merged_into_itself")
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.title}"

    @property
    def is_closed(self) -> bool:
        return self.status in {FeatureStatus.DONE, FeatureStatus.DECLINED}


class FeatureVote(models.Model):
    feature_request = models.ForeignKey(FeatureRequest, on_delete=models.CASCADE, related_name="votes")
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["feature_request", "user"], name="feature_vote_once")]

    def __str__(self) -> str:
        return f"vote of {self.user_id} for {self.feature_request_id}"


class FeatureComment(models.Model):
    feature_request = models.ForeignKey(FeatureRequest, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    by_staff = models.BooleanField(default=False)
    body = models.TextField()
    created_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"comment {self.pk} on {self.feature_request_id}"


class FeatureStatusChange(models.Model):
    """A status set by staff (or a merge): shown on the request, and the reason its followers get one email."""

    feature_request = models.ForeignKey(FeatureRequest, on_delete=models.CASCADE, related_name="changes")
    from_status = models.CharField(max_length=12, choices=FeatureStatus.choices)
    to_status = models.CharField(max_length=12, choices=FeatureStatus.choices)
    merged_into = models.ForeignKey(FeatureRequest, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    note = models.TextField(blank=True, default="")
    actor = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.feature_request_id}: {self.from_status} -> {self.to_status}"
