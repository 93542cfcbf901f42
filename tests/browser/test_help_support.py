"""Help in Chromium: a bug reported from the Help page and followed until staff answer in the back-office; a feature
proposed and voted for from another account; the docs searched; an error page whose id the bug form carries; and the
documentation's screenshots (written to docs/images/ with STINT_DOCS_IMAGES=1)."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect
from pytest_django.live_server_helper import LiveServer

from stint.accounts.models import User
from stint.core import clock
from stint.support import selectors
from stint.support.docs import docs_dir
from stint.support.models import BugReport, FeatureRequest, ServerError
from stint.tracking.timeutil import week_start
from tests.browser.tracking_helpers import log_in
from tests.conftest import Mailbox, Person, body_text, deliver
from tests.web.tracking.conftest import make_catalog, record

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("transactional_db")]

STAFF_PASSWORD = "correct horse battery staple"


@pytest.fixture
def images(tmp_path: Path) -> Path:
    """docs/images/ when STINT_DOCS_IMAGES=1 (to refresh the documentation's pictures), else a temporary folder."""
    folder = docs_dir() / "images" if os.environ.get("STINT_DOCS_IMAGES") == "1" else tmp_path / "images"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture
def berlin_page(browser: Browser) -> Iterator[Page]:
    """A browser whose clock is in Berlin: the bug form must report that time zone."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-US", timezone_id="Europe/Berlin")
    context.set_default_timeout(10_000)
    yield context.new_page()
    context.close()


def shoot(page: Page, path: Path) -> None:
    page.screenshot(path=str(path), full_page=False)
    assert path.stat().st_size > 10_000, path


def staff_log_in(page: Page, base: str) -> None:
    User.objects.create_superuser("sam@stint.localhost", STAFF_PASSWORD, name="Sam Support")
    page.goto(f"{base}/backoffice/login/")
    page.locator("#id_username").fill("sam@stint.localhost")
    page.locator("#id_password").fill(STAFF_PASSWORD)
    page.locator("input[type=submit]").click()
    expect(page.get_by_role("link", name="Bug reports")).to_be_visible()


def test_bob_reports_a_bug_follows_it_and_reads_the_staff_reply(
    berlin_page: Page, new_page: Any, live_server: LiveServer, bob: Person, mailbox: Mailbox, images: Path
) -> None:
    page = berlin_page
    log_in(page, live_server.url, bob, "/records/")
    page.get_by_role("link", name="Help", exact=True).click()
    expect(page.get_by_test_id("support-level")).to_contain_text("Email support")
    shoot(page, images / "help.png")

    # From the user menu, the report knows the page Bob was on.
    page.goto(f"{live_server.url}/records/")
    page.locator("details.menu--end summary").click()
    page.get_by_role("link", name="Report a bug").click()
    diagnostics = page.get_by_test_id("diagnostics")
    expect(diagnostics).to_contain_text("Page/records/")
    expect(diagnostics).to_contain_text("Time zoneEurope/Berlin")
    expect(diagnostics).to_contain_text("Editiontrial")
    page.get_by_label("Title").fill("Records page forgets my filter")
    page.get_by_label("What happened").fill("After exporting, the filter is gone.")
    page.get_by_label("Steps to make it happen again").fill("1. Filter by Bob\n2. Export CSV")
    shoot(page, images / "bug-report.png")
    page.get_by_label("What happened").fill("After exporting, the filter is gone. My token is stint_" + "x1Y2z3" * 6)
    page.get_by_role("button", name="Send the bug report").click()

    report = BugReport.objects.get()
    expect(page.get_by_text(f"Thank you: your report is {report.reference}")).to_be_visible()
    assert report.diagnostics["time_zone"] == "Europe/Berlin" and report.diagnostics["page"] == "/records/"
    assert "x1Y2z3" not in report.description and "[token removed]" in report.description
    page.get_by_role("navigation", name="Help").get_by_role("link", name="Your bug reports").click()
    expect(page.get_by_role("link", name=report.reference)).to_be_visible()

    # Support answers in the back-office, in a browser of their own.
    staff = new_page()
    staff_log_in(staff, live_server.url)
    staff.get_by_role("link", name="Bug reports").click()
    staff.get_by_role("link", name=report.reference).click()
    expect(staff.get_by_text("Europe/Berlin")).to_be_visible()
    staff.get_by_label("Reply").fill("Thanks! Fixed in the next release.")
    staff.get_by_role("button", name="Save", exact=True).click()
    expect(staff.get_by_text(re.compile(r"was changed successfully"))).to_be_visible()

    page.get_by_role("link", name=report.reference).click()
    reply = page.get_by_test_id("reply")
    expect(reply).to_contain_text("Stint support")
    expect(reply).to_contain_text("Thanks! Fixed in the next release.")
    expect(page.locator(".page-head")).to_contain_text("Answered")
    deliver()
    assert any("Thanks! Fixed in the next release." in body_text(m) for m in mailbox.to(bob.email))


def test_bob_proposes_a_feature_and_charlie_votes_for_it(
    new_page: Any, live_server: LiveServer, bob: Person, charlie: Person, images: Path
) -> None:
    page = new_page()
    log_in(page, live_server.url, bob, "/help/features/")
    expect(page.get_by_test_id("no-promises")).to_contain_text("No promises")
    page.get_by_role("link", name="Propose a feature").click()
    expect(page.get_by_test_id("public-notice")).to_contain_text("Every Stint customer reads the board.")
    page.get_by_label("Title").fill("Export the month as PDF")
    page.get_by_label("Description").fill("Our accountant wants one PDF per month. Ask me: bob@example.com")
    page.get_by_role("button", name="Propose").click()
    expect(page.get_by_text("Your feature request is on the board, with your vote.")).to_be_visible()
    expect(page.get_by_test_id("votes")).to_have_text("1")
    expect(page.get_by_text("Ask me: [email removed]")).to_be_visible()

    other = new_page()
    log_in(other, live_server.url, charlie, "/help/features/")
    feature = other.get_by_test_id("feature").filter(has_text="Export the month as PDF")
    expect(feature.get_by_test_id("votes")).to_have_text("1")
    feature.get_by_role("button", name=re.compile(r"^Vote")).click()
    expect(feature.get_by_test_id("votes")).to_have_text("2")
    expect(feature.get_by_role("button", name=re.compile(r"^Voted"))).to_be_visible()
    shoot(other, images / "feature-board.png")
    assert FeatureRequest.objects.get().vote_count == 2


def test_the_docs_search_finds_a_page(page: Page, live_server: LiveServer) -> None:
    page.goto(f"{live_server.url}/help/docs/")
    expect(page.get_by_role("heading", name="Stint documentation")).to_be_visible()
    page.get_by_role("searchbox", name="Search the documentation").fill("error id")
    page.get_by_role("button", name="Search").click()
    page.get_by_role("link", name=re.compile(r"^Help and support")).first.click()
    expect(page.get_by_role("heading", name="Help and support", level=1)).to_be_visible()
    page.get_by_role("link", name="Getting started").click()
    expect(page.get_by_role("heading", name="Getting started", level=1)).to_be_visible()


def test_the_error_page_shows_an_id_that_the_bug_form_carries(
    page: Page, live_server: LiveServer, alice: Person, monkeypatch: pytest.MonkeyPatch, settings: Any
) -> None:
    def explode(**kwargs: Any) -> None:
        raise RuntimeError("the board fell over")

    monkeypatch.setattr(selectors, "feature_board_by_votes", explode)
    settings.DEBUG = False
    log_in(page, live_server.url, alice)
    page.goto(f"{live_server.url}/help/")
    error_id = page.get_by_test_id("error-id").inner_text()
    assert re.fullmatch(r"[0-9a-f]{12}", error_id)
    assert ServerError.objects.filter(error_id=error_id, user=alice.user).exists()

    page.get_by_role("link", name="report it as a bug").click()
    expect(page.get_by_test_id("diag-error-ids")).to_contain_text(error_id)
    page.get_by_label("Title").fill("Help page broken")
    page.get_by_label("What happened").fill("It said something went wrong.")
    page.get_by_role("button", name="Send the bug report").click()
    expect(page.get_by_text("Thank you: your report is")).to_be_visible()
    assert BugReport.objects.get().diagnostics["error_ids"] == [error_id]


def test_the_documentations_screenshots(
    page: Page, live_server: LiveServer, alice: Person, bob: Person, images: Path
) -> None:
    catalog = make_catalog(alice)
    monday = week_start(clock.now().date(), 0) - timedelta(days=7)
    start = clock.now().replace(year=monday.year, month=monday.month, day=monday.day, hour=9, minute=0, second=0,
                                microsecond=0)  # fmt: skip
    for day in range(5):
        morning = start + timedelta(days=day)
        record(alice, morning, 150, work_item=catalog.login, activity_type=catalog.development, comment="Login form")
        record(alice, morning + timedelta(hours=3), 60, work_item=catalog.reports, activity_type=catalog.meeting)
        record(bob, morning, 240, work_item=catalog.reports, activity_type=catalog.development, comment="Charts")

    log_in(page, live_server.url, alice, f"/week/?date={monday}")
    expect(page.locator("tfoot [data-week-total]")).to_have_text("17:30")
    shoot(page, images / "week.png")

    page.goto(f"{live_server.url}/records/")
    expect(page.get_by_text("15 records")).to_be_visible()
    shoot(page, images / "records.png")

    page.goto(f"{live_server.url}/settings/account/")
    expect(page.get_by_role("heading", name="My Account", exact=True)).to_be_visible()
    shoot(page, images / "my-account.png")
