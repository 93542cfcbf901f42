from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer

from stint.core import clock
from stint.tracking.models import TimeRecord
from stint.tracking.timeutil import week_start
from tests.browser.tracking_helpers import log_in
from tests.conftest import Person
from tests.web.tracking.conftest import make_catalog

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("transactional_db")]


def test_alice_fills_last_week_with_the_keyboard(
    page: Page, live_server: LiveServer, alice: Person, screenshots: Path
) -> None:
    catalog = make_catalog(alice)
    monday = week_start(clock.now().date(), 0) - timedelta(days=7)  # a past week: no day is in the future
    log_in(page, live_server.url, alice, f"/week/?date={monday}")
    page.get_by_label("Work item", exact=True).and_(page.locator("#addrow-item")).select_option(
        label="PROJ-1 Login page"
    )
    page.get_by_role("button", name="Add row").click()
    page.locator("#addrow-item").select_option(label="PROJ-2 Reports")
    page.locator("#addrow-activity").select_option(label="Meeting")
    page.get_by_role("button", name="Add row").click()

    login_row = page.get_by_role("row").filter(has_text="PROJ-1 Login page")
    reports_row = page.get_by_role("row").filter(has_text="PROJ-2 Reports")
    first = login_row.get_by_role("textbox").first
    first.click()
    page.keyboard.type("1:30")
    page.keyboard.press("Tab")  # Tab saves and moves to Tuesday
    page.keyboard.type("2h")
    page.keyboard.press("ArrowRight")  # the caret is at the end: on to Wednesday
    page.keyboard.type("90m")
    page.keyboard.press("ArrowDown")  # down to the Reports row, Wednesday
    page.keyboard.type("1.5")
    page.keyboard.press("Enter")

    totals = page.locator("tfoot")
    expect(totals.locator("[data-week-total]")).to_have_text("6:30")
    expect(totals.locator('[data-day-total="2"]')).to_have_text("3:00")
    expect(login_row.locator("[data-row-total]")).to_have_text("5:00")
    expect(reports_row.locator("[data-row-total]")).to_have_text("1:30")

    # Escape puts the saved value back; a wrong value shows its error next to the cell.
    cell = reports_row.get_by_role("textbox").nth(2)
    cell.fill("9h")
    page.keyboard.press("Escape")
    expect(cell).to_have_value("1:30")
    cell.fill("lots")
    page.keyboard.press("Enter")
    expect(reports_row.get_by_role("alert")).to_contain_text("'lots' is not a duration")
    expect(cell).to_have_attribute("aria-invalid", "true")
    page.screenshot(path=str(screenshots / "week.png"), full_page=True)
    page.keyboard.press("Escape")
    expect(reports_row.get_by_role("alert")).to_have_count(0)

    assert sum(TimeRecord.objects.values_list("duration_s", flat=True)) == 6.5 * 3600
    page.reload()
    expect(page.locator("[data-week-total]")).to_have_text("6:30")
    assert catalog.login.records.count() == 3
