"""`stint worker`: delivers the outbox and runs the periodic ticks, until asked to stop.

SIGTERM and SIGINT let the message in flight finish, then stop: a restart never cuts a delivery in half.
"""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Callable

from django.conf import settings
from django.db import close_old_connections

from stint.core.outbox import outbox_deliver

log = logging.getLogger(__name__)

# Periodic, idempotent jobs registered by apps (billing tick, reminders); each runs once per worker loop.
TICKS: list[Callable[[], object]] = []


def register_tick(tick: Callable[[], object]) -> Callable[[], object]:
    if tick not in TICKS:
        TICKS.append(tick)
    return tick


def run_once(should_stop: Callable[[], bool] = lambda: False) -> int:
    """One pass: every tick, then the outbox. Answers how many messages were attempted."""
    for tick in TICKS:
        if should_stop():
            return 0
        tick()
    return outbox_deliver(should_stop=should_stop)


def run_worker(stop: threading.Event | None = None, *, install_signals: bool = True) -> None:
    stop = stop or threading.Event()
    if install_signals:
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, lambda *_: stop.set())
    log.info("worker started")
    if settings.EMAIL_BACKEND.endswith("console.EmailBackend") and not settings.DEBUG:
        log.warning("EMAIL_URL is not set: emails are printed here instead of being sent. Set EMAIL_URL=smtp://...")
    while not stop.is_set():
        close_old_connections()
        try:
            busy = run_once(should_stop=stop.is_set)
        except Exception:
            log.exception("worker pass failed; retrying")
            busy = 0
        if not busy:
            stop.wait(settings.STINT_WORKER_POLL_S)
    log.info("worker stopped")
