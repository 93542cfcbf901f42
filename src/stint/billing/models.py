"""Plans, prices, subscriptions, invoices, credit notes, the balance ledger and payments.

Money columns are integer minor units beside a currency code. Documents (invoices, credit notes) are frozen once
they have a number: their amounts, lines and the seller and buyer snapshots never change afterwards; only their
status moves (open -> paid or void). The database checks the sums, so a bug cannot write an invoice that does not add
up.
"""

from __future__ import annotations

import secrets
from pathlib import PurePosixPath

from django.db import models
from django.db.models import F, Q

from stint.accounts.models import Account, Edition, User


class Interval(models.TextChoices):
    MONTH = "month"
    YEAR = "year"


class Plan(models.Model):
    """What can be bought (`regular`, `enterprise`) and what is had for nothing (`free`). Edited by staff."""

    code = models.SlugField(max_length=30, unique=True)
    name = models.CharField(max_length=60)
    edition = models.CharField(max_length=20, choices=Edition.choices)
    max_users = models.PositiveIntegerField(null=True, blank=True, help_text="Empty: unlimited")
    max_visible_time_records = models.PositiveIntegerField(null=True, blank=True, help_text="Empty: all")
    position = models.PositiveSmallIntegerField(default=0)
    is_active = models.BooleanField(default=True, help_text="Offered to new purchases")

    class Meta:
        ordering = ["position", "code"]

    def __str__(self) -> str:
        return self.name


class Price(models.Model):
    plan = models.ForeignKey(Plan, on_delete=models.PROTECT, related_name="prices")
    interval = models.CharField(max_length=5, choices=Interval.choices)
    unit_amount_minor = models.PositiveBigIntegerField(help_text="Per named user and interval, in minor units")
    currency = models.CharField(max_length=3, default="USD")

    class Meta:
        ordering = ["plan__position", "interval"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "interval", "currency"], name="price_plan_interval_currency_uniq"),
            models.CheckConstraint(condition=Q(unit_amount_minor__gt=0), name="price_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.plan.code} {self.interval} {self.unit_amount_minor} {self.currency}"


class PaymentMethodType(models.TextChoices):
    NONE = "", "None"
    CARD = "card", "Card"
    BANK_TRANSFER = "bank_transfer", "Bank transfer"
    CHECK = "check", "Check"


def po_document_path(subscription: Subscription, filename: str) -> str:
    """Where a PO document is kept in the default storage: per account, under a random folder so a replaced
    document never collides with the one it replaces, with the customer's own file name (shown on My Account)."""
    return f"po-documents/{subscription.account_id}/{secrets.token_hex(8)}/{filename}"


class Subscription(models.Model):
    """One per account: its edition, its paid period and what was committed for that period.

    `committed_num` is the exact value V of everything bought for the current period, times the period's length in
    seconds (so it is an integer): V = committed_num / period_seconds, in minor units. Every seat or plan change bills
    round(V_after) - round(V_before), so the lines of a period always sum to round(V) (DESIGN.md's telescoping).
    """

    class Status(models.TextChoices):
        TRIALING = "trialing"
        ACTIVE = "active"
        PAST_DUE = "past_due"
        CANCELED = "canceled"
        FREE = "free"

    account = models.OneToOneField(Account, on_delete=models.CASCADE, related_name="subscription")
    subscription_key = models.CharField(max_length=40, unique=True)
    edition = models.CharField(max_length=20, choices=Edition.choices, default=Edition.TRIAL)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.TRIALING)
    plan = models.ForeignKey(Plan, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    interval = models.CharField(max_length=5, choices=Interval.choices, blank=True, default="")
    currency = models.CharField(max_length=3, default="USD")
    unit_amount_minor = models.PositiveBigIntegerField(default=0, help_text="The price per seat of this period")
    seats = models.PositiveIntegerField(default=0, help_text="Seats paid for in the current period")
    trial_ends_at = models.DateTimeField(null=True, blank=True)
    period_anchor = models.DateTimeField(null=True, blank=True, help_text="The first period's start")
    period_index = models.PositiveIntegerField(default=0, help_text="Periods since the anchor")
    current_period_start = models.DateTimeField(null=True, blank=True)
    current_period_end = models.DateTimeField(null=True, blank=True)
    committed_num = models.BigIntegerField(default=0)
    cancel_at_period_end = models.BooleanField(default=False)
    credit_balance_minor = models.BigIntegerField(default=0, help_text="Positive: owed to the customer")
    payment_method_type = models.CharField(
        max_length=20, choices=PaymentMethodType.choices, blank=True, default=PaymentMethodType.NONE
    )
    card_brand = models.CharField(max_length=20, blank=True, default="")
    card_last4 = models.CharField(max_length=4, blank=True, default="")
    card_exp_month = models.PositiveSmallIntegerField(null=True, blank=True)
    card_exp_year = models.PositiveSmallIntegerField(null=True, blank=True)
    card_reference = models.CharField(max_length=100, blank=True, default="", help_text="The gateway's id")
    gateway = models.CharField(max_length=20, blank=True, default="")
    po_number = models.CharField(max_length=60, blank=True, default="")
    past_due_since = models.DateTimeField(null=True, blank=True)
    trial_reminder_sent_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    # Never served from a public media URL: My Account's download view checks the account and the admin role.
    po_document = models.FileField(upload_to=po_document_path, max_length=255, blank=True, default="")

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(current_period_end__isnull=True) | Q(current_period_end__gt=F("current_period_start")),
                name="subscription_period_forward",
            ),
            models.CheckConstraint(condition=Q(committed_num__gte=0), name="subscription_committed_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.account} ({self.edition}, {self.status})"

    @property
    def is_paid(self) -> bool:
        return self.status in (self.Status.ACTIVE, self.Status.PAST_DUE)

    @property
    def po_document_filename(self) -> str:
        """The PO document's file name as the customer uploaded it ('' when there is none)."""
        return PurePosixPath(self.po_document.name or "").name if self.po_document else ""


class DocumentSequence(models.Model):
    """The last number given in a series and year; read and bumped under a row lock so numbers are gapless."""

    series = models.CharField(max_length=4)
    year = models.PositiveSmallIntegerField()
    last_number = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["series", "year"], name="sequence_series_year_uniq")]

    def __str__(self) -> str:
        return f"{self.series}-{self.year}: {self.last_number}"


class BillingReason(models.TextChoices):
    PURCHASE = "purchase"
    SEAT_CHANGE = "seat_change"
    PLAN_CHANGE = "plan_change"
    RENEWAL = "renewal"


class Invoice(models.Model):
    class Status(models.TextChoices):
        OPEN = "open"
        PAID = "paid"
        VOID = "void"

    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="invoices")
    subscription = models.ForeignKey(Subscription, on_delete=models.PROTECT, related_name="invoices")
    number = models.CharField(max_length=20, unique=True)
    status = models.CharField(max_length=5, choices=Status.choices, default=Status.OPEN)
    billing_reason = models.CharField(max_length=12, choices=BillingReason.choices)
    currency = models.CharField(max_length=3)
    subtotal_minor = models.BigIntegerField()
    tax_minor = models.BigIntegerField(default=0)
    total_minor = models.BigIntegerField()
    balance_applied_minor = models.BigIntegerField(default=0, help_text="Negative: a debit carried in")
    amount_due_minor = models.BigIntegerField()
    amount_paid_minor = models.BigIntegerField(default=0)
    # An amount due under the minimum charge is not charged: it is carried to the balance as a debit instead.
    amount_carried_minor = models.BigIntegerField(default=0)
    # Credit notes issued while the invoice was unpaid reduce what is still owed on it (they are not spendable credit).
    amount_credited_minor = models.BigIntegerField(default=0)
    # A random part of the gateway's idempotency keys for this invoice's charges: a number freed by a rolled-back
    # transaction may be given again, and must never replay another invoice's charge.
    charge_key = models.CharField(max_length=32, blank=True, default="")
    po_number = models.CharField(max_length=60, blank=True, default="")
    payment_method = models.JSONField(default=dict, blank=True, help_text="type, brand, last4 at issue")
    seller = models.JSONField(default=dict)
    buyer = models.JSONField(default=dict)
    period_start = models.DateTimeField()
    period_end = models.DateTimeField()
    issued_at = models.DateTimeField()
    due_at = models.DateTimeField()
    paid_at = models.DateTimeField(null=True, blank=True)
    voided_at = models.DateTimeField(null=True, blank=True)
    payment_attempts = models.PositiveSmallIntegerField(default=0)
    first_failed_at = models.DateTimeField(null=True, blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    # Reminders for invoices paid by bank transfer or check: each sent once.
    due_soon_sent_at = models.DateTimeField(null=True, blank=True)
    due_today_sent_at = models.DateTimeField(null=True, blank=True)
    overdue_sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-issued_at", "-id"]
        indexes = [
            models.Index(fields=["account", "-issued_at"], name="invoice_account_issued_idx"),
            models.Index(fields=["status", "next_attempt_at"], name="invoice_status_attempt_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(total_minor=F("subtotal_minor") + F("tax_minor")), name="invoice_total"),
            models.CheckConstraint(
                condition=Q(amount_due_minor=F("total_minor") - F("balance_applied_minor")), name="invoice_amount_due"
            ),
            models.CheckConstraint(condition=Q(subtotal_minor__gte=0), name="invoice_subtotal_not_negative"),
            models.CheckConstraint(condition=Q(amount_due_minor__gte=0), name="invoice_amount_due_not_negative"),
            models.CheckConstraint(
                condition=Q(amount_paid_minor__gte=0)
                & Q(amount_carried_minor__gte=0)
                & Q(amount_credited_minor__gte=0)
                & Q(
                    amount_paid_minor__lte=F("amount_due_minor")
                    - F("amount_carried_minor")
                    - F("amount_credited_minor")
                ),
                name="invoice_paid_within_due",
            ),
        ]

    def __str__(self) -> str:
        return self.number


class DocumentLine(models.Model):
    description = models.CharField(max_length=300)
    quantity = models.IntegerField()
    unit_amount_minor = models.BigIntegerField()
    amount_minor = models.BigIntegerField(help_text="Before tax")
    tax_minor = models.BigIntegerField(default=0)
    period_start = models.DateTimeField()
    period_end = models.DateTimeField()
    # The share of the period the line covers: remaining seconds / period seconds (1/1 for a whole period).
    proration_num = models.BigIntegerField(default=1)
    proration_den = models.BigIntegerField(default=1)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        abstract = True
        ordering = ["position", "id"]

    @property
    def proration(self) -> str:
        if self.proration_num == self.proration_den:
            return "1"
        return f"{self.proration_num}/{self.proration_den}"


class InvoiceLine(DocumentLine):
    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="lines")

    class Meta(DocumentLine.Meta):
        constraints = [models.CheckConstraint(condition=Q(amount_minor__gte=0), name="invoice_line_not_negative")]

    def __str__(self) -> str:
        return self.description


class CreditNote(models.Model):
    class Reason(models.TextChoices):
        SEAT_REMOVED = "seat_removed"
        PLAN_CHANGE = "plan_change"
        REFUND = "refund"
        ADJUSTMENT = "adjustment"

    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="credit_notes")
    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="credit_notes")
    number = models.CharField(max_length=20, unique=True)
    reason = models.CharField(max_length=20, choices=Reason.choices)
    memo = models.CharField(max_length=300, blank=True, default="")
    currency = models.CharField(max_length=3)
    subtotal_minor = models.BigIntegerField()
    tax_minor = models.BigIntegerField(default=0)
    total_minor = models.BigIntegerField()
    refund_minor = models.BigIntegerField(default=0, help_text="Paid back (to the card or out of band)")
    credit_minor = models.BigIntegerField(default=0, help_text="Added to the account's credit balance")
    applied_minor = models.BigIntegerField(default=0, help_text="Taken off what was still owed on the invoice")
    seller = models.JSONField(default=dict)
    buyer = models.JSONField(default=dict)
    issued_at = models.DateTimeField()

    class Meta:
        ordering = ["-issued_at", "-id"]
        indexes = [models.Index(fields=["account", "-issued_at"], name="creditnote_account_issued_idx")]
        constraints = [
            models.CheckConstraint(condition=Q(total_minor=F("subtotal_minor") + F("tax_minor")), name="cn_total"),
            models.CheckConstraint(
                condition=Q(total_minor=F("refund_minor") + F("credit_minor") + F("applied_minor")), name="cn_split"
            ),
            models.CheckConstraint(
                condition=Q(total_minor__gt=0)
                & Q(refund_minor__gte=0)
                & Q(credit_minor__gte=0)
                & Q(applied_minor__gte=0),
                name="cn_positive",
            ),
        ]

    def __str__(self) -> str:
        return self.number


class CreditNoteLine(DocumentLine):
    credit_note = models.ForeignKey(CreditNote, on_delete=models.CASCADE, related_name="lines")

    class Meta(DocumentLine.Meta):
        constraints = [models.CheckConstraint(condition=Q(amount_minor__gte=0), name="cn_line_not_negative")]

    def __str__(self) -> str:
        return self.description


class BalanceEntry(models.Model):
    """The credit balance ledger: the subscription's `credit_balance_minor` is always the sum of these."""

    class Kind(models.TextChoices):
        CREDIT_NOTE = "credit_note", "Credit note"
        APPLIED = "applied", "Applied to an invoice"
        SMALL_AMOUNT = "small_amount", "Amount under the minimum charge, carried"
        PAID_OUT = "paid_out", "Paid back with a refund"
        ADJUSTMENT = "adjustment", "Adjustment by staff"

    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="balance_entries")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    amount_minor = models.BigIntegerField(help_text="Positive: in the customer's favour")
    currency = models.CharField(max_length=3)
    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    credit_note = models.ForeignKey(CreditNote, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    description = models.CharField(max_length=300)
    created_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["account", "created_at"], name="balance_account_created_idx")]

    def __str__(self) -> str:
        return f"{self.amount_minor:+} {self.currency}: {self.description}"


class Payment(models.Model):
    """A charge or a refund through the gateway, or a payment recorded by sales; failed attempts are kept too."""

    class Kind(models.TextChoices):
        CHARGE = "charge"
        REFUND = "refund"
        MANUAL = "manual", "Recorded by sales"
        MANUAL_REFUND = "manual_refund", "Paid back out of band"

    class Status(models.TextChoices):
        SUCCEEDED = "succeeded"
        FAILED = "failed"
        # An out-of-band refund owed to the customer until sales records the transfer or check sent.
        PENDING = "pending", "To be paid back"

    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="payments")
    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="payments")
    credit_note = models.ForeignKey(CreditNote, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    refund_of = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="refunds",
        help_text="The payment paid back",
    )
    kind = models.CharField(max_length=15, choices=Kind.choices)
    status = models.CharField(max_length=10, choices=Status.choices)
    amount_minor = models.BigIntegerField()
    currency = models.CharField(max_length=3)
    gateway = models.CharField(max_length=20, blank=True, default="")
    reference = models.CharField(max_length=100, blank=True, default="", help_text="Gateway or bank reference")
    idempotency_key = models.CharField(max_length=120, unique=True)
    failure_code = models.CharField(max_length=40, blank=True, default="")
    failure_message = models.CharField(max_length=300, blank=True, default="")
    recorded_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField()
    paid_back_at = models.DateTimeField(
        null=True, blank=True, help_text="When sales sent an out-of-band refund (bank transfer or check)"
    )

    class Meta:
        indexes = [models.Index(fields=["account", "created_at"], name="payment_account_created_idx")]
        constraints = [models.CheckConstraint(condition=Q(amount_minor__gt=0), name="payment_positive")]

    def __str__(self) -> str:
        return f"{self.kind} {self.status} {self.amount_minor} {self.currency}"


class IdempotentRequest(models.Model):
    """A write that costs money, answered once per `Idempotency-Key`: a repeat replays the stored answer."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    fingerprint = models.CharField(max_length=64, help_text="Method, path and body hash of the first request")
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    body = models.JSONField(null=True, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["account", "key"], name="idempotent_account_key_uniq")]

    def __str__(self) -> str:
        return self.key


# The sandbox gateway's own records: what a card network would remember. Never card numbers: a behaviour, the brand,
# the last four digits and the expiry, like a real gateway's token.
class SandboxCard(models.Model):
    class Behaviour(models.TextChoices):
        SUCCEED = "succeed"
        CHARGE_FAILS = "charge_fails"

    reference = models.CharField(max_length=40, unique=True)
    brand = models.CharField(max_length=20)
    last4 = models.CharField(max_length=4)
    exp_month = models.PositiveSmallIntegerField()
    exp_year = models.PositiveSmallIntegerField()
    behaviour = models.CharField(max_length=20, choices=Behaviour.choices)
    created_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.brand} {self.last4}"


class SandboxCharge(models.Model):
    reference = models.CharField(max_length=40, unique=True)
    card = models.ForeignKey(SandboxCard, on_delete=models.PROTECT, related_name="charges")
    idempotency_key = models.CharField(max_length=120, unique=True)
    amount_minor = models.BigIntegerField()
    currency = models.CharField(max_length=3)
    succeeded = models.BooleanField()
    failure_code = models.CharField(max_length=40, blank=True, default="")
    refunded_minor = models.BigIntegerField(default=0)
    created_at = models.DateTimeField()

    def __str__(self) -> str:
        return self.reference


class SandboxRefund(models.Model):
    reference = models.CharField(max_length=40, unique=True)
    charge = models.ForeignKey(SandboxCharge, on_delete=models.PROTECT, related_name="refunds")
    idempotency_key = models.CharField(max_length=120, unique=True)
    amount_minor = models.BigIntegerField()
    created_at = models.DateTimeField()

    def __str__(self) -> str:
        return self.reference


class StripeEvent(models.Model):
    """A webhook event received from Stripe, kept once per event id: a redelivery finds it and changes nothing.

    `processed_at` is set once the event has been applied (or found to need nothing); until then Stripe is asked to
    deliver it again (the event may concern a charge whose request has not committed yet). Events that need a
    person (a dispute, a refund made in Stripe's dashboard, money taken for a voided invoice) say so in `outcome`
    and `detail`. Only a digest of the payload is kept: it may carry the cardholder's name and address.
    """

    class Outcome(models.TextChoices):
        PENDING = "pending", "Waiting for Stripe to deliver it again"
        APPLIED = "applied", "Applied"
        NO_CHANGE = "no_change", "Nothing to change"
        NEEDS_ATTENTION = "needs_attention", "Needs staff attention"
        IGNORED = "ignored", "Ignored (not handled)"

    event_id = models.CharField(max_length=255, unique=True)
    type = models.CharField(max_length=100)
    object_id = models.CharField(max_length=255, blank=True, default="", help_text="The id of the event's object")
    created = models.DateTimeField(help_text="When Stripe created the event")
    livemode = models.BooleanField(default=False)
    payload_sha256 = models.CharField(max_length=64)
    account = models.ForeignKey(Account, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    outcome = models.CharField(max_length=20, choices=Outcome.choices, default=Outcome.PENDING)
    detail = models.CharField(max_length=500, blank=True, default="")
    deliveries = models.PositiveIntegerField(default=1)
    received_at = models.DateTimeField()
    processed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-received_at", "-id"]
        indexes = [
            models.Index(fields=["outcome", "-received_at"], name="stripe_event_outcome_idx"),
            models.Index(fields=["object_id"], name="stripe_event_object_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.event_id} {self.type} ({self.outcome})"
