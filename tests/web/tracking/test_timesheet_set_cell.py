"""Typing a day's total into the week: more time adds a manual record, less shrinks the latest records."""

from __future__ import annotations

from datetime import date

import pytest

from stint.core.errors import Invalid, StintError
from stint.tracking.models import Source, TimeRecord
from stint.tracking.timesheet import timesheet_set_cell, timesheet_week
from tests.conftest import Person
from tests.web.tracking.conftest import Catalog, at, record

MONDAY = date(2026, 11, 23)


def set_cell(person: Person, catalog: Catalog, day: date, seconds: int) -> int:
    return timesheet_set_cell(
        account=person.account,
        actor=person.user,
        user=person.user,
        day=day,
        work_item_id=catalog.login.pk,
        activity_type_id=catalog.development.pk,
        duration_s=seconds,
    )


def row_records(person: Person, catalog: Catalog) -> list[TimeRecord]:
    return list(
        TimeRecord.objects.filter(
            user=person.user, work_item=catalog.login, activity_type=catalog.development
        ).order_by("start")
    )


def test_an_empty_day_gets_a_manual_record_from_nine(alice: Person, catalog: Catalog) -> None:
    set_cell(alice, catalog, MONDAY, 5400)
    [made] = row_records(alice, catalog)
    assert (made.start, made.end, made.source) == (at("2026-11-23 09:00"), at("2026-11-23 10:30"), Source.MANUAL)


def test_an_increase_starts_after_the_persons_last_record_of_the_day(alice: Person, catalog: Catalog) -> None:
    record(alice, at("2026-11-23 09:00"), 60, work_item=catalog.login, activity_type=catalog.development)
    record(alice, at("2026-11-23 10:00"), 120, work_item=catalog.reports, activity_type=catalog.meeting)
    set_cell(alice, catalog, MONDAY, 3 * 3600)
    records = row_records(alice, catalog)
    assert [(r.start, r.duration_s) for r in records] == [
        (at("2026-11-23 09:00"), 3600),
        (at("2026-11-23 12:00"), 7200),
    ]


def test_a_decrease_shrinks_and_deletes_the_latest_records_first(alice: Person, catalog: Catalog) -> None:
    for start in ("2026-11-23 08:00", "2026-11-23 10:00", "2026-11-23 13:00"):
        record(alice, at(start), 60, work_item=catalog.login, activity_type=catalog.development)
    set_cell(alice, catalog, MONDAY, 5400)
    assert [(r.start, r.duration_s) for r in row_records(alice, catalog)] == [
        (at("2026-11-23 08:00"), 3600),
        (at("2026-11-23 10:00"), 1800),
    ]
    set_cell(alice, catalog, MONDAY, 0)
    assert row_records(alice, catalog) == []


def test_other_rows_and_days_are_left_alone(alice: Person, catalog: Catalog) -> None:
    other = record(alice, at("2026-11-23 09:00"), 60, work_item=catalog.reports, activity_type=catalog.development)
    tuesday = record(alice, at("2026-11-24 09:00"), 60, work_item=catalog.login, activity_type=catalog.development)
    set_cell(alice, catalog, MONDAY, 1800)
    set_cell(alice, catalog, MONDAY, 0)
    assert set(TimeRecord.objects.values_list("pk", flat=True)) == {other.pk, tuesday.pk}


def test_a_refused_increase_changes_nothing(alice: Person, catalog: Catalog) -> None:
    with pytest.raises(StintError, match="closed"):
        timesheet_set_cell(
            account=alice.account,
            actor=alice.user,
            user=alice.user,
            day=MONDAY,
            work_item_id=catalog.closed.pk,
            activity_type_id=catalog.development.pk,
            duration_s=3600,
        )
    assert not TimeRecord.objects.exists()


def test_a_negative_total_is_refused(alice: Person, catalog: Catalog) -> None:
    with pytest.raises(Invalid):
        set_cell(alice, catalog, MONDAY, -60)


def test_the_25_hour_day_of_a_dst_change_sums_in_the_right_column(alice: Person, catalog: Catalog) -> None:
    alice.user.timezone = "Europe/Berlin"
    alice.user.save()
    sunday = date(2026, 10, 25)  # clocks go back from 03:00 to 02:00: 25 hours
    # 00:00 to 05:00 local is 6 real hours; 23:30 local (22:30 UTC, after the change) still belongs to Sunday.
    record(alice, at("2026-10-24 22:00"), 6 * 60, work_item=catalog.login, activity_type=catalog.development)
    record(alice, at("2026-10-25 22:30"), 30, work_item=catalog.login, activity_type=catalog.development)
    week = timesheet_week(account=alice.account, user=alice.user, day=sunday)
    assert week.days[-1] == sunday
    [row] = week.rows
    assert row.cells == [0, 0, 0, 0, 0, 0, 6 * 3600 + 1800]
    assert week.total == 6 * 3600 + 1800
    set_cell(alice, catalog, sunday, 7 * 3600)
    # Her last record ends at midnight, so the new half hour goes to 09:00 local rather than into Monday.
    assert at("2026-10-25 08:00") in {r.start for r in row_records(alice, catalog) if r.duration_s == 1800}
    assert timesheet_week(account=alice.account, user=alice.user, day=sunday).total == 7 * 3600


def test_the_first_manual_record_of_a_dst_day_starts_at_nine_local(alice: Person, catalog: Catalog) -> None:
    alice.user.timezone = "Europe/Berlin"
    alice.user.save()
    set_cell(alice, catalog, date(2026, 10, 25), 3600)
    [made] = row_records(alice, catalog)
    assert made.start == at("2026-10-25 08:00")  # 09:00 CET (UTC+1) after the change


def test_an_increase_never_spills_into_the_next_day_or_over_other_records(alice: Person, catalog: Catalog) -> None:
    record(alice, at("2026-11-23 00:00"), 24 * 60 - 30, work_item=catalog.reports, activity_type=catalog.meeting)
    with pytest.raises(Invalid, match="no free 1:00 left"):
        set_cell(alice, catalog, MONDAY, 3600)
    set_cell(alice, catalog, MONDAY, 1800)
    [made] = row_records(alice, catalog)
    assert (made.start, made.end) == (at("2026-11-23 23:30"), at("2026-11-24 00:00"))


def test_time_typed_in_a_row_without_activity_stays_in_that_row(alice: Person, catalog: Catalog) -> None:
    # The account has a default activity (Development); a row without one must not hand its time to it.
    timesheet_set_cell(
        account=alice.account, actor=alice.user, user=alice.user, day=MONDAY,
        work_item_id=catalog.login.pk, activity_type_id=None, duration_s=3600,
    )  # fmt: skip
    [made] = TimeRecord.objects.filter(user=alice.user)
    assert made.activity_type_id is None
    timesheet_set_cell(
        account=alice.account, actor=alice.user, user=alice.user, day=MONDAY,
        work_item_id=catalog.login.pk, activity_type_id=None, duration_s=1800,
    )  # fmt: skip
    made.refresh_from_db()
    assert (made.duration_s, made.activity_type_id) == (1800, None)
