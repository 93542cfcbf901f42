"""Licensing state.

On an on-prem server: its identity (one row: server id and key pair, the latest time it has seen, the highest
serial it accepted, the subscription key for online refreshes) and the licenses it accepted.

In the cloud: the on-prem servers each account licenses, and every license issued to them.
"""

from __future__ import annotations

import uuid

from django.db import models
from django.db.models import Q

from stint.accounts.models import Account, User


class ServerIdentity(models.Model):
    """This on-prem server: created at its first start (or first use), kept across upgrades and restarts."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1, editable=False)
    server_id = models.UUIDField(unique=True, default=uuid.uuid4, editable=False)
    public_key = models.CharField(max_length=60, help_text="Ed25519, base64")
    # The server's own key signs its license requests; it proves nothing to anyone but our cloud, which binds the
    # license to it. Kept in the database so that it moves with the server's data (backups, upgrades).
    private_key = models.TextField(help_text="Ed25519, PEM")
    created_at = models.DateTimeField()
    latest_seen_at = models.DateTimeField(help_text="The latest time this server's clock has shown")
    highest_serial = models.BigIntegerField(default=0, help_text="The highest license serial accepted")
    peak_users = models.PositiveIntegerField(default=0, help_text="The most active named users seen at once")
    # Online activation: the subscription key entered by an admin, kept to refresh the license daily.
    subscription_key = models.CharField(max_length=100, blank=True, default="")
    refresh_requested = models.BooleanField(default=False, help_text="Refresh at the next tick (a seat changed)")
    last_refresh_at = models.DateTimeField(null=True, blank=True)
    last_refresh_attempt_at = models.DateTimeField(null=True, blank=True)
    last_refresh_error = models.CharField(max_length=500, blank=True, default="")
    # Buying from this server's My Account: a token of the customer's account in our cloud (made from an admin's
    # email and password, which are not kept). A secret like the subscription key: never logged or shown.
    cloud_token = models.CharField(max_length=200, blank=True, default="")
    cloud_account_name = models.CharField(max_length=200, blank=True, default="")
    cloud_email = models.EmailField(max_length=254, blank=True, default="")
    # Expiry warnings (30, 7, 1 days before): the expiry they were sent for and the nearest threshold sent.
    expiry_warned_for = models.DateTimeField(null=True, blank=True)
    expiry_warned_days = models.PositiveSmallIntegerField(null=True, blank=True)

    class Meta:
        verbose_name_plural = "server identity"
        constraints = [models.CheckConstraint(condition=Q(id=1), name="server_identity_single_row")]

    def __str__(self) -> str:
        return str(self.server_id)


class LicenseSource(models.TextChoices):
    FILE = "file", "Installed from a file"
    ONLINE = "online", "Online activation"
    REFRESH = "refresh", "Online refresh"
    CLI = "cli", "stint license install"


class InstalledLicense(models.Model):
    """A license this on-prem server accepted (signature, binding, dates and serial checked). The one with the
    highest serial is the server's license; the others are its history."""

    license_id = models.CharField(max_length=36)
    serial = models.BigIntegerField(unique=True)
    edition = models.CharField(max_length=20)
    seats = models.PositiveIntegerField()
    licensee_company = models.CharField(max_length=200)
    issued_at = models.DateTimeField()
    not_before = models.DateTimeField()
    expires_at = models.DateTimeField()
    grace_days = models.PositiveSmallIntegerField()
    text = models.TextField(help_text="The license file as installed; verified again whenever it is read")
    source = models.CharField(max_length=10, choices=LicenseSource.choices)
    installed_at = models.DateTimeField()
    installed_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    # Set when our cloud answered a refresh that the subscription is no longer paid (refunded, or ended): the file
    # is still well signed, but this server no longer runs on it. A new license (higher serial) replaces it.
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdrawn_reason = models.CharField(max_length=500, blank=True, default="")

    class Meta:
        ordering = ["-serial"]
        constraints = [models.CheckConstraint(condition=Q(serial__gt=0), name="installed_license_serial_positive")]

    def __str__(self) -> str:
        return f"{self.license_id} #{self.serial} ({self.edition}, {self.seats} seats)"


class LicensedServer(models.Model):
    """Cloud: an on-prem server an account licenses. A Regular subscription covers one (not released) server."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="licensed_servers")
    server_id = models.UUIDField()
    license_id = models.UUIDField(unique=True, default=uuid.uuid4, editable=False)
    public_key = models.CharField(max_length=60)
    fingerprint = models.CharField(max_length=40)
    name = models.CharField(max_length=200, blank=True, default="", help_text="The account name on the server")
    version = models.CharField(max_length=40, blank=True, default="")
    reported_active_users = models.PositiveIntegerField(default=0, help_text="In its latest request")
    reported_peak_users = models.PositiveIntegerField(default=0, help_text="In its latest request")
    first_seen_at = models.DateTimeField()
    last_request_at = models.DateTimeField()
    released_at = models.DateTimeField(
        null=True, blank=True, help_text="No longer counted (e.g. the customer moved to new hardware)"
    )

    class Meta:
        ordering = ["account", "first_seen_at"]
        constraints = [
            models.UniqueConstraint(fields=["account", "server_id"], name="licensed_server_account_server_uniq")
        ]

    def __str__(self) -> str:
        return f"server {self.server_id} ({self.fingerprint})"


class IssuedLicense(models.Model):
    """Cloud: one license file issued, kept as issued."""

    class Via(models.TextChoices):
        BACKOFFICE = "backoffice", "Back-office"
        CLI = "cli", "stint license issue"
        ACTIVATION = "activation", "Online activation"

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="issued_licenses")
    server = models.ForeignKey(LicensedServer, on_delete=models.CASCADE, related_name="licenses")
    serial = models.BigIntegerField()
    edition = models.CharField(max_length=20)
    seats = models.PositiveIntegerField()
    issued_at = models.DateTimeField()
    not_before = models.DateTimeField()
    expires_at = models.DateTimeField()
    grace_days = models.PositiveSmallIntegerField()
    key_id = models.CharField(max_length=60)
    text = models.TextField()
    via = models.CharField(max_length=12, choices=Via.choices)
    issued_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")

    class Meta:
        ordering = ["-issued_at", "-id"]
        indexes = [models.Index(fields=["account", "-issued_at"], name="issued_license_account_idx")]
        constraints = [
            models.UniqueConstraint(fields=["server", "serial"], name="issued_license_server_serial_uniq"),
            models.CheckConstraint(condition=Q(serial__gt=0), name="issued_license_serial_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.server.license_id} #{self.serial}"
