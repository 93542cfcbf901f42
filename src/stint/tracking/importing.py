"""Time records in from CSV or XLSX, with the export's columns; all or nothing.

`import_preview` reads the file and checks every row with the record services (`validate_only`), so the page can
show each row and its error; `import_commit` does the same and writes, or writes nothing when any row is wrong.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from itertools import islice
from typing import Any

from openpyxl import load_workbook

from stint.accounts.models import Account, Membership, User
from stint.core.errors import Invalid, StintError
from stint.tracking.exporting import COLUMNS, FORMULA_STARTS
from stint.tracking.models import Source, TimeRecord
from stint.tracking.selectors import activity_types, work_items
from stint.tracking.services import BATCH_MAX, BatchInvalid, RecordSpec, time_records_create
from stint.tracking.timesheet import parse_duration

MAX_BYTES = 5 * 1024 * 1024
# The header, BATCH_MAX records and some blank lines: more means a file too big for one import.
MAX_TABLE_ROWS = BATCH_MAX + 50


@dataclass
class ImportRow:
    line: int  # as a spreadsheet numbers it: the header is line 1
    values: dict[str, str]
    spec: RecordSpec | None = None
    error: str = ""


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, time):
        return value.strftime("%H:%M:%S")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    text = str(value).strip()
    # Undo the export's guard against spreadsheet formulas, so an export imports back unchanged.
    if text.startswith("'") and text[1:].startswith(FORMULA_STARTS):
        return text[1:]
    return text


def _table(filename: str, content: bytes) -> list[list[str]]:
    if len(content) > MAX_BYTES:
        raise Invalid("The file is larger than 5 MB; split it.", "file_too_large", field="file")
    if filename.lower().endswith(".xlsx"):
        try:
            workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
        except Exception as exc:  # openpyxl raises many kinds for a file that is not a workbook
            raise Invalid("This is not an XLSX workbook Stint can read.", "unreadable_file", field="file") from exc
        sheet = workbook.worksheets[0]
        # A small file can declare millions of rows: read no more than a batch can hold (and a few blank lines).
        rows = sheet.iter_rows(values_only=True, max_col=len(COLUMNS) + 5)
        return _bounded([[_cell(v) for v in row] for row in islice(rows, MAX_TABLE_ROWS + 1)])
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise Invalid("The CSV file must be UTF-8 text.", "unreadable_file", field="file") from exc
    try:
        return _bounded([[_cell(c) for c in row] for row in islice(csv.reader(io.StringIO(text)), MAX_TABLE_ROWS + 1)])
    except csv.Error as exc:
        raise Invalid(f"This CSV file cannot be read: {exc}.", "unreadable_file", field="file") from exc


def _bounded(table: list[list[str]]) -> list[list[str]]:
    if len(table) > MAX_TABLE_ROWS:
        raise Invalid(f"A file can hold at most {BATCH_MAX} records; split it.", "too_many_rows", field="file")
    return table


def _clock_time(text: str, *, what: str) -> tuple[date | None, time]:
    """'09:00', '09:00:00' or '2026-11-24 01:30:00' (an end on the next day)."""
    value = text.strip()
    try:
        if len(value) > 8:
            moment = datetime.fromisoformat(value)
            return moment.date(), moment.time()
        return None, time.fromisoformat(value)
    except ValueError as exc:
        raise Invalid(f"The {what} time '{value}' is not a time like 09:30.", f"invalid_{what}") from exc


class _Catalog:
    def __init__(self, *, account: Account, actor: User) -> None:
        self.actor = actor
        # An external ref (any case), an exact title, or the export's "ref title": one look-up per row.
        self.items: dict[str, int] = {}
        for item in work_items(account=account, include_archived=True).order_by("-id"):
            self.items[item.title] = item.pk
            if item.external_ref:
                self.items[f"{item.external_ref} {item.title}"] = item.pk
        for item in work_items(account=account, include_archived=True).exclude(external_ref="").order_by("-id"):
            self.items[item.external_ref.lower()] = item.pk  # a reference wins over a title that looks like one
        self.types = {t.name.lower(): t.pk for t in activity_types(account=account, include_archived=True)}
        self.people = {
            m.user.email.lower(): m.user
            for m in Membership.objects.filter(account=account, active=True).select_related("user")
        }

    def work_item_id(self, text: str) -> int | None:
        if not text:
            return None
        found = self.items.get(text.lower()) or self.items.get(text)
        if found is None:
            raise Invalid(f"There is no work item with the reference or title '{text}'.", "unknown_work_item")
        return found

    def activity_type_id(self, text: str) -> int | None:
        if not text:
            return None
        if text.lower() not in self.types:
            raise Invalid(f"There is no activity type named '{text}'.", "unknown_activity_type")
        return self.types[text.lower()]

    def user(self, email: str) -> User:
        if not email:
            return self.actor
        found = self.people.get(email.lower())
        if found is None:
            raise Invalid(f"There is no active user with the email {email} in this account.", "unknown_user")
        return found


def _spec(values: dict[str, str], catalog: _Catalog) -> RecordSpec:
    user = catalog.user(values.get("user email", ""))
    tz = user.tz
    try:
        day = date.fromisoformat(values.get("date", ""))
    except ValueError as exc:
        raise Invalid("The date must look like 2026-11-24.", "invalid_date") from exc
    if not values.get("start"):
        raise Invalid("The start time is missing.", "start_required")
    _, start_time = _clock_time(values["start"], what="start")
    start = datetime.combine(day, start_time, tzinfo=tz)
    end = None
    duration_s = None
    if values.get("end"):
        end_day, end_time = _clock_time(values["end"], what="end")
        end = datetime.combine(end_day or day, end_time, tzinfo=tz)
        if end_day is None and end <= start:
            end += timedelta(days=1)  # 22:00 to 02:00 runs past midnight
    elif values.get("duration seconds"):
        if not values["duration seconds"].isdigit():
            raise Invalid("duration seconds must be a whole number.", "invalid_duration")
        duration_s = int(values["duration seconds"])
    elif values.get("duration"):
        duration_s = parse_duration(values["duration"])
    else:
        raise Invalid("Give the end time or the duration.", "end_or_duration_required")
    billable_text = values.get("billable", "").lower()
    if billable_text not in {"", "yes", "no", "true", "false", "1", "0"}:
        raise Invalid("billable must be yes or no.", "invalid_billable")
    billable = None if not billable_text else billable_text in {"yes", "true", "1"}
    billable_s = values.get("billable seconds", "")
    if billable_s and not billable_s.isdigit():
        raise Invalid("billable seconds must be a whole number.", "invalid_billable_s")
    return RecordSpec(
        start=start,
        end=end,
        duration_s=duration_s,
        user_id=user.pk,
        work_item_id=catalog.work_item_id(values.get("work item", "")),
        activity_type_id=catalog.activity_type_id(values.get("activity", "")),
        billable=billable,
        billable_s=int(billable_s) if billable_s else None,
        comment=values.get("comment", ""),
    )


def import_read(*, account: Account, actor: User, filename: str, content: bytes) -> list[ImportRow]:
    """Every data row of the file with its spec, or the error that kept it from becoming one."""
    table = [row for row in _table(filename, content) if any(row)]
    if not table:
        raise Invalid("The file is empty.", "empty_file", field="file")
    header = [h.strip().lower() for h in table[0]]
    if "date" not in header or "start" not in header:
        raise Invalid(
            f"The first row must name the columns, as the export does: {', '.join(COLUMNS)}.",
            "missing_columns",
            field="file",
        )
    if len(table) - 1 > BATCH_MAX:
        raise Invalid(f"A file can hold at most {BATCH_MAX} records; split it.", "too_many_rows", field="file")
    catalog = _Catalog(account=account, actor=actor)
    rows = []
    for number, raw in enumerate(table[1:], start=2):
        values = {name: (raw[i] if i < len(raw) else "") for i, name in enumerate(header) if name}
        row = ImportRow(line=number, values=values)
        try:
            row.spec = _spec(values, catalog)
        except StintError as exc:
            row.error = exc.detail
        except (OverflowError, ValueError):
            row.error = "A date, time or number in this row is out of range."
        rows.append(row)
    if not rows:
        raise Invalid("The file has a header but no records.", "empty_file", field="file")
    return rows


def _check(*, account: Account, actor: User, rows: list[ImportRow], write: bool) -> list[TimeRecord]:
    ready = [row for row in rows if row.spec is not None]
    if not ready:
        return []
    try:
        return time_records_create(
            account=account,
            actor=actor,
            specs=[row.spec for row in ready if row.spec is not None],
            source=Source.IMPORT,
            validate_only=not write or any(row.error for row in rows),
        )
    except BatchInvalid as exc:
        for error in exc.errors:
            ready[error["index"]].error = error["detail"]
        return []


def import_preview(*, account: Account, actor: User, filename: str, content: bytes) -> list[ImportRow]:
    rows = import_read(account=account, actor=actor, filename=filename, content=content)
    _check(account=account, actor=actor, rows=rows, write=False)
    return rows


def import_commit(*, account: Account, actor: User, filename: str, content: bytes) -> tuple[int, list[ImportRow]]:
    """Write every row, or none: answers how many were written (0 when any row has an error) and the rows."""
    rows = import_read(account=account, actor=actor, filename=filename, content=content)
    if any(row.error for row in rows):
        _check(account=account, actor=actor, rows=rows, write=False)
        return 0, rows
    created = _check(account=account, actor=actor, rows=rows, write=True)
    return (0 if any(row.error for row in rows) else len(created)), rows
