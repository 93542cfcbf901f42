"""The records explorer: filters, sorting, paging, bulk edit and delete, CSV and XLSX export."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from openpyxl import load_workbook

from stint.accounts.services.teams import team_create
from stint.tracking.models import TimeRecord
from stint.web.views import tracking_common, tracking_records
from tests.conftest import Person
from tests.web.conftest import logged_in, text
from tests.web.tracking.conftest import Catalog, at, make_catalog, record


def csv_rows(response: object) -> list[list[str]]:
    body = b"".join(response.streaming_content).decode("utf-8-sig")  # type: ignore[attr-defined]
    return list(csv.reader(io.StringIO(body)))


def test_filters_narrow_the_list_and_the_export(alice: Person, bob: Person, catalog: Catalog) -> None:
    record(alice, at("2026-11-20 09:00"), 60, work_item=catalog.login, activity_type=catalog.development, comment="old")
    record(alice, at("2026-11-24 09:00"), 90, work_item=catalog.login, activity_type=catalog.development, comment="new")
    record(bob, at("2026-11-24 09:00"), 30, work_item=catalog.reports, activity_type=catalog.meeting, billable=False)
    client = logged_in(alice)
    query = {"start": "2026-11-23", "end": "2026-11-29", "work_item": catalog.login.pk}
    page = text(client.get("/records/", query))
    assert "1 record" in page and "new" in page and " old " not in page
    rows = csv_rows(client.get("/records/export.csv", query))
    assert rows[0][:3] == ["date", "start", "end"]
    assert rows[1:] == [
        ["2026-11-24", "09:00:00", "10:30:00", "alice@example.com", "Alice Archer", "PROJ-1 Login page",
         "Development", "1:30", "5400", "yes", "5400", "new"],
    ]  # fmt: skip
    not_billable = csv_rows(client.get("/records/export.csv", {"billable": "no"}))
    assert [r[3] for r in not_billable[1:]] == ["bob@example.com"]
    by_person = csv_rows(client.get("/records/export.csv", {"user": bob.id}))
    assert [r[3] for r in by_person[1:]] == ["bob@example.com"]


def test_the_xlsx_export_holds_the_filtered_set_in_the_persons_zone(alice: Person, catalog: Catalog) -> None:
    alice.user.timezone = "America/New_York"
    alice.user.save()
    record(alice, at("2026-11-24 14:00"), 60, work_item=catalog.reports, activity_type=catalog.meeting)
    record(alice, at("2026-11-02 14:00"), 60)
    response = logged_in(alice).get("/records/export.xlsx", {"start": "2026-11-23"})
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert len(rows) == 2
    assert rows[1][:9] == ["2026-11-24", "09:00:00", "10:00:00", "alice@example.com", "Alice Archer",
                           "PROJ-2 Reports", "Meeting", "1:00", 3600]  # fmt: skip


def test_sorting_and_paging(alice: Person) -> None:
    first = at("2026-10-01 08:00")
    for i in range(105):
        record(alice, first + timedelta(hours=i), 10 + i % 7, comment=f"n{i}")
    client = logged_in(alice)
    page1 = text(client.get("/records/"))
    assert "Page 1 of 2" in page1 and "n104" in page1 and "n0 " not in page1
    assert "n0 " in text(client.get("/records/", {"page": 2}))
    longest = client.get("/records/", {"sort": "-duration"}).context["page"].object_list
    assert longest[0].duration_s == 16 * 60


def test_a_long_list_is_counted_up_to_a_limit_and_paged_on_without_a_last_page(
    alice: Person, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(tracking_records, "COUNT_MAX", 3)  # 10,000 in earnest
    monkeypatch.setattr(tracking_records, "PER_PAGE", 2)
    for i in range(7):
        record(alice, at("2026-11-02 08:00") + timedelta(hours=i), comment=f"n{i}")
    client = logged_in(alice)

    first = text(client.get("/records/"))
    assert "More than 3 records" in first and "Page 1 Next" in first and "Page 1 of" not in first
    assert "n6" in first and "n5" in first and "n4" not in first
    last = text(client.get("/records/", {"page": 4}))
    assert "← Previous Page 4" in last and "Next" not in last and "n0" in last and "n1" not in last
    beyond = text(client.get("/records/", {"page": 9}))  # past the end: the last page, counted
    assert "7 records" in beyond and "Page 4 of 4" in beyond and "n0" in beyond
    filtered = text(client.get("/records/", {"start": "2026-11-02", "end": "2026-11-02", "sort": "start"}))
    assert "More than 3 records" in filtered and filtered.index("n0") < filtered.index("n1")
    assert "Page 1 Next" in text(client.get("/records/", {"page": "x"}))


def test_a_large_catalog_offers_recent_items_and_a_search_not_every_item(
    alice: Person, catalog: Catalog, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(tracking_common, "ITEM_CHOICES_MAX", 2)  # 200 in earnest; the account has 5 open items
    record(alice, at("2026-11-24 09:00"), work_item=catalog.reports)
    client = logged_in(alice)

    page = client.get("/records/").content.decode()
    assert f'value="{catalog.reports.pk}"' in page and f'value="{catalog.login.pk}"' not in page
    assert "Find a work item" in text(client.get("/records/"))
    found = client.get("/records/", {"find": "login"}).content.decode()
    assert f'value="{catalog.login.pk}"' in found
    chosen = client.get("/records/", {"work_item": catalog.login.pk})
    assert f'<option value="{catalog.login.pk}" selected>' in chosen.content.decode()
    assert "No records" in text(chosen)  # the filter applies to an item the picker did not list


def test_a_work_item_filter_of_another_account_or_a_bad_id_is_refused_next_to_the_field(
    alice: Person, charlie: Person, catalog: Catalog
) -> None:
    record(alice, at("2026-11-24 09:00"), work_item=catalog.login)
    theirs = make_catalog(charlie).login
    client = logged_in(alice)
    for value in (theirs.pk, "abc", "9" * 30):
        response = client.get("/records/", {"work_item": value})
        assert response.status_code == 200
        assert "Select a valid choice" in text(response), value
    assert "Select a valid choice" not in text(client.get("/records/", {"work_item": catalog.login.pk}))


def test_bulk_edit_refuses_another_accounts_work_item(alice: Person, charlie: Person, catalog: Catalog) -> None:
    a = record(alice, at("2026-11-23 09:00"), 60, work_item=catalog.login)
    theirs = make_catalog(charlie).reports
    client = logged_in(alice)
    response = client.post("/records/bulk/", {"ids": [a.pk], "action": "edit", "work_item_id": theirs.pk}, follow=True)
    assert "Select a valid choice" in text(response) or "Nothing was changed" in text(response)
    assert TimeRecord.objects.get(pk=a.pk).work_item_id == catalog.login.pk


def test_bulk_edit_changes_every_selected_record_or_none(alice: Person, catalog: Catalog) -> None:
    a = record(alice, at("2026-11-23 09:00"), 60, work_item=catalog.login)
    b = record(alice, at("2026-11-24 09:00"), 60, work_item=catalog.login)
    client = logged_in(alice)
    client.post("/records/bulk/", {"ids": [a.pk, b.pk], "action": "edit", "billable": "no",
                                   "activity_type_id": catalog.meeting.pk})  # fmt: skip
    assert set(TimeRecord.objects.values_list("billable", "activity_type", "billable_s")) == {
        (False, catalog.meeting.pk, 0)
    }
    catalog.reports.state = "closed"
    catalog.reports.save()
    response = client.post("/records/bulk/", {"ids": [a.pk, b.pk], "action": "edit",
                                              "work_item_id": catalog.reports.pk}, follow=True)  # fmt: skip
    assert "Select a valid choice" in text(response) or "Nothing was changed" in text(response)
    assert set(TimeRecord.objects.values_list("work_item", flat=True)) == {catalog.login.pk}


def test_bulk_delete_asks_first(alice: Person, bob: Person) -> None:
    a = record(alice, at("2026-11-23 09:00"), 60)
    b = record(bob, at("2026-11-23 09:00"), 60)
    client = logged_in(alice)
    confirm = client.post("/records/bulk/", {"ids": [a.pk, b.pk], "action": "delete"})
    assert "Delete 2 records?" in text(confirm)
    assert TimeRecord.objects.count() == 2
    client.post("/records/bulk/", {"ids": [a.pk, b.pk], "action": "delete-confirmed"})
    assert not TimeRecord.objects.exists()


def test_bob_can_bulk_change_only_his_own_records(alice: Person, bob: Person, catalog: Catalog) -> None:
    hers = record(alice, at("2026-11-23 09:00"), 60)
    his = record(bob, at("2026-11-23 09:00"), 60)
    client = logged_in(bob)
    client.post("/records/bulk/", {"ids": [hers.pk, his.pk], "action": "edit", "billable": "no"})
    client.post("/records/bulk/", {"ids": [hers.pk], "action": "delete-confirmed"})
    hers.refresh_from_db()
    his.refresh_from_db()
    assert hers.billable is True and his.billable is False


def test_a_member_forging_a_person_filter_still_sees_only_their_own(alice: Person, bob: Person) -> None:
    record(alice, at("2026-11-23 09:00"), 60, comment="hers")
    record(bob, at("2026-11-23 09:00"), 60, comment="his")
    page = text(logged_in(bob).get("/records/", {"user": alice.id, "start": "2026-11-23"}))
    assert "his" in page and "hers" not in page


def test_a_manager_filters_by_team(alice: Person, bob: Person) -> None:
    team = team_create(account=alice.account, actor=alice.user, name="Design", member_ids=[bob.id])
    record(alice, at("2026-11-23 09:00"), 60, comment="hers")
    record(bob, at("2026-11-23 09:00"), 60, comment="his")
    page = text(logged_in(alice).get("/records/", {"team": team.pk}))
    assert "1 record" in page and " his " in f" {page} " and "hers" not in page


def test_exports_never_carry_live_spreadsheet_formulas(alice: Person, bob: Person) -> None:
    bob.user.name = '=HYPERLINK("http://evil.example","Bob")'
    bob.user.save()
    record(bob, at("2026-11-24 14:00"), 60, comment="+SUM(A1:A9)")
    client = logged_in(alice)
    [_, row] = csv_rows(client.get("/records/export.csv"))
    assert row[4] == '\'=HYPERLINK("http://evil.example","Bob")' and row[11] == "'+SUM(A1:A9)"
    workbook = load_workbook(io.BytesIO(client.get("/records/export.xlsx").content))
    cells = next(workbook.active.iter_rows(min_row=2))
    assert {cells[4].data_type, cells[11].data_type} == {"s"}
    assert cells[11].value == "'+SUM(A1:A9)"
