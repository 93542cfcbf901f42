from __future__ import annotations

from datetime import UTC, datetime

from stint.core import clock
from stint.notifications.models import EventType
from stint.notifications.services import event_record
from tests.conftest import Person, deliver
from tests.web.conftest import logged_in, text


def test_alice_sees_the_account_and_its_events_with_their_email_status(alice: Person, bob: Person) -> None:
    browser = logged_in(alice)
    page = text(browser.get("/settings/account/"))
    assert "Account A" in page
    assert "Trial" in page
    assert "Owner Alice Archer" in page
    assert "user.added Alice Archer added Bob Baker <bob@example.com> as member. pending" in page
    assert "account.created" in page
    deliver()
    assert "user.added Alice Archer added Bob Baker <bob@example.com> as member. sent" in text(
        browser.get("/settings/account/")
    )


def test_events_are_newest_first_and_shown_in_alices_time_zone(alice: Person) -> None:
    alice.user.timezone = "Asia/Tokyo"
    alice.user.save()
    with clock.using(clock.FrozenClock(datetime(2030, 1, 5, 23, 30, tzinfo=UTC))):
        event_record(account=alice.account, type=EventType.PO_CHANGED, summary="The PO number is now 42.")
    page = text(logged_in(alice).get("/settings/account/"))
    assert "Jan 6, 2030, 08:30 po.changed The PO number is now 42." in page
    assert page.index("po.changed") < page.index("account.created")


def test_the_event_log_is_paginated_by_fifty(alice: Person) -> None:
    for n in range(60):
        event_record(account=alice.account, type=EventType.PO_CHANGED, summary=f"Change number {n}.")
    browser = logged_in(alice)
    first = browser.get("/settings/account/")
    assert first.context["next_cursor"]
    assert len(first.context["events"]) == 50
    assert "Change number 59." in text(first)
    assert "Change number 9." not in text(first)
    second = browser.get("/settings/account/", {"cursor": first.context["next_cursor"]})
    assert "Change number 9." in text(second)
    assert "account.created" in text(second)
    assert "Newest events" in text(second)
    assert browser.get("/settings/account/", {"cursor": "garbage"})["Location"] == "/settings/account/"


def test_charlie_sees_only_his_own_accounts_events(alice: Person, bob: Person, charlie: Person) -> None:
    page = text(logged_in(charlie).get("/settings/account/"))
    assert "Account B" in page
    assert "Bob Baker" not in page
