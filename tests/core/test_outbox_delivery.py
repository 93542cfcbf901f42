"""The outbox delivers each email exactly once: twice-run workers, SMTP outages, and workers stopped or killed
mid-delivery and started again."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from django.conf import settings
from django.db import connection

from stint.core import clock
from stint.core.clock import FrozenClock
from stint.core.models import OutboxMessage
from stint.core.outbox import email_enqueue
from tests.conftest import Mailbox, Person, _free_port, body_text, deliver


def _queue(count: int, prefix: str = "m") -> list[str]:
    keys = [f"{prefix}-{n}" for n in range(count)]
    for key in keys:
        email_enqueue(to=f"{key}@example.com", subject=f"Message {key}", text="Hello", html=None, dedupe_key=key)
    return keys


def test_each_event_email_reaches_the_owner_once_even_when_the_worker_runs_twice(
    alice: Person, mailbox: Mailbox
) -> None:
    deliver()
    deliver()
    subjects = mailbox.subjects("alice@example.com")
    assert subjects.count("Welcome to Stint: Account A is ready") == 1
    assert subjects.count("Your 30-day trial of Stint has started") == 1


def test_each_email_has_a_text_and_an_html_part(alice: Person, mailbox: Mailbox) -> None:
    deliver()
    welcome = next(m for m in mailbox.to("alice@example.com") if "Welcome" in str(m["Subject"]))
    assert welcome.get_body(preferencelist=("plain",)) is not None
    assert welcome.get_body(preferencelist=("html",)) is not None


@pytest.mark.django_db
def test_queueing_the_same_effect_twice_sends_it_once(mailbox: Mailbox) -> None:
    _queue(1)
    _queue(1)
    deliver()
    assert mailbox.subjects() == ["Message m-0"]


@pytest.mark.django_db
def test_an_unreachable_mail_server_delays_delivery_without_losing_the_email(mailbox: Mailbox, settings: Any) -> None:
    real_port = settings.EMAIL_PORT
    settings.EMAIL_PORT = _free_port()  # nothing listens there
    _queue(1)
    deliver()
    message = OutboxMessage.objects.get()
    assert message.status == "pending"
    assert message.attempts == 1
    assert "Error" in message.last_error or "refused" in message.last_error.lower()
    assert mailbox.messages == []

    settings.EMAIL_PORT = real_port
    deliver()  # not yet due: the back-off holds it
    assert mailbox.messages == []
    with clock.using(FrozenClock(clock.now() + timedelta(minutes=5))):
        deliver()
    assert mailbox.subjects() == ["Message m-0"]
    assert OutboxMessage.objects.get().status == "sent"


@pytest.mark.django_db
def test_it_gives_up_after_the_configured_attempts(mailbox: Mailbox, settings: Any) -> None:
    settings.EMAIL_PORT = _free_port()
    settings.STINT_OUTBOX_MAX_ATTEMPTS = 3
    _queue(1)
    at = clock.now()
    for _ in range(5):
        at += timedelta(hours=7)
        with clock.using(FrozenClock(at)):
            deliver()
    message = OutboxMessage.objects.get()
    assert (message.status, message.attempts) == ("failed", 3)


# --- a real `stint worker` process, stopped and killed mid-delivery ------------------------------------------


class SlowMailbox(Mailbox):
    """An SMTP server that takes its time before accepting each message, like a busy relay.

    A message counts as delivered only once the server answers 250 to a client still connected: a client that
    vanishes before that has not handed the message over, exactly as with a real mail server.
    """

    def __init__(self, delay: float) -> None:
        super().__init__()
        self.delay = delay
        self.receiving = threading.Event()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.receiving.set()
        await asyncio.sleep(self.delay)
        self.receiving.clear()
        transport = getattr(server, "transport", None)
        if transport is None or transport.is_closing():
            return "421 Client went away"
        return await super().handle_DATA(server, session, envelope)


@pytest.fixture
def slow_smtp() -> Iterator[tuple[int, SlowMailbox]]:
    box = SlowMailbox(delay=0.3)
    controller = Controller(box, hostname="127.0.0.1", port=_free_port())
    controller.start()
    yield controller.port, box
    controller.stop()


def _database_url() -> str:
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    user = db["USER"] or "postgres"
    password = f":{db['PASSWORD']}" if db["PASSWORD"] else ""
    return f"postgres://{user}{password}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def _start_worker(smtp_port: int) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "DATABASE_URL": _database_url(),
        "EMAIL_URL": f"smtp://127.0.0.1:{smtp_port}",
        "STINT_DEBUG": "1",
        "STINT_DATA_DIR": str(Path(settings.DATA_DIR)),
        "STINT_WORKER_POLL_S": "0.1",
        "STINT_OUTBOX_LEASE_S": "2",
    }
    return subprocess.Popen([sys.executable, "-m", "stint.cli", "worker"], env=env)


def _wait(condition: Any, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("timed out")
        time.sleep(0.02)


def _keys(box: Mailbox) -> Counter[str]:
    return Counter(str(m["X-Stint-Key"]) for m in box.messages)


@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGKILL], ids=["stopped", "killed"])
def test_a_worker_restarted_mid_delivery_sends_every_email_exactly_once(
    transactional_db: None, slow_smtp: tuple[int, SlowMailbox], stop: signal.Signals
) -> None:
    port, box = slow_smtp
    keys = _queue(8)
    worker = _start_worker(port)
    try:
        _wait(lambda: len(box.messages) >= 2)
        # Stop it while the server is in the middle of receiving the next message.
        _wait(box.receiving.is_set)
        worker.send_signal(stop)
        worker.wait(timeout=30)
        delivered_before_restart = len(box.messages)
        assert delivered_before_restart < len(keys), "the worker should have been stopped mid-way"
    finally:
        if worker.poll() is None:
            worker.kill()
    restarted = _start_worker(port)
    try:
        _wait(lambda: OutboxMessage.objects.filter(status="sent").count() == len(keys))
    finally:
        restarted.send_signal(signal.SIGTERM)
        restarted.wait(timeout=30)
    assert _keys(box) == Counter({key: 1 for key in keys})


@pytest.mark.django_db
def test_a_sensitive_email_is_blanked_in_the_database_once_sent(mailbox: Mailbox) -> None:
    email_enqueue(
        to="dana@example.com", subject="Your link", text="https://x/reset/secret/", html="<a>secret</a>",
        dedupe_key="reset-1", sensitive=True,
    )  # fmt: skip
    deliver()
    assert "secret" in body_text(mailbox.messages[0])
    stored = OutboxMessage.objects.get(dedupe_key="reset-1")
    assert "secret" not in str(stored.payload)
    assert stored.status == "sent"
