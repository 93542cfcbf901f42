"""`stint worker`: delivers the outbox and runs the periodic ticks, until asked to stop.

SIGTERM and SIGINT let the message in flight finish, then stop: a restart never cuts a delivery in half.
"""

from __future__ import annotations

import logging
import signal
import threading
import time
from collections.abc import Callable

from django.conf import settings
from django.db import close_old_connections

from stint.core.outbox import outbox_deliver
from stint.core.test_clock import offset_clock_refresh

log = logging.getLogger(__name__)

# Periodic, idempotent jobs registered by apps (billing tick, timer limits, reminders), each with how often it
# needs to run; the worker loop itself turns about once a second.
TICKS: dict[Callable[[], object], float] = {}
_last_run: dict[Callable[[], object], float] = {}


def register_tick(tick: Callable[[], object], *, every_s: float = 0) -> Callable[[], object]:
    TICKS[tick] = every_s
    return tick


def run_once(should_stop: Callable[[], bool] = lambda: False, *, force: bool = False) -> int:
    """One pass: every tick that is due (all of them with `force`), then the outbox. Answers how many messages
    were attempted."""
    # The test clock (STINT_TEST_CLOCK=1 only) may have been moved by another process since the last pass.
    offset_clock_refresh()
    for tick, every_s in TICKS.items():
        if should_stop():
            return 0
        now = time.monotonic()
        if not force and tick in _last_run and now - _last_run[tick] < every_s:
            continue
        _last_run[tick] = now
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
