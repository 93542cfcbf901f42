"""Week, month and records for Alice (owner), Bob (member) and Charlie (another account)."""

from __future__ import annotations

import pytest

from tests.conftest import Person
from tests.web.conftest import logged_in, text
from tests.web.tracking.conftest import Catalog, at, record


def timesheet(response: object) -> str:
    """The text of the week's grid only (the 'Add row' form lists every item)."""
    page = text(response)  # type: ignore[arg-type]
    return page[page.index("Work item · activity") : page.index("Add a row")]


PAGES = ["/week/?date=2026-11-24", "/month/?month=2026-11", "/records/"]


@pytest.fixture
def records(alice: Person, bob: Person, catalog: Catalog) -> None:
    record(alice, at("2026-11-24 09:00"), 90, work_item=catalog.login, activity_type=catalog.development,
           comment="Alice designs the form")  # fmt: skip
    record(bob, at("2026-11-24 10:00"), 45, work_item=catalog.reports, activity_type=catalog.meeting,
           comment="Bob reviews reports")  # fmt: skip


@pytest.mark.parametrize("path", PAGES)
def test_the_pages_ask_for_a_login(client: object, path: str, db: None) -> None:
    response = client.get(path)  # type: ignore[attr-defined]
    assert response.status_code == 302
    assert "/login/" in response["Location"]


def test_alice_sees_her_own_week_and_month(alice: Person, records: None) -> None:
    page = timesheet(logged_in(alice).get("/week/?date=2026-11-24"))
    assert "PROJ-1 Login page" in page and "1:30" in page
    assert "PROJ-2 Reports" not in page  # Bob's row is not in her week
    month = text(logged_in(alice).get("/month/?month=2026-11"))
    assert "09:00\N{EN DASH}10:30" in month and "PROJ-1 Login page" in month
    assert "10:00\N{EN DASH}10:45" not in month


def test_alice_as_admin_sees_everyones_records(alice: Person, records: None) -> None:
    page = text(logged_in(alice).get("/records/"))
    assert "Alice designs the form" in page and "Bob reviews reports" in page
    assert "2 records" in page


def test_bob_sees_only_his_own_records(bob: Person, records: None) -> None:
    page = text(logged_in(bob).get("/records/"))
    assert "Bob reviews reports" in page
    assert "Alice designs the form" not in page
    assert "Everyone" not in page  # members have no person filter
    week = timesheet(logged_in(bob).get("/week/?date=2026-11-24"))
    assert "PROJ-2 Reports" in week and "0:45" in week and "Login page" not in week


def test_charlie_never_sees_account_as_records(charlie: Person, records: None) -> None:
    for path in PAGES:
        response = logged_in(charlie).get(path)
        assert response.status_code == 200
        assert "Alice designs" not in text(response) and "Bob reviews" not in text(response)
        assert "Login page" not in text(response)
    export = logged_in(charlie).get("/records/export.csv")
    assert b"alice@example.com" not in b"".join(export.streaming_content)  # type: ignore[attr-defined]


def test_charlie_cannot_open_or_change_alices_record(alice: Person, charlie: Person, catalog: Catalog) -> None:
    mine = record(alice, at("2026-11-24 09:00"), 60)
    client = logged_in(charlie)
    assert client.get(f"/records/{mine.pk}/edit/").status_code == 404
    assert client.post(f"/records/{mine.pk}/delete/").status_code == 404
    client.post("/records/bulk/", {"ids": [mine.pk], "action": "delete-confirmed"})
    mine.refresh_from_db()


def test_the_nav_has_week_month_and_records(alice: Person) -> None:
    page = logged_in(alice).get("/").content.decode()
    for label in ("Week", "Month", "Records"):
        assert f">{label}</a>" in page


def test_the_tracker_bar_is_on_every_signed_in_page(alice: Person, catalog: Catalog) -> None:
    record(alice, at("2026-11-24 09:00"), 60, work_item=catalog.reports)
    for path in ["/", "/settings/profile/", "/week/"]:
        page = logged_in(alice).get(path).content.decode()
        assert 'aria-label="Timer"' in page
        assert "PROJ-2 Reports</option>" in page  # the recent items
        assert ">Development</option>" in page
