"""Measure Stint on a generated bench database: server time, in-process, with Django's test Client.

    .venv/bin/python bench/run.py --db sqlite
    .venv/bin/python bench/run.py --db postgres --runs 30 --profile

What is measured (each read `--runs` times after a warm-up; median and p95; query count of one extra, captured run):
  week_api         GET /api/v1/time-records?from=<monday>&to=<next monday>&user_id=<u>, a member reading their week
  week_page        GET /week/ (when the page exists), the same member signed in
  explorer_*       GET /api/v1/time-records?limit=100 with filters, an admin: the explorer's data through the API
  explorer_page_*  GET /records/ with the same filters, the admin signed in: the explorer page (100 rows a page)
  batch_create     POST /api/v1/time-records/batch, 200 batches of 500 = 100,000 records of fresh users, total time

Times are wall-clock around `Client.get/post`: URL routing, middleware, authentication, the queries, serialisation;
no network and no HTTP parsing (a real server adds both). The records and people the batch run creates are deleted
afterwards (`--keep` keeps them), so runs can be repeated on the same database.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import random
import statistics
import sys
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import common
from generate import midnights, people_add, records_of, weekdays
from rich.console import Console
from rich.table import Table

console = Console(stderr=True)
out = Console()
WARMUP = 3


class QueryLog:
    """Every statement sent while active, counted at the connection (unlike CaptureQueriesContext, whose slice of
    `connection.queries_log` comes out empty when the request_started signal clears that log mid-capture)."""

    def __init__(self, connection: Any) -> None:
        self.connection = connection
        self.captured_queries: list[dict[str, Any]] = []

    def __call__(self, execute: Callable, sql: str, params: Any, many: bool, context: Any) -> Any:
        began = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.captured_queries.append(
                {"sql": sql, "params": params, "many": many, "ms": time.perf_counter() - began}
            )

    def __enter__(self) -> QueryLog:
        self._wrapping = self.connection.execute_wrapper(self)
        self._wrapping.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self._wrapping.__exit__(*exc)

    def __len__(self) -> int:
        return len(self.captured_queries)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


class Bench:
    def __init__(self, backend: str, runs: int) -> None:
        from django.db import connection
        from django.test import Client

        self.backend = backend
        self.runs = runs
        self.connection = connection
        self.client = Client()
        self.results: list[dict[str, Any]] = []
        self.plans: list[str] = []

    def measure(self, name: str, request: Callable[[int], Any], *, check: Callable[[Any], str] | None = None) -> None:
        """Runs `request(i)` for i in 0..runs-1 (after a warm-up), then once more with its queries captured."""
        for i in range(WARMUP):
            self._ok(name, request(i))
        load_before = os.getloadavg()[0]
        times, cpu = [], []
        note = ""
        for i in range(self.runs):
            began, began_cpu = time.perf_counter(), time.process_time()
            response = request(i)
            times.append((time.perf_counter() - began) * 1000)
            cpu.append((time.process_time() - began_cpu) * 1000)
            self._ok(name, response)
            if check and i == 0:
                note = check(response)
        with QueryLog(self.connection) as captured:
            self._ok(name, request(0))
        self._explain(name, captured.captured_queries)
        self.results.append(
            {
                "scenario": name,
                "runs": self.runs,
                "median_ms": round(statistics.median(times), 2),
                "p95_ms": round(percentile(times, 0.95), 2),
                "max_ms": round(max(times), 2),
                "cpu_median_ms": round(statistics.median(cpu), 2),
                "queries": len(captured.captured_queries),
                "load": [round(load_before, 2), round(os.getloadavg()[0], 2)],
                "note": note,
            }
        )
        console.print(
            f"  {name}: median {statistics.median(times):.1f} ms (CPU {statistics.median(cpu):.1f}), "
            f"{len(captured)} queries, load {load_before:.1f} {note}"
        )

    @staticmethod
    def _ok(name: str, response: Any) -> None:
        if response.status_code not in {200, 201}:
            raise SystemExit(f"{name}: HTTP {response.status_code}: {response.content[:500]!r}")

    def _explain(self, name: str, queries: list[dict[str, Any]]) -> None:
        """The plan of every query on the records table, as the database ran it."""
        self.plans.append(f"===== {name} ({len(queries)} queries)")
        with self.connection.cursor() as cursor:
            for query in queries:
                sql, params = query["sql"], query["params"]
                self.plans.append(f"-- {query['ms'] * 1000:.2f} ms: {sql[:1500]}")
                if "tracking_timerecord" not in sql or not sql.lstrip().upper().startswith("SELECT"):
                    continue
                self.plans.append(f"   params: {params}")
                if self.backend == "sqlite":
                    cursor.execute("EXPLAIN QUERY PLAN " + sql, params)
                    self.plans.extend(f"   {row[3]}" for row in cursor.fetchall())
                else:
                    cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
                    self.plans.extend(f"   {row[0]}" for row in cursor.fetchall())


def tokens(*, account: Any, users: list[Any]) -> list[str]:
    from stint.accounts.services import api_token_create

    return [api_token_create(account=account, user=user, label="bench")[1] for user in users]


def scenario_reads(bench: Bench, *, account: Any, marker: dict[str, Any]) -> None:
    from django.urls import Resolver404, resolve

    from stint.accounts.models import Membership, Role

    rng = random.Random(7)
    member = (
        Membership.objects.filter(account=account, role=Role.MEMBER, active=True)
        .select_related("user")
        .order_by("user_id")
        .first()
    )
    assert member is not None
    owner = account.owner
    member_token, owner_token = tokens(account=account, users=[member.user, owner])
    first, last = date.fromisoformat(marker["first_day"]), date.fromisoformat(marker["last_day"])
    mondays = [first + timedelta(days=7 * w - first.weekday()) for w in range(1, (last - first).days // 7)]
    weeks = rng.sample(mondays, bench.runs)
    client = bench.client

    def items(response: Any) -> str:
        body = response.json()
        return f"{len(body['items'])} rows"

    console.print(f"[bold]{bench.backend}[/bold]: reads, {bench.runs} runs each")
    bench.measure(
        "week_api",
        lambda i: client.get(
            "/api/v1/time-records",
            {"from": weeks[i].isoformat(), "to": (weeks[i] + timedelta(days=7)).isoformat(), "user_id": member.user_id},
            HTTP_AUTHORIZATION=f"Bearer {member_token}",
        ),
        check=items,
    )
    try:
        resolve("/week/")
        has_week_page = True
    except Resolver404:
        has_week_page = False
    if has_week_page:
        client.force_login(member.user)
        bench.measure("week_page (current week)", lambda i: client.get("/week/"))
        client.logout()
    else:
        bench.results.append({"scenario": "week_page", "note": "pending: /week/ is not in stint.web.urls yet"})
        console.print("  week_page: pending, /week/ does not exist yet")

    from stint.tracking.models import TimeRecord

    # Explorer filters as someone would pick them: a busy work item, billable time, one calendar month.
    busy_items = list(
        TimeRecord.objects.filter(account=account, work_item__isnull=False)
        .values_list("work_item_id", flat=True)
        .distinct()[:200]
    )
    months = sorted({date(d.year, d.month, 1) for d in mondays[4:-4]})
    picks = [(rng.choice(busy_items), rng.choice(months)) for _ in range(bench.runs)]

    def month_end(day: date) -> date:
        return (day + timedelta(days=32)).replace(day=1)

    admin = {"HTTP_AUTHORIZATION": f"Bearer {owner_token}"}
    bench.measure(
        "explorer_item_billable_month",
        lambda i: client.get(
            "/api/v1/time-records",
            {
                "limit": 100,
                "work_item_id": picks[i][0],
                "billable": "true",
                "from": picks[i][1].isoformat(),
                "to": month_end(picks[i][1]).isoformat(),
            },
            **admin,
        ),
        check=items,
    )
    bench.measure(
        "explorer_billable_month",
        lambda i: client.get(
            "/api/v1/time-records",
            {
                "limit": 100,
                "billable": "true",
                "from": picks[i][1].isoformat(),
                "to": month_end(picks[i][1]).isoformat(),
            },
            **admin,
        ),
        check=items,
    )
    bench.measure(
        "explorer_non_billable_month",
        lambda i: client.get(
            "/api/v1/time-records",
            {
                "limit": 100,
                "billable": "false",
                "from": picks[i][1].isoformat(),
                "to": month_end(picks[i][1]).isoformat(),
            },
            **admin,
        ),
        check=items,
    )
    bench.measure(
        "explorer_newest_unfiltered",
        lambda i: client.get("/api/v1/time-records", {"limit": 100}, **admin),
        check=items,
    )

    # The explorer page itself: the same filters as the API reads above (its `end` is the last day, inclusive).
    def rows(response: Any) -> str:
        count = response.content.count(b'name="ids"')  # a checkbox per record
        return f"{count} rows"

    def page_filters(i: int, **extra: Any) -> dict[str, Any]:
        last = month_end(picks[i][1]) - timedelta(days=1)
        return {"start": picks[i][1].isoformat(), "end": last.isoformat(), **extra}

    client.force_login(owner)
    bench.measure(
        "explorer_page_item_billable_month",
        lambda i: client.get("/records/", page_filters(i, work_item=picks[i][0], billable="yes")),
        check=rows,
    )
    bench.measure(
        "explorer_page_billable_month",
        lambda i: client.get("/records/", page_filters(i, billable="yes")),
        check=rows,
    )
    bench.measure(
        "explorer_page_non_billable_month",
        lambda i: client.get("/records/", page_filters(i, billable="no")),
        check=rows,
    )
    bench.measure("explorer_page_newest_unfiltered", lambda i: client.get("/records/"), check=rows)
    client.logout()


def batch_payloads(*, account: Any, batches: int, size: int, people: int) -> tuple[list[Any], list[list[dict]]]:
    """Fresh named users, and their time as batches: each batch is 500 consecutive records of one person."""
    from stint.tracking.models import ActivityType, WorkItem

    rng = random.Random(11)
    start_index = 100_000 + int(time.time()) % 100_000 * 10
    users = people_add(account=account, count=people, start_index=start_index, rng=rng)
    items = list(
        WorkItem.objects.filter(account=account, type="task", state="open", archived_at__isnull=True).values_list(
            "pk", flat=True
        )
    )
    activities = list(ActivityType.objects.filter(account=account).values_list("pk", flat=True))
    last_day = datetime.now(UTC).date() - timedelta(days=2)
    per_person = batches * size // people
    days = weekdays(last_day - timedelta(weeks=104), last_day)
    day_starts = midnights(days)

    def instant(epoch: int) -> str:
        return datetime.fromtimestamp(epoch, UTC).isoformat().replace("+00:00", "Z")

    records: list[dict] = []
    for user in users:
        for row in records_of(
            account_id=account.pk,
            user=user,
            count=per_person,
            days=days,
            day_starts=day_starts,
            items=items,
            activities=activities,
            rng=rng,
        ):
            _, user_id, start, end, _, billable, _, item, activity, comment, *_ = row
            record = {"user_id": user_id, "start": instant(start), "end": instant(end), "billable": billable}
            if item:
                record["work_item_id"] = item
            if rng.random() < 0.5:
                record["activity_type_id"] = activity
            if comment:
                record["comment"] = comment
            records.append(record)
    chunks = [records[i : i + size] for i in range(0, len(records), size)]
    return users, chunks


def database_cpu(connection: Any) -> float | None:
    """CPU seconds used so far by this connection's PostgreSQL backend, when the server runs on this machine (it
    is not in the bench process's CPU time); None for SQLite, which runs inside the bench process."""
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        (pid,) = cursor.fetchone()
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:  # a server elsewhere
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime, in clock ticks


def scenario_batch(bench: Bench, *, account: Any, batches: int, size: int, keep: bool, profile: Path | None) -> None:
    from stint.accounts.models import Membership, User
    from stint.tracking.models import TimeRecord

    people = max(1, batches // 10)
    # One extra batch first, with its queries captured (capturing slows a 500-row insert, so it is not timed).
    users, chunks = batch_payloads(account=account, batches=batches + 1, size=size, people=people)
    [token] = tokens(account=account, users=[account.owner])
    bodies = [json.dumps({"items": chunk}) for chunk in chunks]
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    console.print(f"[bold]{bench.backend}[/bold]: batch creation, {batches} x {size} records for {people} fresh users")
    client = bench.client
    created = 0
    with QueryLog(bench.connection) as captured:
        response = client.post("/api/v1/time-records/batch", bodies[0], content_type="application/json", **headers)
    bench._ok("batch_create", response)
    created += len(response.json()["created"])
    bench._explain("batch_create (one batch)", captured.captured_queries)
    times = []
    profiler = cProfile.Profile() if profile else None
    load_before = os.getloadavg()[0]
    began_db = database_cpu(bench.connection)
    began, began_cpu = time.perf_counter(), time.process_time()
    for body in bodies[1:]:
        t0 = time.perf_counter()
        if profiler:
            profiler.enable()
        response = client.post("/api/v1/time-records/batch", body, content_type="application/json", **headers)
        if profiler:
            profiler.disable()
        times.append((time.perf_counter() - t0) * 1000)
        bench._ok("batch_create", response)
        created += len(response.json()["created"])
    total, total_cpu = time.perf_counter() - began, time.process_time() - began_cpu
    ended_db = database_cpu(bench.connection)
    db_cpu = round(ended_db - began_db, 2) if ended_db is not None and began_db is not None else None
    timed = created - size
    bench.results.append(
        {
            "scenario": f"batch_create ({batches} x {size})",
            "runs": batches,
            "median_ms": round(statistics.median(times), 2),
            "p95_ms": round(percentile(times, 0.95), 2),
            "max_ms": round(max(times), 2),
            "total_s": round(total, 2),
            "cpu_s": round(total_cpu, 2),
            "database_cpu_s": db_cpu,
            "load": [round(load_before, 2), round(os.getloadavg()[0], 2)],
            "records_per_s": round(timed / total),
            "queries": len(captured.captured_queries),
            "note": f"{timed:,} records in {total:.2f} s ({total_cpu:.2f} s CPU in this process"
            + (f", {db_cpu:.2f} s in the PostgreSQL backend" if db_cpu is not None else "")
            + "; queries: per batch)",
        }
    )
    console.print(
        f"  batch_create: {timed:,} records in {total:.2f} s (CPU {total_cpu:.2f} s"
        + (f", PostgreSQL {db_cpu:.2f} s" if db_cpu is not None else "")
        + f"), {len(captured)} queries per batch, load {load_before:.1f}"
    )
    if profiler and profile:
        stream = io.StringIO()
        pstats.Stats(profiler, stream=stream).sort_stats("cumulative").print_stats(45)
        stream.write("\n\n")
        pstats.Stats(profiler, stream=stream).sort_stats("tottime").print_stats(30)
        profile.write_text(stream.getvalue())
        console.print(f"  profile of the batch requests: {profile}")
    if keep:
        return
    deleted, _ = TimeRecord.objects.filter(account=account, user__in=users).delete()
    Membership.objects.filter(account=account, user__in=users).delete()
    User.objects.filter(pk__in=[u.pk for u in users]).delete()
    if bench.connection.vendor == "postgresql":
        # Without it the next run inserts into indexes holding 100,000 dead entries (and races autovacuum for them):
        # the backend took 20-40 % more CPU for the same batches, and the database grew from 530 to 870 MB over a
        # dozen runs.
        with bench.connection.cursor() as cursor:
            cursor.execute(f"VACUUM (ANALYZE) {TimeRecord._meta.db_table}")
    console.print(f"  cleaned up: {deleted:,} rows of the batch run deleted, with its {len(users)} people")


def machine() -> dict[str, Any]:
    import platform
    import sqlite3

    from django.db import connection

    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if "model name" in line
        ),
        platform.processor(),
    )
    mem_kb = next(int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines() if "MemTotal" in line)
    with connection.cursor() as cursor:
        cursor.execute("SELECT sqlite_version()" if connection.vendor == "sqlite" else "SHOW server_version")
        db_version = cursor.fetchone()[0]
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "ram_gb": round(mem_kb / 1024 / 1024, 1),
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "database": f"{connection.vendor} {db_version}",
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=common.BACKENDS, required=True)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--batches", type=int, default=200)
    parser.add_argument("--batch-size", type=int, default=500)
    parser.add_argument("--skip-reads", action="store_true")
    parser.add_argument("--skip-batch", action="store_true")
    parser.add_argument("--keep", action="store_true", help="keep the batch run's records and people")
    parser.add_argument("--profile", action="store_true", help="cProfile the batch requests")
    args = parser.parse_args()
    marker = common.read_marker(args.db)
    if marker is None:
        raise SystemExit(f"No complete {args.db} bench database; run bench/generate.py --db {args.db} first.")
    common.django_setup(args.db)
    # A database generated by an older checkout gets this checkout's migrations (e.g. changed indexes) first.
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)
    from stint.accounts.models import Account, Edition

    # The bench measures a paid account, where all 1,000,000 records are visible. A migration may move accounts made
    # before it to another edition (billing's 0002 puts every account that never paid on the free edition, which
    # hides all but 300 records): put the bench's back.
    Account.objects.filter(pk=marker["main_account_id"]).exclude(edition=Edition.REGULAR).update(
        edition=Edition.REGULAR
    )
    account = Account.objects.select_related("owner").get(pk=marker["main_account_id"])
    bench = Bench(args.db, args.runs)
    if not args.skip_reads:
        scenario_reads(bench, account=account, marker=marker)
    if not args.skip_batch:
        profile = common.DATA_DIR / f"profile-batch-{args.db}.txt" if args.profile else None
        scenario_batch(
            bench, account=account, batches=args.batches, size=args.batch_size, keep=args.keep, profile=profile
        )
    from stint.accounts.models import ApiToken

    ApiToken.objects.filter(account=account, label="bench").delete()
    report = {
        "backend": args.db,
        # Other work on the machine (tests, another bench) shows up in wall times: keep the load beside them.
        "load_average_at_end": os.getloadavg(),
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "database": marker,
        "machine": machine(),
        "results": bench.results,
    }
    common.DATA_DIR.joinpath(f"results-{args.db}.json").write_text(json.dumps(report, indent=2) + "\n")
    common.DATA_DIR.joinpath(f"plans-{args.db}.txt").write_text("\n".join(bench.plans) + "\n")
    table = Table(title=f"Stint bench, {args.db}, {marker['records_total']:,} records, load {os.getloadavg()[0]:.1f}")
    for column in ("scenario", "median ms", "p95 ms", "CPU ms", "queries", "note"):
        table.add_column(column)
    for r in bench.results:
        table.add_row(
            r["scenario"],
            str(r.get("median_ms", "")),
            str(r.get("p95_ms", "")),
            str(r.get("cpu_median_ms", "")),
            str(r.get("queries", "")),
            r["note"],
        )
    out.print(table)
    console.print(f"Results: {common.DATA_DIR}/results-{args.db}.json, query plans: plans-{args.db}.txt")
    return 0


if __name__ == "__main__":
    sys.exit(main())
