from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect
from pytest_django.live_server_helper import LiveServer

from stint.tracking.models import TimeRecord
from tests.browser.tracking_helpers import log_in
from tests.conftest import Person
from tests.web.tracking.conftest import make_catalog

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("transactional_db")]


def test_alice_starts_and_stops_the_timer_and_her_other_window_follows(
    page: Page, browser: Browser, live_server: LiveServer, alice: Person, screenshots: Path
) -> None:
    make_catalog(alice)
    base = live_server.url
    log_in(page, base, alice, "/week/")
    tracker = page.get_by_role("region", name="Timer")
    tracker.get_by_label("Search work items").fill("login")
    expect(tracker.get_by_label("Work item", exact=True)).to_have_value(re.compile(r"\d+"))
    tracker.get_by_label("Activity").select_option(label="Development")
    tracker.get_by_label("Comment").fill("Login form")
    tracker.get_by_role("button", name="Start").click()

    clock = tracker.get_by_role("timer")
    expect(clock).to_have_text(re.compile(r"^0:00:0\d$"))
    expect(tracker).to_contain_text("PROJ-1 Login page · Development — Login form")
    expect(clock).to_have_text(re.compile(r"^0:00:0[2-9]$"), timeout=5000)  # it ticks
    page.screenshot(path=str(screenshots / "tracker-running.png"))

    # Another browser of Alice's sees the running timer, and stops it; the first one learns on focus.
    other = browser.new_context(viewport={"width": 1280, "height": 800}).new_page()
    log_in(other, base, alice, "/month/")
    other_tracker = other.get_by_role("region", name="Timer")
    expect(other_tracker.get_by_role("timer")).to_have_text(re.compile(r"^0:00:\d\d$"))
    other_tracker.get_by_role("button", name="Stop").click()
    expect(other_tracker.get_by_role("button", name="Start")).to_be_visible()

    page.evaluate("window.dispatchEvent(new Event('focus'))")
    expect(tracker.get_by_role("button", name="Start")).to_be_visible()
    expect(tracker.get_by_role("button", name="Stop")).to_be_hidden()
    page.screenshot(path=str(screenshots / "tracker-stopped.png"))
    [made] = TimeRecord.objects.all()
    assert made.source == "timer" and made.comment == "Login form" and made.work_item is not None
