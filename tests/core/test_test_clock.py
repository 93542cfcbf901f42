"""The test clock behind API.md's /test-clock: one offset in the database that every process applies to its clock,
read again at every request and every worker pass; nothing of it without STINT_TEST_CLOCK=1."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.db import connection

from stint.core import clock, worker
from stint.core.clock import SystemClock
from stint.core.errors import Invalid
from stint.core.models import ClockOffset
from stint.core.test_clock import (
    OffsetClock,
    clock_move,
    offset_clock_install,
    offset_clock_refresh,
    offset_clock_remove,
)

DAY = timedelta(days=1)


@pytest.fixture
def flag_on(settings: Any) -> Iterator[None]:
    settings.STINT_TEST_CLOCK = True
    previous = offset_clock_install()
    yield
    offset_clock_remove(previous)


@pytest.fixture
def no_ticks(monkeypatch: pytest.MonkeyPatch) -> None:
    """Only what this module registers runs: these tests are about the clock, not about the apps' ticks."""
    monkeypatch.setattr(worker, "TICKS", {})


def close_to(moment: datetime, expected: datetime) -> bool:
    return abs(moment - expected) < timedelta(seconds=5)


# --- one process ---


@pytest.mark.django_db
@pytest.mark.usefixtures("flag_on", "no_ticks")
def test_moving_the_clock_moves_clock_now() -> None:
    clock_move(advance_s=2 * 86400)

    assert close_to(clock.now(), datetime.now(UTC) + 2 * DAY)


@pytest.mark.django_db
@pytest.mark.usefixtures("flag_on", "no_ticks")
def test_a_move_back_is_refused_and_changes_nothing() -> None:
    clock_move(advance_s=86400)

    with pytest.raises(Invalid, match="only moves forward"):
        clock_move(to=datetime.now(UTC) + timedelta(hours=12))

    assert close_to(clock.now(), datetime.now(UTC) + DAY)


@pytest.mark.django_db
@pytest.mark.usefixtures("flag_on")
def test_refreshing_reads_the_offset_with_one_query(django_assert_num_queries: Any) -> None:
    ClockOffset.objects.create(pk=1, offset_us=7 * 86400 * 10**6)

    with django_assert_num_queries(1):
        offset_clock_refresh()

    assert close_to(clock.now(), datetime.now(UTC) + 7 * DAY)


@pytest.mark.django_db
def test_without_the_flag_nothing_is_read_and_the_clock_stays_real(
    settings: Any, django_assert_num_queries: Any
) -> None:
    settings.STINT_TEST_CLOCK = False
    ClockOffset.objects.create(pk=1, offset_us=7 * 86400 * 10**6)

    with django_assert_num_queries(0):
        offset_clock_refresh()

    assert close_to(clock.now(), datetime.now(UTC))


def test_a_request_keeps_the_offset_it_started_with_while_another_thread_reads_an_older_one() -> None:
    offset_clock = OffsetClock(base=SystemClock())
    offset_clock.set_offset(DAY)  # this request moved the clock

    stale = threading.Thread(target=offset_clock.set_offset, args=(timedelta(0),))  # read before the move committed
    stale.start()
    stale.join()

    assert offset_clock.offset == DAY


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("flag_on", "no_ticks")
def test_concurrent_moves_all_count() -> None:
    errors: list[BaseException] = []

    def advance() -> None:
        try:
            clock_move(advance_s=3600)
        except BaseException as exc:  # reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=advance) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert ClockOffset.objects.get().offset_us == 6 * 3600 * 10**6


# --- other processes ---


def _database_url() -> str:
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    user = db["USER"] or "postgres"
    password = f":{db['PASSWORD']}" if db["PASSWORD"] else ""
    return f"postgres://{user}{password}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


# A worker pass in a process of its own, with a tick that tells the time it saw.
WORKER_PASS = """
import django
django.setup()
from stint.core import clock, worker
worker.register_tick(lambda: print("tick saw", clock.now().isoformat(), flush=True))
worker.run_once(force=True)
"""


def _time_seen_by_another_worker(*, flag: bool) -> datetime:
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("STINT_", "DATABASE_URL", "EMAIL_URL"))},
        "DJANGO_SETTINGS_MODULE": "stint.settings",
        "DATABASE_URL": _database_url(),
        "STINT_DEBUG": "1",
        "STINT_DATA_DIR": str(Path(django_settings.DATA_DIR)),
        "STINT_TEST_CLOCK": "1" if flag else "0",
    }
    done = subprocess.run(
        [sys.executable, "-c", WORKER_PASS], env=env, capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
    lines = [line for line in done.stdout.splitlines() if line.startswith("tick saw ")]
    assert len(lines) == 1, done.stdout + done.stderr
    return datetime.fromisoformat(lines[0].removeprefix("tick saw "))


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("flag_on", "no_ticks")
def test_a_worker_in_another_process_sees_the_moved_clock() -> None:
    clock_move(advance_s=30 * 86400)

    before = clock.now()
    seen = _time_seen_by_another_worker(flag=True)
    after = clock.now()

    assert before <= seen <= after


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("flag_on", "no_ticks")
def test_a_process_started_without_the_flag_keeps_the_real_time() -> None:
    clock_move(advance_s=30 * 86400)

    seen = _time_seen_by_another_worker(flag=False)

    assert close_to(seen, datetime.now(UTC))
