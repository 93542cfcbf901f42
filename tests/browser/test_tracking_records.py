from __future__ import annotations

import csv
import io
from datetime import timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer

from stint.accounts.models import Edition
from stint.core import clock
from stint.tracking.models import TimeRecord
from tests.browser.tracking_helpers import log_in
from tests.conftest import Person, edition_set
from tests.web.tracking.conftest import make_catalog, record

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("transactional_db")]


def test_alice_filters_the_records_and_exports_them(
    page: Page, live_server: LiveServer, alice: Person, bob: Person, screenshots: Path
) -> None:
    catalog = make_catalog(alice)
    day = (clock.now() - timedelta(days=3)).replace(hour=9, minute=0, second=0, microsecond=0)
    record(alice, day, 90, work_item=catalog.login, activity_type=catalog.development, comment="Login form")
    record(bob, day, 45, work_item=catalog.reports, activity_type=catalog.meeting, comment="Report review")
    record(bob, day + timedelta(hours=2), 30, work_item=catalog.login, activity_type=catalog.meeting, billable=False)
    log_in(page, live_server.url, alice, "/records/")
    expect(page.get_by_text("3 records")).to_be_visible()
    page.screenshot(path=str(screenshots / "records.png"), full_page=True)

    filters = page.get_by_role("form", name="Filters")
    filters.get_by_label("Person").select_option(label="Bob Baker")
    filters.get_by_label("Billable").select_option(label="Billable")
    filters.get_by_role("button", name="Filter").click()
    expect(page.get_by_text("1 record", exact=True)).to_be_visible()
    expect(page.get_by_role("cell", name="Report review")).to_be_visible()

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Export CSV").click()
    download = download_info.value
    assert download.suggested_filename.endswith(".csv")
    rows = list(csv.reader(io.StringIO(Path(download.path()).read_text(encoding="utf-8-sig"))))
    assert [r[3] for r in rows[1:]] == ["bob@example.com"] and rows[1][11] == "Report review"

    with page.expect_download() as xlsx_info:
        page.get_by_role("link", name="Export XLSX").click()
    assert xlsx_info.value.suggested_filename.endswith(".xlsx")

    # Bulk: select everything on the page, make it not billable.
    page.get_by_role("link", name="Clear").click()
    page.get_by_label("Select all on this page").check()
    expect(page.get_by_text("Selected: 3")).to_be_visible()
    page.get_by_label("Billable", exact=True).and_(page.locator("#bulk-billable")).select_option(label="Not billable")
    page.get_by_role("button", name="Apply to selected").click()
    expect(page.get_by_text("3 records changed.")).to_be_visible()
    assert not TimeRecord.objects.filter(billable=True).exists()


def test_alice_adds_and_edits_a_record_in_the_month_dialog(
    page: Page, live_server: LiveServer, alice: Person, screenshots: Path
) -> None:
    make_catalog(alice)
    yesterday = clock.now().astimezone(alice.user.tz).date() - timedelta(days=1)
    log_in(page, live_server.url, alice, f"/month/?month={yesterday:%Y-%m}")
    page.locator(f'[data-day="{yesterday}"]').get_by_role("link", name="Add").click()
    dialog = page.get_by_role("dialog")
    expect(dialog.get_by_role("heading", name="Add a record")).to_be_visible()
    dialog.get_by_label("From").fill("10:00")
    dialog.get_by_label("To").fill("11:15")
    dialog.get_by_label("Work item").select_option(label="PROJ-1 Login page")
    page.screenshot(path=str(screenshots / "month-dialog.png"))
    dialog.get_by_role("button", name="Save").click()
    day_cell = page.locator(f'[data-day="{yesterday}"]')
    expect(day_cell).to_contain_text("10:00\N{EN DASH}11:15")
    expect(day_cell).to_contain_text("1:15")

    # An overlapping second record: the error shows next to the field, in the dialog.
    day_cell.get_by_role("link", name="Add").click()
    dialog.get_by_label("From").fill("11:00")
    dialog.get_by_label("To").fill("12:00")
    dialog.get_by_role("button", name="Save").click()
    expect(dialog).to_contain_text("This overlaps the existing record")
    page.screenshot(path=str(screenshots / "month-dialog-error.png"))
    dialog.get_by_label("From").fill("11:15")
    dialog.get_by_role("button", name="Save").click()
    expect(day_cell).to_contain_text("2:00")
    page.screenshot(path=str(screenshots / "month.png"), full_page=True)


def test_a_free_account_with_301_records_shows_300_and_the_banner(
    page: Page, live_server: LiveServer, alice: Person, screenshots: Path
) -> None:
    edition_set(alice.account, Edition.FREE)
    first = (clock.now() - timedelta(days=40)).replace(minute=0, second=0, microsecond=0)
    TimeRecord.objects.bulk_create(
        TimeRecord(
            account=alice.account,
            user=alice.user,
            start=first + timedelta(hours=i),
            end=first + timedelta(hours=i, minutes=30),
            duration_s=1800,
            billable_s=1800,
            comment=f"r{i}",
            created_at=first,
            updated_at=first,
        )
        for i in range(301)
    )
    log_in(page, live_server.url, alice, "/records/")
    banner = page.get_by_role("status").filter(has_text="older record")
    expect(banner).to_have_text("1 older record is hidden: the Free edition shows the newest 300. Upgrade to see them.")
    expect(page.get_by_text("300 records")).to_be_visible()
    expect(page.get_by_text("Page 1 of 3")).to_be_visible()
    page.screenshot(path=str(screenshots / "records-free.png"))
    banner.get_by_role("link", name="Upgrade to see them.").click()
    expect(page).to_have_url(f"{live_server.url}/settings/account/")
