"""Create a fresh bench database and fill it: a few accounts, 200 named users, 5,000 work items, 1,000,000 records.

    .venv/bin/python bench/generate.py --db sqlite      # var/bench/stint_bench.sqlite3
    .venv/bin/python bench/generate.py --db postgres    # database stint_bench (dropped and created again)

The main account ("Bench Main") holds 200 named users (the owner is one of them, an admin; ten are managers) and a
tree of 5,000 work items (50 epics > 450 features > 4,500 tasks, a tenth of the tasks closed). Its 1,000,000 time
records cover the two years up to yesterday: every user works on weekdays, between 08:00 and 18:00 in their own
time zone, 9 or 10 records a day, never overlapping. Three small accounts beside it hold a few thousand records each,
so every read also has to keep tenants apart.

Accounts, users and work items go through the ORM; the records are loaded in bulk (COPY on PostgreSQL,
executemany in large transactions on SQLite) with the table's secondary indexes dropped during the load and built
again afterwards, which is several times faster than maintaining nine indexes row by row.
"""

from __future__ import annotations

import argparse
import json
import random
import sqlite3
import sys
import time
import zoneinfo
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import common
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

console = Console(stderr=True)

SEED = 2026
TIMEZONES = ["Europe/Berlin", "Europe/London", "America/New_York", "Asia/Kolkata", "UTC"]
FIRST = ["Ada", "Ben", "Chloe", "Dev", "Emma", "Finn", "Grace", "Hugo", "Iris", "Jonas", "Kira", "Liam", "Mia", "Noah"]
LAST = ["Adler", "Berg", "Costa", "Dubois", "Evans", "Fischer", "Garcia", "Hansen", "Ito", "Jansen", "Kowalski"]
ACTIVITIES = ["Development", "Review", "Meeting", "Design", "Support", "Documentation"]
COMMENTS = ["", "", "", "Pairing", "Fixing tests", "Customer call", "Code review", "Planning", "Refactoring"]
RECORD_COLUMNS = [
    "account_id", "user_id", "start", "end", "duration_s", "billable", "billable_s", "work_item_id",
    "activity_type_id", "comment", "source", "added_by_id", "edited_by_id", "created_at", "updated_at",
]  # fmt: skip
WORKDAY_START_S = 8 * 3600
WORKDAY_S = 10 * 3600


def progress() -> Progress:
    return Progress(
        TextColumn("{task.description:<28}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
    )


# --- the empty database ---


def database_recreate(backend: str) -> None:
    if backend == "sqlite":
        for suffix in ("", "-wal", "-shm"):
            Path(f"{common.SQLITE_PATH}{suffix}").unlink(missing_ok=True)
        return
    import psycopg
    from psycopg.conninfo import conninfo_to_dict, make_conninfo

    info = conninfo_to_dict(common.PG_URL)
    name = info.get("dbname", "stint_bench")
    with psycopg.connect(make_conninfo(common.PG_URL, dbname="postgres"), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def migrate() -> None:
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)


# --- accounts, people, work items (ORM) ---


def people_add(*, account: Any, count: int, start_index: int, rng: random.Random, managers: int = 0) -> list[Any]:
    """Named users who accepted their invitation; no password (they would log in by reset), no invitation mail."""
    from django.contrib.auth.hashers import make_password

    from stint.accounts.models import Membership, Role, User
    from stint.core import clock

    now = clock.now()
    users = User.objects.bulk_create(
        User(
            email=f"user{start_index + i:04d}@bench.stint.localhost",
            name=f"{rng.choice(FIRST)} {rng.choice(LAST)} {start_index + i}",
            timezone=rng.choice(TIMEZONES),
            password=make_password(None),
        )
        for i in range(count)
    )
    Membership.objects.bulk_create(
        Membership(
            account=account,
            user=user,
            role=Role.MANAGER if i < managers else Role.MEMBER,
            added_at=now,
            accepted_at=now,
        )
        for i, user in enumerate(users)
    )
    return users


def account_create(*, name: str, index: int) -> tuple[Any, Any]:
    from stint.accounts.models import Edition
    from stint.accounts.services import account_signup

    account, owner = account_signup(
        account_name=name,
        name=f"Owner {name}",
        email=f"owner{index}@bench.stint.localhost",
        password="bench-pass-2026",  # noqa: S106 -- a bench login, nothing to protect
    )
    # Paid: every record is visible (the free edition's limit is a separate concern).
    account.edition = Edition.REGULAR
    account.save(update_fields=["edition"])
    return account, owner


def activity_types_add(*, account: Any) -> list[Any]:
    from stint.core import clock
    from stint.tracking.models import ActivityType

    now = clock.now()
    return ActivityType.objects.bulk_create(
        ActivityType(account=account, name=name, is_default=(i == 0), created_at=now)
        for i, name in enumerate(ACTIVITIES)
    )


def work_items_add(*, account: Any, epics: int, features: int, tasks: int, rng: random.Random) -> list[Any]:
    """A tree epics > features > tasks; answers the tasks (what time is recorded on)."""
    from stint.core import clock
    from stint.tracking.models import WorkItem

    now = clock.now()
    ref = iter(range(1, 10_000_000))

    def level(parents: list[Any | None], count: int, kind: str) -> list[Any]:
        return WorkItem.objects.bulk_create(
            [
                WorkItem(
                    account=account,
                    parent=parents[i % len(parents)],
                    title=f"{kind.title()} {n}",
                    type=kind,
                    state=WorkItem.State.CLOSED if kind == "task" and rng.random() < 0.1 else WorkItem.State.OPEN,
                    external_ref=f"ST-{n}",
                    estimate_s=rng.choice([None, 3600, 4 * 3600, 16 * 3600]),
                    created_at=now,
                    updated_at=now,
                )
                for i, n in ((i, next(ref)) for i in range(count))
            ],
            batch_size=1000,
        )

    top = level([None], epics, "epic")
    middle = level(top, features, "feature")
    return level(middle, tasks, "task")


# --- the records ---


def weekdays(first: date, last: date) -> list[date]:
    days, day = [], first
    while day <= last:
        if day.weekday() < 5:
            days.append(day)
        day += timedelta(days=1)
    return days


def midnights(days: list[date]) -> dict[str, list[int]]:
    """Per time zone, the UTC epoch second at which each local day starts."""
    return {
        tz: [int(datetime(d.year, d.month, d.day, tzinfo=zoneinfo.ZoneInfo(tz)).timestamp()) for d in days]
        for tz in TIMEZONES
    }


def records_of(
    *,
    account_id: int,
    user: Any,
    count: int,
    days: list[date],
    day_starts: dict[str, list[int]],
    items: list[int],
    activities: list[int],
    rng: random.Random,
) -> Iterator[tuple[Any, ...]]:
    """`count` records over the weekdays, 9 or 10 a day between 08:00 and 18:00 local time, never overlapping.

    Each day is cut into equal slots, one record per slot, starting a few minutes into it and ending before the
    next slot begins. Yields rows with epoch seconds for the instants (converted per backend when written)."""
    per_day, extra = divmod(count, len(days))
    lucky = set(rng.sample(range(len(days)), extra))
    starts = day_starts[user.timezone]
    own_items = rng.sample(items, min(25, len(items)))
    for d in range(len(days)):
        k = per_day + (1 if d in lucky else 0)
        if k == 0:
            continue
        slot = WORKDAY_S // k
        base = starts[d] + WORKDAY_START_S
        for s in range(k):
            begin = base + s * slot + rng.randrange(0, 600, 60)
            duration = rng.randrange(slot // 2, slot - 660, 60)
            end = begin + duration
            billable = rng.random() < 0.8
            yield (
                account_id,
                user.pk,
                begin,
                end,
                duration,
                billable,
                duration if billable else 0,
                rng.choice(own_items) if rng.random() < 0.95 else None,
                rng.choice(activities),
                rng.choice(COMMENTS),
                "timer" if rng.random() < 0.6 else "manual",
                user.pk,
                None,
                end,
                end,
            )


def _sqlite_instant(epoch: int) -> str:
    # Django's SQLite backend stores aware datetimes as naive UTC text, in this exact shape.
    return time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(epoch))


def _sqlite_row(row: tuple[Any, ...]) -> tuple[Any, ...]:
    account, user, start, end, *middle, created, updated = row
    return (
        account,
        user,
        _sqlite_instant(start),
        _sqlite_instant(end),
        *middle,
        _sqlite_instant(created),
        _sqlite_instant(updated),
    )


def _secondary_indexes_sqlite(conn: sqlite3.Connection) -> list[tuple[str, str]]:
    return conn.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'tracking_timerecord' "
        "AND sql IS NOT NULL"
    ).fetchall()


def records_load_sqlite(rows: list[tuple[Any, ...]], bar: Progress) -> None:
    conn = sqlite3.connect(common.SQLITE_PATH, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=OFF")
    conn.execute("PRAGMA cache_size=-1000000")  # 1 GB of page cache for the index builds
    # The rows reference only what this script just created; checking five foreign keys per row would double the load.
    conn.execute("PRAGMA foreign_keys=OFF")
    indexes = _secondary_indexes_sqlite(conn)
    for name, _ in indexes:
        conn.execute(f'DROP INDEX "{name}"')
    columns = ", ".join(f'"{c}"' for c in RECORD_COLUMNS)
    marks = ", ".join("?" * len(RECORD_COLUMNS))
    sql = f"INSERT INTO tracking_timerecord ({columns}) VALUES ({marks})"  # noqa: S608 -- constant column names
    task = bar.add_task("records (sqlite executemany)", total=len(rows))
    chunk = 50_000
    conn.execute("BEGIN")
    for i in range(0, len(rows), chunk):
        part = rows[i : i + chunk]
        conn.executemany(sql, (_sqlite_row(row) for row in part))
        bar.advance(task, len(part))
    conn.execute("COMMIT")
    task = bar.add_task("indexes (sqlite)", total=len(indexes))
    for _, create in indexes:
        conn.execute(create)
        bar.advance(task)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()


def records_load_postgres(rows: list[tuple[Any, ...]], bar: Progress) -> None:
    import psycopg

    def instant(epoch: int) -> str:
        return _sqlite_instant(epoch) + "+00"

    with psycopg.connect(common.PG_URL) as conn:
        indexes = conn.execute(
            "SELECT indexrelid::regclass::text, pg_get_indexdef(indexrelid) FROM pg_index "
            "WHERE indrelid = 'tracking_timerecord'::regclass AND NOT indisprimary"
        ).fetchall()
        for name, _ in indexes:
            conn.execute(f'DROP INDEX "{name}"')
        # Foreign-key triggers off for this load only (superuser): the rows reference only what we just created.
        conn.execute("SET session_replication_role = replica")
        columns = ", ".join(f'"{c}"' for c in RECORD_COLUMNS)
        task = bar.add_task("records (postgres COPY)", total=len(rows))
        with conn.cursor().copy(f"COPY tracking_timerecord ({columns}) FROM STDIN") as copy:
            for n, row in enumerate(rows, 1):
                account, user, start, end, *middle, created, updated = row
                copy.write_row(
                    (account, user, instant(start), instant(end), *middle, instant(created), instant(updated))
                )
                if n % 50_000 == 0:
                    bar.advance(task, 50_000)
        bar.update(task, completed=len(rows))
        conn.execute("SET session_replication_role = DEFAULT")
        conn.execute("SET maintenance_work_mem = '1GB'")
        task = bar.add_task("indexes (postgres)", total=len(indexes))
        for _, create in indexes:
            conn.execute(create)
            bar.advance(task)
        conn.commit()
    # What autovacuum would do soon after such a load: statistics for the planner, the visibility map for index-only
    # scans.
    with psycopg.connect(common.PG_URL, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")


# --- the whole ---


def generate(*, backend: str, records: int, users: int, work_items: int) -> dict[str, Any]:
    began = time.monotonic()
    rng = random.Random(SEED)
    console.print(f"[bold]Generating the {backend} bench database[/bold] ({records:,} records, {users} users)")
    database_recreate(backend)
    common.django_setup(backend)
    from django.db import connection, transaction

    from stint.core import clock

    migrate()
    # Two years up to yesterday, so the current week (what the week page opens on) has time in it too.
    last_day = clock.now().date() - timedelta(days=1)
    first_day = last_day - timedelta(weeks=104) + timedelta(days=1)
    days = weekdays(first_day, last_day)
    day_starts = midnights(days)
    rows: list[tuple[Any, ...]] = []
    with progress() as bar:
        setup = bar.add_task("accounts, users, work items", total=4)
        with transaction.atomic():
            main, owner = account_create(name=common.MAIN_ACCOUNT, index=0)
            owner.timezone = "Europe/Berlin"
            owner.save(update_fields=["timezone"])
            team = [owner, *people_add(account=main, count=users - 1, start_index=1, rng=rng, managers=10)]
            bar.advance(setup)
            activities = [a.pk for a in activity_types_add(account=main)]
            tasks = work_items_add(account=main, epics=50, features=450, tasks=work_items - 500, rng=rng)
            open_tasks = [t.pk for t in tasks if t.state == "open"]
            bar.advance(setup)
            others = []
            for i in range(1, 4):
                other, other_owner = account_create(name=f"Bench Other {i}", index=i)
                crew = [other_owner, *people_add(account=other, count=4, start_index=1000 * i, rng=rng)]
                other_tasks = [t.pk for t in work_items_add(account=other, epics=2, features=8, tasks=40, rng=rng)]
                others.append((other, crew, other_tasks, [a.pk for a in activity_types_add(account=other)]))
            bar.advance(setup)
        connection.close()
        task = bar.add_task("records (generate)", total=records)
        per_user, extra = divmod(records, len(team))
        for i, user in enumerate(team):
            count = per_user + (1 if i < extra else 0)
            rows.extend(
                records_of(
                    account_id=main.pk,
                    user=user,
                    count=count,
                    days=days,
                    day_starts=day_starts,
                    items=open_tasks,
                    activities=activities,
                    rng=rng,
                )
            )
            bar.advance(task, count)
        for other, crew, other_tasks, other_activities in others:
            for user in crew:
                rows.extend(
                    records_of(
                        account_id=other.pk,
                        user=user,
                        count=600,
                        days=days,
                        day_starts=day_starts,
                        items=other_tasks,
                        activities=other_activities,
                        rng=rng,
                    )
                )
        # Ids in time order, as if the records had been written as time went by.
        rows.sort(key=lambda row: (row[2], row[1]))
        bar.advance(setup)
        if backend == "sqlite":
            records_load_sqlite(rows, bar)
        else:
            records_load_postgres(rows, bar)
    marker = {
        "backend": backend,
        "main_account_id": main.pk,
        "records_main": records,
        "records_total": len(rows),
        "users": users,
        "work_items": work_items,
        "first_day": first_day.isoformat(),
        "last_day": last_day.isoformat(),
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "seconds": round(time.monotonic() - began, 1),
    }
    common.marker_path(backend).write_text(json.dumps(marker, indent=2) + "\n")
    console.print(f"Done in {marker['seconds']} s: {len(rows):,} records in total.")
    return marker


def database_exists(backend: str) -> bool:
    if backend == "sqlite":
        return common.SQLITE_PATH.exists()
    import psycopg

    try:
        with psycopg.connect(common.PG_URL, connect_timeout=5) as conn:
            return conn.execute("SELECT to_regclass('tracking_timerecord') IS NOT NULL").fetchone()[0]
    except psycopg.OperationalError:
        return False


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=common.BACKENDS, required=True)
    parser.add_argument("--records", type=int, default=1_000_000, help="records in the main account")
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--work-items", type=int, default=5000)
    parser.add_argument(
        "--if-missing",
        action="store_true",
        help="do nothing when a complete database of this size is already there (for `make bench`)",
    )
    args = parser.parse_args()
    if args.if_missing:
        marker = common.read_marker(args.db)
        if marker and marker["records_main"] == args.records and database_exists(args.db):
            console.print(f"The {args.db} bench database is there ({marker['records_main']:,} records); kept.")
            return 0
    common.marker_path(args.db).unlink(missing_ok=True)
    generate(backend=args.db, records=args.records, users=args.users, work_items=args.work_items)
    return 0


if __name__ == "__main__":
    sys.exit(main())
