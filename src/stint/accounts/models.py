from __future__ import annotations

import zoneinfo
from typing import Any

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.db import models
from django.db.models.functions import Lower


def normalize_email(email: str) -> str:
    """Emails identify named users and compare case-insensitively: we store them lower-cased."""
    return email.strip().lower()


class UserManager(BaseUserManager["User"]):
    def create_user(self, email: str, password: str | None = None, **fields: Any) -> User:
        user = self.model(email=normalize_email(email), **fields)
        if password:
            user.set_password(password)
        else:
            user.set_unusable_password()
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **fields: Any) -> User:
        fields.update(is_staff=True, is_superuser=True)
        return self.create_user(email, password, **fields)


class User(AbstractBaseUser, PermissionsMixin):
    """A login: one person, one email. Their place in an account is a Membership."""

    class WeekStart(models.IntegerChoices):
        MONDAY = 0, "Monday"
        SUNDAY = 6, "Sunday"
        SATURDAY = 5, "Saturday"

    email = models.EmailField(max_length=254, unique=True)
    name = models.CharField(max_length=150)
    timezone = models.CharField(max_length=64, default="UTC")
    week_start = models.PositiveSmallIntegerField(choices=WeekStart.choices, default=WeekStart.MONDAY)
    is_staff = models.BooleanField(default=False, help_text="Our own sales and support people (back-office).")
    is_active = models.BooleanField(default=True)
    date_joined = models.DateTimeField(auto_now_add=True)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["name"]

    class Meta:
        constraints = [models.UniqueConstraint(Lower("email"), name="user_email_ci_unique")]

    def __str__(self) -> str:
        return f"{self.name} <{self.email}>"

    @property
    def tz(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.timezone)


class Edition(models.TextChoices):
    TRIAL = "trial"
    FREE = "free"
    REGULAR = "regular"
    ENTERPRISE = "enterprise"


class Account(models.Model):
    """A customer: one company or team. Exactly one owner (the `owner` column), who is one of its admins."""

    name = models.CharField(max_length=150)
    owner = models.ForeignKey(User, on_delete=models.PROTECT, related_name="owned_accounts")
    # The edition is kept here so every read path finds it in one place; the billing engine moves it.
    edition = models.CharField(max_length=20, choices=Edition.choices, default=Edition.TRIAL)
    trial_ends_at = models.DateTimeField(null=True, blank=True)
    legal_name = models.CharField(max_length=200, blank=True, default="")
    address = models.TextField(blank=True, default="")
    # The buyer on invoices (edited in My Account) and the tax that applies to it (set by our staff).
    country = models.CharField(max_length=2, blank=True, default="", help_text="ISO 3166 code, e.g. DE")
    vat_id = models.CharField(max_length=30, blank=True, default="", help_text="The buyer's VAT number, if a business")
    tax_rate_percent = models.DecimalField(
        max_digits=5, decimal_places=2, default=0, help_text="Tax charged on this buyer's invoices, e.g. 19.00"
    )
    created_at = models.DateTimeField()

    def __str__(self) -> str:
        return self.name

    @property
    def buyer_name(self) -> str:
        return self.legal_name or self.name


class Role(models.TextChoices):
    ADMIN = "admin"
    MANAGER = "manager"
    MEMBER = "member"


class Membership(models.Model):
    """A named user: one person in one account. Holds a seat from the moment it is added until deactivated."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="memberships")
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.MEMBER)
    active = models.BooleanField(default=True)
    added_at = models.DateTimeField()
    added_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    deactivated_at = models.DateTimeField(null=True, blank=True)
    invitation_token_hash = models.CharField(max_length=64, blank=True, default="")
    invited_at = models.DateTimeField(null=True, blank=True)
    accepted_at = models.DateTimeField(null=True, blank=True)
    last_seen_at = models.DateTimeField(null=True, blank=True)
    # In Free, only as many named users as the plan allows may track; the others keep their data and can read it.
    # A paid edition or the trial licenses everyone.
    licensed = models.BooleanField(default=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["account", "user"], name="membership_account_user_unique")]
        indexes = [
            models.Index(fields=["account", "active"], name="membership_account_active_idx"),
            models.Index(fields=["invitation_token_hash"], name="membership_invitation_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.user.email} in {self.account_id} ({self.role})"

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN

    @property
    def can_manage(self) -> bool:
        """Managers and admins see everyone's time, approvals, budgets, reports."""
        return self.role in {Role.ADMIN, Role.MANAGER}

    @property
    def invitation_pending(self) -> bool:
        return self.accepted_at is None


class Team(models.Model):
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="teams")
    name = models.CharField(max_length=100)
    members = models.ManyToManyField(Membership, through="TeamMember", related_name="teams")
    created_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint("account", Lower("name"), name="team_account_name_ci_unique"),
        ]

    def __str__(self) -> str:
        return self.name


class TeamMember(models.Model):
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="+")
    team = models.ForeignKey(Team, on_delete=models.CASCADE)
    membership = models.ForeignKey(Membership, on_delete=models.CASCADE)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["team", "membership"], name="team_member_unique")]
        indexes = [models.Index(fields=["account", "team"], name="team_member_account_idx")]

    def __str__(self) -> str:
        return f"{self.membership_id} in team {self.team_id}"


class ApiToken(models.Model):
    """A bearer token acting as one user in one account. Only a SHA-256 of the secret is kept."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="api_tokens")
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    label = models.CharField(max_length=100)
    prefix = models.CharField(max_length=16, help_text="The first characters, shown so people can tell tokens apart")
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField()
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["account", "user"], name="api_token_account_user_idx")]

    def __str__(self) -> str:
        return f"{self.label} ({self.prefix}…)"


class LoginFailure(models.Model):
    """One failed log-in, for throttling by email and by client address."""

    email = models.CharField(max_length=254)
    ip = models.GenericIPAddressField(null=True, blank=True)
    at = models.DateTimeField()

    class Meta:
        indexes = [
            models.Index(fields=["email", "at"], name="login_failure_email_idx"),
            models.Index(fields=["ip", "at"], name="login_failure_ip_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.email} at {self.at:%Y-%m-%d %H:%M}"
