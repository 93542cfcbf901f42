"""Import: a preview shows each row and its error; one bad row means nothing is saved."""

from __future__ import annotations

import io

from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from stint.tracking.models import TimeRecord
from tests.conftest import Person
from tests.web.conftest import logged_in, text
from tests.web.tracking.conftest import Catalog, at, record

HEADER = "date,start,end,user email,work item,activity,billable,comment\n"


def upload(content: str | bytes, name: str = "records.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content.encode() if isinstance(content, str) else content)


def test_a_good_file_is_previewed_then_imported(alice: Person, bob: Person, catalog: Catalog) -> None:
    client = logged_in(alice)
    content = (
        HEADER
        + "2026-11-23,09:00,10:30,,PROJ-1,Development,yes,Login form\n"
        + "2026-11-23,11:00,11:45,bob@example.com,Reports,meeting,no,Review\n"
    )
    preview = client.post("/records/import/", {"file": upload(content)})
    assert "All 2 rows can be imported." in text(preview)
    assert not TimeRecord.objects.exists()
    done = client.post("/records/import/", {"confirm": "1"}, follow=True)
    assert "2 records imported." in text(done)
    records = list(TimeRecord.objects.order_by("start"))
    assert [(r.user_id, r.work_item_id, r.duration_s, r.billable, r.source) for r in records] == [
        (alice.id, catalog.login.pk, 5400, True, "import"),
        (bob.id, catalog.reports.pk, 2700, False, "import"),
    ]


def test_one_bad_row_changes_nothing_and_shows_that_rows_error(alice: Person, catalog: Catalog) -> None:
    record(alice, at("2026-11-24 10:00"), 60)
    client = logged_in(alice)
    content = (
        HEADER
        + "2026-11-23,09:00,10:30,,PROJ-1,Development,yes,fine\n"
        + "2026-11-24,09:30,10:30,,PROJ-1,Development,yes,overlaps\n"
        + "2026-11-25,09:00,10:00,,No such item,Development,yes,unknown\n"
    )
    preview = client.post("/records/import/", {"file": upload(content)})
    page = text(preview)
    assert "2 rows of 3 cannot be imported; nothing was saved." in page
    assert "overlaps the existing record" in page
    assert "There is no work item with the reference or title 'No such item'." in page
    assert "Import 3 records" not in page  # no button to go on
    client.post("/records/import/", {"confirm": "1"})
    assert TimeRecord.objects.count() == 1


def test_an_xlsx_file_in_the_exports_columns_is_read(alice: Person, catalog: Catalog) -> None:
    book = Workbook()
    sheet = book.active
    sheet.append(["date", "start", "end", "user email", "user name", "work item", "activity", "duration",
                  "duration seconds", "billable", "billable seconds", "comment"])  # fmt: skip
    sheet.append(["2026-11-23", "09:00:00", "10:00:00", "alice@example.com", "Alice Archer", "PROJ-2 Reports",
                  "Meeting", "1:00", 3600, "yes", 3600, "Standup"])  # fmt: skip
    raw = io.BytesIO()
    book.save(raw)
    client = logged_in(alice)
    preview = client.post("/records/import/", {"file": upload(raw.getvalue(), "records.xlsx")})
    assert "All 1 row can be imported." in text(preview)
    client.post("/records/import/", {"confirm": "1"})
    [made] = TimeRecord.objects.all()
    assert (made.work_item_id, made.activity_type_id, made.comment) == (
        catalog.reports.pk,
        catalog.meeting.pk,
        "Standup",
    )


def test_a_file_without_the_columns_is_refused_next_to_the_field(alice: Person) -> None:
    response = logged_in(alice).post("/records/import/", {"file": upload("a,b\n1,2\n")})
    assert "The first row must name the columns" in text(response)


def test_bob_cannot_import_time_for_alice(alice: Person, bob: Person, catalog: Catalog) -> None:
    content = HEADER + "2026-11-23,09:00,10:00,alice@example.com,PROJ-1,Development,yes,x\n"
    page = text(logged_in(bob).post("/records/import/", {"file": upload(content)}))
    assert "Members can only record their own time." in page
    assert not TimeRecord.objects.exists()


def test_charlie_cannot_import_onto_account_as_items(charlie: Person, catalog: Catalog) -> None:
    content = HEADER + "2026-11-23,09:00,10:00,,PROJ-1,,yes,x\n"
    page = text(logged_in(charlie).post("/records/import/", {"file": upload(content)}))
    assert "There is no work item with the reference or title 'PROJ-1'." in page


def test_an_export_imports_back_as_the_same_records(alice: Person, bob: Person, catalog: Catalog) -> None:
    alice.user.timezone = "Europe/Berlin"
    alice.user.save()
    record(alice, at("2026-11-23 22:30"), 120, work_item=catalog.login, activity_type=catalog.meeting, comment="late")
    record(bob, at("2026-11-24 08:00"), 45, work_item=catalog.reports, activity_type=catalog.development,
           billable=False, comment="b")  # fmt: skip
    client = logged_in(alice)
    exported = b"".join(client.get("/records/export.csv").streaming_content)  # type: ignore[attr-defined]
    before = sorted(TimeRecord.objects.values_list("user", "start", "end", "work_item", "activity_type", "billable",
                                                   "billable_s", "comment"))  # fmt: skip
    TimeRecord.objects.all().delete()
    assert "All 2 rows can be imported." in text(client.post("/records/import/", {"file": upload(exported)}))
    client.post("/records/import/", {"confirm": "1"})
    after = sorted(TimeRecord.objects.values_list("user", "start", "end", "work_item", "activity_type", "billable",
                                                  "billable_s", "comment"))  # fmt: skip
    assert after == before


def test_a_guarded_formula_from_an_export_imports_back_as_the_text(alice: Person, catalog: Catalog) -> None:
    content = HEADER + "2026-11-23,09:00,10:00,,,,yes,'=1+1\n"
    client = logged_in(alice)
    client.post("/records/import/", {"file": upload(content)})
    client.post("/records/import/", {"confirm": "1"})
    assert list(TimeRecord.objects.values_list("comment", flat=True)) == ["=1+1"]


def test_out_of_range_values_and_oversized_files_are_refused_clearly(alice: Person, catalog: Catalog) -> None:
    client = logged_in(alice)
    far = HEADER + "9999-12-31,23:00,01:00,,,,yes,\n0001-01-01,00:00,01:00,,,,yes,\n"
    page = text(client.post("/records/import/", {"file": upload(far)}))
    assert "out of range" in page or "between the years" in page
    huge_field = HEADER + "2026-11-23,09:00,10:00,,,,yes," + "x" * 200_000 + "\n"
    assert client.post("/records/import/", {"file": upload(huge_field)}).status_code < 500
    many = HEADER + "".join(f"2026-11-23,09:00,10:00,,,,yes,{n}\n" for n in range(700))
    assert "at most 500 records" in text(client.post("/records/import/", {"file": upload(many)}))
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(HEADER.strip().split(","))
    for n in range(2000):
        sheet.append(["2026-11-23", "09:00", "10:00", "", "", "", "yes", str(n)])
    buffer = io.BytesIO()
    workbook.save(buffer)
    page = text(client.post("/records/import/", {"file": upload(buffer.getvalue(), "big.xlsx")}))
    assert "at most 500 records" in page
    assert not TimeRecord.objects.exists()
