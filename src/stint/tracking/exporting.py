"""Time records out as CSV (streamed) or XLSX (openpyxl's write-only mode); the import reads the same columns."""

from __future__ import annotations

import csv
import tempfile
from collections.abc import Iterable, Iterator

from django.db.models import QuerySet
from openpyxl import Workbook

from stint.tracking.models import TimeRecord
from stint.tracking.timesheet import format_duration

COLUMNS = [
    "date",
    "start",
    "end",
    "user email",
    "user name",
    "work item",
    "activity",
    "duration",
    "duration seconds",
    "billable",
    "billable seconds",
    "comment",
]


def export_row(record: TimeRecord) -> list[str | int]:
    """One record as a row of COLUMNS, times in the record's person's own time zone."""
    tz = record.user.tz
    start, end = record.start.astimezone(tz), record.end.astimezone(tz)
    item = record.work_item
    return [
        start.date().isoformat(),
        start.strftime("%H:%M:%S"),
        end.strftime("%H:%M:%S") if end.date() == start.date() else end.strftime("%Y-%m-%d %H:%M:%S"),
        record.user.email,
        record.user.name,
        f"{item.external_ref} {item.title}".strip() if item else "",
        record.activity_type.name if record.activity_type else "",
        format_duration(record.duration_s),
        record.duration_s,
        "yes" if record.billable else "no",
        record.billable_s,
        record.comment,
    ]


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: str | int) -> str | int:
    """Text a spreadsheet would run as a formula (=HYPERLINK(...) in a comment or a name) gets a leading
    apostrophe, so it stays text in Excel, LibreOffice and openpyxl alike (OWASP's CSV injection rule)."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def _rows(records: QuerySet[TimeRecord]) -> Iterator[list[str | int]]:
    ordered = records.select_related("user", "work_item", "activity_type").order_by("start", "id")
    for record in ordered.iterator(chunk_size=2000):
        yield [neutralise(value) for value in export_row(record)]


class _Echo:
    def write(self, value: str) -> str:
        return value


def csv_lines(records: QuerySet[TimeRecord]) -> Iterable[str]:
    """The CSV, line by line, for a StreamingHttpResponse: the header, then one line per record."""
    writer = csv.writer(_Echo())
    yield "\ufeff" + writer.writerow(COLUMNS)  # a BOM, so spreadsheet programs read UTF-8
    for row in _rows(records):
        yield writer.writerow(row)


def xlsx_bytes(records: QuerySet[TimeRecord]) -> bytes:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Time records")
    sheet.append(COLUMNS)
    for row in _rows(records):
        sheet.append(row)
    with tempfile.TemporaryFile() as spool:
        workbook.save(spool)
        spool.seek(0)
        return spool.read()


def csv_text(records: QuerySet[TimeRecord]) -> str:
    return "".join(csv_lines(records))
