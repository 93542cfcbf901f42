"""Account events: stored and mailed to the owner in the same transaction as the change they describe."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import transaction
from django.template.loader import render_to_string

from stint.accounts.models import Account, User
from stint.core import clock
from stint.core.outbox import email_enqueue
from stint.notifications.models import AccountEvent, EventType

SUBJECTS: dict[str, str] = {
    EventType.ACCOUNT_CREATED: "Welcome to Stint: {account} is ready",
    EventType.TRIAL_STARTED: "Your 30-day trial of Stint has started",
    EventType.USER_ADDED: "{subject_name} was added to {account}",
    EventType.USER_REMOVED: "{subject_name} was removed from {account}",
    EventType.OWNER_CHANGED: "{account} has a new owner",
    # Billing: the placeholders are keys that billing.services.common.event() puts in every such event's data.
    EventType.TRIAL_ENDING: "Your Stint trial ends on {trial_ends_on}",
    EventType.TRIAL_ENDED: "Your Stint trial has ended: {account} is now on Free",
    EventType.SUBSCRIPTION_PURCHASED: "You bought {plan_name} ({interval_display}) for {account}",
    EventType.SUBSCRIPTION_CHANGED: "{account} is now on {plan_name} ({interval_display})",
    EventType.INVOICE_CREATED: "New invoice {invoice_number}: {total}",
    EventType.INVOICE_DUE_SOON: "Invoice {invoice_number} ({outstanding}) is due {due_phrase}",
    EventType.INVOICE_OVERDUE: "Invoice {invoice_number} ({outstanding}) is overdue",
    EventType.PAYMENT_SUCCEEDED: "Invoice {invoice_number}: {payment_amount} paid",
    EventType.PAYMENT_FAILED: "Payment failed for {payment_for}",
    EventType.REFUND_ISSUED: "Purchase cancelled: {refund} refunded",
    EventType.CREDIT_NOTE_ISSUED: "Credit note {credit_note_number}: {credit_note_total} for invoice "
    "{credited_invoice_number}",
    EventType.SUBSCRIPTION_CANCELLED: "Your subscription is cancelled and ends on {period_end_on}",
    EventType.SUBSCRIPTION_RESUMED: "Your subscription is resumed and renews on {period_end_on}",
    EventType.SUBSCRIPTION_RENEWED: "{plan_name} renewed until {period_end_on}: invoice {invoice_number}",
    EventType.SUBSCRIPTION_REVERTED_TO_FREE: "{account} is now on the Free edition",
    EventType.PAYMENT_METHOD_CHANGED: "The payment method of {account} was changed",
    EventType.PO_CHANGED: "The purchase order of {account} was changed",
    EventType.LICENSE_ISSUED: "License for your on-prem server: {license_edition}, {license_seats} named users",
    EventType.LICENSE_INSTALLED: "License installed on {account}'s server: {license_edition}, {license_seats} named "
    "users",
    EventType.LICENSE_EXPIRING: "The license of {account}'s server expires on {license_expires_on}",
}


def _subject(event: AccountEvent) -> str:
    template = SUBJECTS.get(event.type)
    if template is not None:
        try:
            return template.format(
                account=event.account.name, **{k: v for k, v in event.data.items() if k != "account"}
            )
        except (KeyError, IndexError):  # an event stored before its subject named this fact
            pass
    return f"{event.account.name}: {event.summary}"


def _render(event: AccountEvent, recipient: User) -> tuple[str, str]:
    context = {
        "event": event,
        "account": event.account,
        "recipient": recipient,
        "data": event.data,
        "base_url": settings.BASE_URL,
        "events_url": f"{settings.BASE_URL}/settings/account/",
    }
    name = event.type.replace(".", "_")
    templates_txt = [f"emails/{name}.txt", "emails/generic.txt"]
    templates_html = [f"emails/{name}.html", "emails/generic.html"]
    return render_to_string(templates_txt, context), render_to_string(templates_html, context)


def event_record(
    *,
    account: Account,
    type: EventType,
    summary: str,
    actor: User | None = None,
    data: dict[str, Any] | None = None,
    recipients: list[User] | None = None,
    attachments: list[dict[str, Any]] | None = None,
) -> AccountEvent:
    """Store the event and queue its email to the owner (or to `recipients`), exactly once each."""
    with transaction.atomic():
        event = AccountEvent.objects.create(
            account=account,
            type=type,
            summary=summary[:300],
            actor=actor,
            data=data or {},
            created_at=clock.now(),
        )
        for recipient in recipients or [account.owner]:
            text, html = _render(event, recipient)
            email_enqueue(
                to=recipient.email,
                subject=_subject(event),
                text=text,
                html=html,
                dedupe_key=f"event:{event.pk}:to:{recipient.pk}",
                account_id=account.pk,
                group=event.outbox_group,
                attachments=attachments,
            )
    return event
