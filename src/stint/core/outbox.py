"""The outbox: side effects written with the change that causes them, delivered afterwards by the worker.

Delivery claims one message at a time with a short lease (so SQLite's single writer is never held during an SMTP
conversation, and several PostgreSQL workers skip each other's rows), performs it, then marks it sent. A message
carries a stable Message-ID, so even the one unavoidable window (killed after the server accepted the mail, before
the mark) yields a duplicate that mail systems recognise.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlparse

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import IntegrityError, transaction

from stint.core import clock
from stint.core.models import OutboxMessage

log = logging.getLogger(__name__)


REDACTED = "[removed after sending: this email held a personal link]"

# Attachments made when the email is sent, not when it is queued (a PDF costs a fraction of a second to render and
# would make the outbox heavy): a payload attachment {"render": "<name>", "id": N} is turned into
# (filename, bytes, mimetype) by the renderer registered under that name.
AttachmentRenderer = Callable[[int], tuple[str, bytes, str]]
ATTACHMENT_RENDERERS: dict[str, AttachmentRenderer] = {}


def register_attachment_renderer(name: str, renderer: AttachmentRenderer) -> None:
    ATTACHMENT_RENDERERS[name] = renderer


def outbox_enqueue(
    *,
    kind: str,
    dedupe_key: str,
    payload: dict[str, Any],
    account_id: int | None = None,
    group: str = "",
) -> OutboxMessage:
    """Queue a side effect; queueing the same `dedupe_key` again answers the first message."""
    now = clock.now()
    try:
        with transaction.atomic():
            return OutboxMessage.objects.create(
                kind=kind,
                dedupe_key=dedupe_key,
                payload=payload,
                account_id=account_id,
                group=group,
                next_attempt_at=now,
                created_at=now,
            )
    except IntegrityError:
        return OutboxMessage.objects.get(dedupe_key=dedupe_key)


def email_enqueue(
    *,
    to: str,
    subject: str,
    text: str,
    html: str | None,
    dedupe_key: str,
    account_id: int | None = None,
    group: str = "",
    attachments: list[dict[str, Any]] | None = None,
    sensitive: bool = False,
) -> OutboxMessage:
    """`sensitive`: the body holds a secret (a sign-in or reset link); it is blanked once the email is sent, so the
    link lives on only in the recipient's mailbox, not in the database, its backups or the back-office."""
    return outbox_enqueue(
        kind=OutboxMessage.Kind.EMAIL,
        dedupe_key=dedupe_key,
        account_id=account_id,
        group=group,
        payload={
            "to": to,
            "subject": subject,
            "text": text,
            "html": html,
            "attachments": attachments or [],
            "sensitive": sensitive,
        },
    )


def _claim(now: datetime) -> OutboxMessage | None:
    with transaction.atomic():
        due = (
            OutboxMessage.objects.select_for_update(skip_locked=True)
            .filter(status=OutboxMessage.Status.PENDING, next_attempt_at__lte=now)
            .exclude(locked_until__gt=now)
            .order_by("next_attempt_at", "id")
            .first()
        )
        if due is None:
            return None
        due.locked_until = now + timedelta(seconds=settings.STINT_OUTBOX_LEASE_S)
        due.save(update_fields=["locked_until"])
        return due


def _backoff(attempts: int) -> timedelta:
    return timedelta(seconds=min(30 * 2 ** (attempts - 1), 6 * 3600))


def _message_id_domain() -> str:
    return urlparse(settings.BASE_URL).hostname or "stint.localhost"


class _Mailer:
    """One SMTP connection for a batch, opened on first use."""

    def __init__(self) -> None:
        self.connection: Any = None

    def send(self, message: OutboxMessage) -> None:
        if self.connection is None:
            self.connection = get_connection()
            self.connection.open()
        payload = message.payload
        email = EmailMultiAlternatives(
            subject=payload["subject"],
            body=payload["text"],
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[payload["to"]],
            headers={"Message-ID": f"<outbox-{message.pk}@{_message_id_domain()}>", "X-Stint-Key": message.dedupe_key},
            connection=self.connection,
        )
        if payload.get("html"):
            email.attach_alternative(payload["html"], "text/html")
        for attachment in payload.get("attachments", []):
            if "render" in attachment:
                email.attach(*ATTACHMENT_RENDERERS[attachment["render"]](attachment["id"]))
            else:
                email.attach(attachment["filename"], attachment["content"], attachment["mimetype"])
        email.send()

    def close(self) -> None:
        if self.connection is not None:
            try:
                self.connection.close()
            finally:
                self.connection = None


def outbox_deliver(*, limit: int = 100, should_stop: Callable[[], bool] = lambda: False) -> int:
    """Deliver due messages one by one; answers how many were attempted. Safe to run in several workers."""
    mailer = _Mailer()
    attempted = 0
    try:
        while attempted < limit and not should_stop():
            now = clock.now()
            message = _claim(now)
            if message is None:
                break
            attempted += 1
            try:
                if message.kind == OutboxMessage.Kind.EMAIL:
                    mailer.send(message)
                else:
                    raise ValueError(f"No delivery for outbox kind {message.kind!r}.")
            except Exception as exc:
                mailer.close()
                _record_failure(message, exc)
                continue
            sent: dict[str, Any] = {}
            if message.payload.get("sensitive"):
                sent["payload"] = {**message.payload, "text": REDACTED, "html": None}
            OutboxMessage.objects.filter(pk=message.pk).update(
                status=OutboxMessage.Status.SENT,
                sent_at=clock.now(),
                attempts=message.attempts + 1,
                locked_until=None,
                last_error="",
                **sent,
            )
    finally:
        mailer.close()
    return attempted


def _record_failure(message: OutboxMessage, exc: Exception) -> None:
    attempts = message.attempts + 1
    gave_up = attempts >= settings.STINT_OUTBOX_MAX_ATTEMPTS
    # The exception text may name the SMTP host, never credentials; keep it short.
    error = f"{type(exc).__name__}: {exc}"[:500]
    log.warning("outbox message %s failed (attempt %s): %s", message.pk, attempts, error)
    OutboxMessage.objects.filter(pk=message.pk).update(
        attempts=attempts,
        status=OutboxMessage.Status.FAILED if gave_up else OutboxMessage.Status.PENDING,
        next_attempt_at=clock.now() + _backoff(attempts),
        locked_until=None,
        last_error=error,
    )
