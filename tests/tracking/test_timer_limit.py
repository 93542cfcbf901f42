"""The worker tick `timers_stop_overlong`: a timer that reaches the maximum record length stops at the limit and
its person is emailed, once."""

from __future__ import annotations

from collections.abc import Iterator
from email.message import EmailMessage

import pytest

from stint.core import clock
from stint.core.clock import FrozenClock
from stint.tracking.models import Timer, TimeRecord
from stint.tracking.services import timer_start, timers_stop_overlong
from tests.conftest import Mailbox, Person, body_text, deliver
from tests.tracking.helpers import NOW, at, records_of, set_rules

SUBJECT = "Your Stint timer stopped at the 24-hour limit"


def timer_mails(mailbox: Mailbox, person: Person) -> list[EmailMessage]:
    """The timer emails `person` received (the account's own events, e.g. its creation, are mailed too)."""
    return [m for m in mailbox.to(person.email) if "timer" in str(m["Subject"])]


@pytest.fixture
def frozen() -> Iterator[FrozenClock]:
    with clock.using(FrozenClock(NOW)) as frozen_clock:
        assert isinstance(frozen_clock, FrozenClock)
        yield frozen_clock


def test_a_timer_short_of_the_limit_keeps_running(alice: Person, frozen: FrozenClock, mailbox: Mailbox) -> None:
    timer_start(account=alice.account, user=alice.user)
    frozen.advance(24 * 3600 - 1)

    assert timers_stop_overlong() == 0
    deliver()

    assert Timer.objects.filter(user=alice.user).exists()
    assert timer_mails(mailbox, alice) == []


def test_a_timer_at_the_limit_becomes_a_record_of_exactly_the_limit(
    alice: Person, bob: Person, frozen: FrozenClock, mailbox: Mailbox
) -> None:
    timer_start(account=alice.account, user=alice.user, comment="Forgot to stop")
    timer_start(account=alice.account, user=bob.user)
    frozen.advance(30 * 3600)  # the tick may come late: the record still ends at the limit

    assert timers_stop_overlong() == 2

    record = TimeRecord.objects.get(user=alice.user)
    assert (record.start, record.end, record.duration_s) == (NOW, at("2026-11-27 15:00"), 24 * 3600)
    assert record.source == "timer" and record.comment == "Forgot to stop"
    assert not Timer.objects.exists()


def test_the_person_is_emailed_once_however_often_the_tick_runs(
    alice: Person, bob: Person, frozen: FrozenClock, mailbox: Mailbox
) -> None:
    timer_start(account=alice.account, user=alice.user)
    frozen.advance(24 * 3600)

    assert timers_stop_overlong() == 1
    deliver()
    assert timers_stop_overlong() == 0
    deliver()

    [message] = timer_mails(mailbox, alice)
    assert str(message["Subject"]) == SUBJECT
    assert "saved the record" in body_text(message)
    assert timer_mails(mailbox, bob) == []
    assert TimeRecord.objects.filter(user=alice.user).count() == 1


def test_the_accounts_own_maximum_is_the_limit(alice: Person, frozen: FrozenClock, mailbox: Mailbox) -> None:
    set_rules(alice.account, max_record_s=8 * 3600)
    timer_start(account=alice.account, user=alice.user)
    frozen.advance(8 * 3600)

    assert timers_stop_overlong() == 1
    deliver()

    assert TimeRecord.objects.get(user=alice.user).duration_s == 8 * 3600
    assert [str(m["Subject"]) for m in timer_mails(mailbox, alice)] == ["Your Stint timer stopped at the 8-hour limit"]


def test_a_timer_whose_record_would_overlap_stops_and_says_so(
    alice: Person, frozen: FrozenClock, mailbox: Mailbox
) -> None:
    timer_start(account=alice.account, user=alice.user)
    records_of(alice, at("2026-11-26 18:00"), minutes=60)
    frozen.advance(24 * 3600)

    assert timers_stop_overlong() == 1
    deliver()

    assert not Timer.objects.exists() and TimeRecord.objects.count() == 1
    [message] = timer_mails(mailbox, alice)
    assert "could not save the record: This overlaps" in body_text(message)
    assert "add the time by hand" in body_text(message)
