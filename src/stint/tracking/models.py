from __future__ import annotations

from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Lower

from stint.accounts.models import Account, User


class WorkItem(models.Model):
    """Something time is spent on: a tree of any depth (epic > feature > task ...), per account."""

    class Type(models.TextChoices):
        EPIC = "epic"
        FEATURE = "feature"
        TASK = "task"
        BUG = "bug"
        INTERNAL = "internal"

    class State(models.TextChoices):
        OPEN = "open"
        CLOSED = "closed"

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="work_items")
    parent = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True, related_name="children")
    title = models.CharField(max_length=300)
    type = models.CharField(max_length=10, choices=Type.choices, default=Type.TASK)
    state = models.CharField(max_length=10, choices=State.choices, default=State.OPEN)
    external_ref = models.CharField(max_length=100, blank=True, default="")
    estimate_s = models.PositiveIntegerField(null=True, blank=True)
    archived_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        indexes = [
            models.Index(fields=["account", "parent"], name="work_item_account_parent_idx"),
            models.Index(fields=["account", "external_ref"], name="work_item_account_ref_idx"),
            models.Index(fields=["account", "state", "archived_at"], name="work_item_account_state_idx"),
        ]
        constraints = [models.CheckConstraint(condition=~Q(parent=F("pk")), name="work_item_not_own_parent")]

    def __str__(self) -> str:
        return f"{self.external_ref} {self.title}".strip()


class ActivityType(models.Model):
    """What kind of work: development, meeting, design... One may be the account's default."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="activity_types")
    name = models.CharField(max_length=100)
    color = models.CharField(max_length=7, default="#2b59c3")
    is_default = models.BooleanField(default=False)
    archived_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint("account", Lower("name"), name="activity_type_account_name_ci_unique"),
            models.UniqueConstraint(
                fields=["account"], condition=Q(is_default=True), name="activity_type_one_default_per_account"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class TrackingRules(models.Model):
    """The account's entry rules; every new or changed record is checked against them."""

    account = models.OneToOneField(Account, on_delete=models.CASCADE, primary_key=True, related_name="tracking_rules")
    max_record_s = models.PositiveIntegerField(default=24 * 3600)
    max_days_ahead = models.PositiveSmallIntegerField(default=0)
    require_work_item = models.BooleanField(default=False)
    require_activity_type = models.BooleanField(default=False)
    require_comment = models.BooleanField(default=False)

    def __str__(self) -> str:
        return f"Tracking rules of account {self.account_id}"


class TrackingPreference(models.Model):
    """A person's own choices in one account: their favourite activity type."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    favorite_activity_type = models.ForeignKey(ActivityType, on_delete=models.SET_NULL, null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["account", "user"], name="tracking_preference_unique")]

    def __str__(self) -> str:
        return f"Preferences of {self.user_id} in {self.account_id}"


class Source(models.TextChoices):
    TIMER = "timer"
    MANUAL = "manual"
    IMPORT = "import"
    API = "api"


class TimeRecord(models.Model):
    """A span of one person's time. Stored in UTC; `duration_s` is `end - start` in whole seconds."""

    # No single-column index on account, user, added_by or edited_by: the composite indexes below lead with the
    # account, and every extra index is paid on each of the many inserts (bench/RESULTS.md). People are deactivated,
    # never deleted, so nothing looks records up by user alone. Work items and activity types keep theirs: deleting
    # one asks, across accounts, whether records still use it.
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="time_records", db_index=False)
    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="time_records", db_index=False)
    start = models.DateTimeField()
    end = models.DateTimeField()
    duration_s = models.PositiveIntegerField()
    billable = models.BooleanField(default=True)
    billable_s = models.PositiveIntegerField(default=0)
    work_item = models.ForeignKey(WorkItem, on_delete=models.PROTECT, null=True, blank=True, related_name="records")
    activity_type = models.ForeignKey(
        ActivityType, on_delete=models.PROTECT, null=True, blank=True, related_name="records"
    )
    comment = models.TextField(blank=True, default="", max_length=5000)
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.MANUAL)
    # Who added and who last changed the record: audit pointers, set by the services from the signed-in person. No
    # foreign key constraint in the database: on PostgreSQL every inserted row pays one check per constraint at
    # commit, and these two were a fifth of a 500-record batch's checks (bench/RESULTS.md). People are never
    # deleted (they are deactivated), and Django still applies SET_NULL if a user row ever is.
    added_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", db_index=False, db_constraint=False
    )
    edited_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", db_index=False, db_constraint=False
    )
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        indexes = [
            # The free edition's visibility rule and every list: newest first per account.
            models.Index(fields=["account", "-start", "-id"], name="record_account_start_idx"),
            # A person's week, and the overlap check.
            models.Index(fields=["account", "user", "start"], name="record_account_user_start_idx"),
            models.Index(fields=["account", "work_item", "start"], name="record_account_item_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(end__gt=F("start")), name="record_end_after_start"),
            models.CheckConstraint(condition=Q(billable_s__lte=F("duration_s")), name="record_billable_within"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.start:%Y-%m-%d %H:%M} ({self.duration_s} s)"


class Timer(models.Model):
    """A running timer, kept on the server: at most one per person and account."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    started_at = models.DateTimeField()
    work_item = models.ForeignKey(WorkItem, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    activity_type = models.ForeignKey(ActivityType, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    comment = models.TextField(blank=True, default="", max_length=5000)
    billable = models.BooleanField(default=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["account", "user"], name="timer_one_per_person")]

    def __str__(self) -> str:
        return f"Timer of {self.user_id} since {self.started_at:%H:%M}"
