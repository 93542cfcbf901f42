"""Time records: created one by one, in batches of up to 500 or by import, all through one checking path.

Every record is checked against the account's rules and the person's other records in a few queries per batch
(not per record), so a 500-record batch costs about as much as a single record.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any, NamedTuple

from django.db import connection, transaction
from django.db.models import OuterRef, Q, Subquery

from stint.accounts.models import Account, Membership, User
from stint.core import clock
from stint.core.errors import Conflict, Forbidden, Invalid, PaymentRequired, StintError
from stint.tracking.models import ActivityType, Source, TimeRecord, TrackingPreference, TrackingRules, WorkItem
from stint.tracking.permissions import require_licensed, require_may_track_for
from stint.tracking.selectors import tracking_rules, visible_boundary
from stint.tracking.services.rules import MAX_RECORD_MAX_S
from stint.tracking.timeutil import local_midnight, whole_seconds

BATCH_MAX = 500
COMMENT_MAX = 5000
# Far enough apart for any real record; outside them date arithmetic (and time zones) would overflow.
EARLIEST = datetime(1900, 1, 1, tzinfo=UTC)
LATEST = datetime(9000, 1, 1, tzinfo=UTC)


@dataclass
class RecordSpec:
    """What a caller asks for; unset fields take their defaults (or, on update, the record's values)."""

    start: datetime | None = None
    end: datetime | None = None
    duration_s: int | None = None
    user_id: int | None = None
    work_item_id: int | None = None
    activity_type_id: int | None = None
    billable: bool | None = None
    billable_s: int | None = None
    comment: str | None = None
    without_activity: bool = False


class BatchInvalid(StintError):
    """One or more records of a batch were refused; nothing was written."""

    status = 422
    default_code = "batch_invalid"

    def __init__(self, errors: list[dict[str, Any]]) -> None:
        first = errors[0]
        super().__init__(f"Item {first['index']}: {first['detail']} Nothing was saved.", "batch_invalid")
        self.errors = errors


class _Checked(NamedTuple):
    """A record's values once every rule that needs no other record has passed: what gets written."""

    user_id: int
    start: datetime
    end: datetime
    duration_s: int
    billable: bool
    billable_s: int
    work_item_id: int | None
    activity_type_id: int | None
    comment: str


@dataclass
class _Context:
    account: Account
    actor: User
    actor_membership: Membership
    people: dict[int, Membership]
    work_items: dict[int, WorkItem]
    activity_types: dict[int, ActivityType]
    rules: TrackingRules
    default_activity: dict[int, ActivityType | None] = field(default_factory=dict)
    # Per person, the instant from which a record may end on a day too far ahead (see _open_until).
    open_until: dict[int, datetime] = field(default_factory=dict)

    def __post_init__(self) -> None:
        # Read once per batch rather than once per record (_build runs 500 times).
        self.actor_id: int = self.actor.pk
        self.may_manage: bool = self.actor_membership.can_manage


def _context(*, account: Account, actor: User, specs: list[RecordSpec], former_ok: Iterable[int] = ()) -> _Context:
    """`former_ok`: deactivated people whose existing records may still be corrected (they keep their records).

    Four queries whatever the number of records: the people (the actor among them, with their favourite activity),
    the work items named, the account's activity types (few; the default among them) and the rules."""
    user_ids = {spec.user_id or actor.pk for spec in specs}
    former = list(former_ok)
    favourite = TrackingPreference.objects.filter(account=account, user_id=OuterRef("user_id")).values(
        "favorite_activity_type_id"
    )
    found: dict[int, Membership] = {}
    favourites: dict[int, int | None] = {}
    for m in (
        Membership.objects.filter(account=account, user_id__in=user_ids | {actor.pk})
        .filter(Q(active=True) | Q(user_id__in=former))
        .select_related("user")
        .annotate(favourite_id=Subquery(favourite[:1]))
    ):
        found[m.user_id] = m
        favourites[m.user_id] = m.favourite_id
    actor_membership = found.get(actor.pk)
    if actor_membership is None or not actor_membership.active:
        raise Forbidden("You are not an active user of this account.", "not_a_member")
    people = {user_id: m for user_id, m in found.items() if user_id in user_ids}
    item_ids = {spec.work_item_id for spec in specs if spec.work_item_id}
    items = {item.pk: item for item in WorkItem.objects.filter(account=account, pk__in=item_ids)} if item_ids else {}
    types = {t.pk: t for t in ActivityType.objects.filter(account=account).order_by("pk")}
    context = _Context(account, actor, actor_membership, people, items, types, tracking_rules(account=account))
    account_default = next((t for t in types.values() if t.is_default and t.archived_at is None), None)
    for user_id in user_ids:
        chosen = types.get(favourites.get(user_id) or 0)
        usable = chosen if chosen is not None and chosen.archived_at is None else None
        context.default_activity[user_id] = usable or account_default
    return context


def _open_until(context: _Context, user_id: int, now: datetime) -> datetime:
    """An instant before which every record ends on a day open for recording (in the person's zone); kept in the
    context for the person's other records.

    The start of the person's last open day: whatever a time zone does around midnight, an instant before that
    day begins lies on an earlier day. A record ending later gets the exact check (a time zone conversion)."""
    tz = context.people[user_id].user.tz
    latest_day = now.astimezone(tz).date() + timedelta(days=context.rules.max_days_ahead)
    until = context.open_until[user_id] = local_midnight(latest_day, tz)
    return until


def _instant(value: datetime, *, field: str) -> datetime:
    try:
        moment = whole_seconds(value).astimezone(UTC)
    except OverflowError:  # e.g. 0001-01-01T00:00:00+05:00, before the first representable UTC instant
        moment = None
    if moment is None or not EARLIEST <= moment <= LATEST:
        raise Invalid(f"{field} must lie between the years 1900 and 9000.", f"invalid_{field}", field=field)
    return moment


def _check_duration(seconds: int, *, rules: TrackingRules) -> None:
    if seconds <= 0:
        raise Invalid("The record must end after it starts.", "non_positive_duration", field="end")
    if seconds > rules.max_record_s:
        hours = rules.max_record_s / 3600
        raise Invalid(
            f"A record can be at most {hours:g} hours long; split longer work into several records.",
            "record_too_long",
            field="end",
        )


def _build(spec: RecordSpec, *, context: _Context, now: datetime, was: TimeRecord | None = None) -> _Checked:
    """One record's values from its spec, checked against the rules that need no other record; raises StintError.

    Plain values, not a TimeRecord: a batch of 500 spends less on its checks than on building model instances."""
    rules = context.rules
    user_id = spec.user_id or context.actor_id
    if user_id not in context.people:
        raise Invalid(f"There is no active user with id {user_id} in your account.", "unknown_user", field="user_id")
    if user_id != context.actor_id and not context.may_manage:
        raise Invalid("Members can only record their own time.", "own_records_only", field="user_id")
    if was is None:
        require_licensed(context.people[user_id])  # on Free, only the people the owner chose track new time
    if spec.start is None:
        raise Invalid("Please give the start time.", "start_required", field="start")
    start = _instant(spec.start, field="start")
    if spec.end is not None:
        end = _instant(spec.end, field="end")
        if spec.duration_s is not None and int((end - start).total_seconds()) != spec.duration_s:
            raise Invalid("end and duration_s disagree; send only one of them.", "end_duration_mismatch", field="end")
    elif spec.duration_s is not None:
        _check_duration(spec.duration_s, rules=rules)  # before the arithmetic, which a huge number would overflow
        end = start + timedelta(seconds=spec.duration_s)
    else:
        raise Invalid("Please give the end time or the duration.", "end_or_duration_required", field="end")
    duration = int((end - start).total_seconds())
    _check_duration(duration, rules=rules)
    if end > (context.open_until.get(user_id) or _open_until(context, user_id, now)):
        tz = context.people[user_id].user.tz
        latest_day = now.astimezone(tz).date() + timedelta(days=rules.max_days_ahead)
        if (end - timedelta(microseconds=1)).astimezone(tz).date() > latest_day:
            ahead = (
                "for days after today" if rules.max_days_ahead == 0 else f"more than {rules.max_days_ahead} days ahead"
            )
            raise Invalid(f"Time cannot be recorded {ahead} in this account.", "too_far_ahead", field="start")

    work_item = None
    if spec.work_item_id:
        work_item = context.work_items.get(spec.work_item_id)
        if work_item is None:
            raise Invalid(
                f"There is no work item with id {spec.work_item_id} in your account.",
                "unknown_work_item",
                field="work_item_id",
            )
        kept = was is not None and was.work_item_id == work_item.pk
        # Closing an item stops new time on it, not corrections to the time already there.
        if not kept and (work_item.state == WorkItem.State.CLOSED or work_item.archived_at is not None):
            raise Invalid(
                f"The work item '{work_item.title}' is closed; time cannot be recorded on it.",
                "work_item_closed",
                field="work_item_id",
            )
    elif rules.require_work_item:
        raise Invalid("This account requires a work item on every record.", "work_item_required", field="work_item_id")

    if spec.activity_type_id:
        activity = context.activity_types.get(spec.activity_type_id)
        if activity is None:
            raise Invalid(
                f"There is no activity type with id {spec.activity_type_id} in your account.",
                "unknown_activity_type",
                field="activity_type_id",
            )
        if activity.archived_at is not None and not (was is not None and was.activity_type_id == activity.pk):
            raise Invalid(
                f"The activity type '{activity.name}' is archived; choose another one.",
                "activity_type_archived",
                field="activity_type_id",
            )
    else:
        # An unset activity takes the person's favourite or the account's default, unless the caller means "none"
        # (a timesheet row without an activity must keep its time in that row).
        activity = None if spec.without_activity else context.default_activity.get(user_id)
        if activity is None and rules.require_activity_type:
            raise Invalid(
                "This account requires an activity type on every record.",
                "activity_type_required",
                field="activity_type_id",
            )

    comment = (spec.comment or "").strip()
    if len(comment) > COMMENT_MAX:
        raise Invalid(f"A comment can be at most {COMMENT_MAX} characters.", "comment_too_long", field="comment")
    if not comment and rules.require_comment:
        raise Invalid("This account requires a comment on every record.", "comment_required", field="comment")

    billable = True if spec.billable is None else spec.billable
    if spec.billable_s is not None:
        if not 0 <= spec.billable_s <= duration:
            raise Invalid(
                "billable_s must be between 0 and the record's duration.", "invalid_billable_s", field="billable_s"
            )
        billable_s = spec.billable_s if billable else 0
    else:
        billable_s = duration if billable else 0

    return _Checked(
        user_id,
        start,
        end,
        duration,
        billable,
        billable_s,
        work_item.id if work_item else None,
        activity.id if activity else None,
        comment,
    )


def time_record_check(*, account: Account, actor: User, spec: RecordSpec) -> None:
    """Check one would-be record against the entry rules that need no other record (not the overlap rule)."""
    context = _context(account=account, actor=actor, specs=[spec])
    _build(spec, context=context, now=clock.now())


def _fmt_span(record_start: datetime, record_end: datetime, user: User) -> str:
    start, end = record_start.astimezone(user.tz), record_end.astimezone(user.tz)
    return (
        f"{start:%b %-d, %H:%M} to {end:%H:%M}"
        if start.date() == end.date()
        else f"{start:%b %-d %H:%M} to {end:%b %-d %H:%M}"
    )


def _overlaps(
    candidates: list[tuple[int, _Checked]],
    *,
    account: Account,
    people: dict[int, User],
    exclude_ids: Iterable[int] = (),
) -> dict[int, StintError]:
    """Index -> conflict for each candidate overlapping another record of the same person (stored or in the batch)."""
    by_user: dict[int, list[tuple[int, _Checked]]] = defaultdict(list)
    for index, record in candidates:
        by_user[record.user_id].append((index, record))
    problems: dict[int, StintError] = {}
    excluded = set(exclude_ids)
    # In the free edition a stored record may be hidden: it still blocks the overlap, but its times stay hidden.
    boundary = visible_boundary(account=account)
    for user_id, items in by_user.items():
        lowest = min(r.start for _, r in items)
        highest = max(r.end for _, r in items)
        stored = [
            (start, end, pk)
            for start, end, pk in TimeRecord.objects.filter(
                account=account,
                user_id=user_id,
                # No record is longer than the rules allow, so one that overlaps starts at most that long before:
                # a lower bound keeps the index scan to the batch's own stretch of time, not the person's history.
                start__gt=lowest - timedelta(seconds=MAX_RECORD_MAX_S),
                start__lt=highest,
                end__gt=lowest,
            ).values_list("start", "end", "pk")
            if pk not in excluded
        ]
        # (start, end, index in the batch or None, stored pk or None), swept in start order.
        spans = [(s, e, None, pk) for s, e, pk in stored] + [(r.start, r.end, i, None) for i, r in items]
        spans.sort(key=lambda span: (span[0], span[1]))
        latest: tuple[datetime, datetime, int | None, int | None] | None = None
        user = people[user_id]
        for span in spans:
            if latest is not None and span[0] < latest[1]:
                newcomer, other = (span, latest) if span[2] is not None else (latest, span)
                if newcomer[2] is not None and newcomer[2] not in problems:
                    hidden = other[3] is not None and boundary is not None and (other[0], other[3]) < boundary
                    if hidden:
                        detail = (
                            "This overlaps an older record hidden by the Free edition (it shows the newest 300); "
                            "a person's records may not overlap. Upgrade to see and change it."
                        )
                    else:
                        where = f"item {other[2]} of this batch" if other[2] is not None else "the existing record"
                        detail = (
                            f"This overlaps {where} from {_fmt_span(other[0], other[1], user)} "
                            f"({user.tz.key}); a person's records may not overlap."
                        )
                    problems[newcomer[2]] = Conflict(detail, "overlapping_record", field="start")
            if latest is None or span[1] > latest[1]:
                latest = span
    return problems


def _lock_people(*, account: Account, user_ids: Iterable[int]) -> None:
    """Serialise writes per person, so two requests cannot both pass the overlap check."""
    ordered = sorted(set(user_ids))
    locked = Membership.objects.select_for_update().filter(account=account, user_id__in=ordered).order_by("user_id")
    list(locked.values_list("pk", flat=True))


def _create(
    *, account: Account, actor: User, specs: list[RecordSpec], source: str, validate_only: bool
) -> tuple[list[_Checked], list[int], datetime]:
    """The checked records and, unless only validating, their new ids; all or nothing (BatchInvalid)."""
    if not specs:
        raise Invalid("Send at least one record.", "empty_batch", field="items")
    if len(specs) > BATCH_MAX:
        raise Invalid(f"A batch holds at most {BATCH_MAX} records; split it.", "batch_too_large", field="items")
    now = clock.now()
    context = _context(account=account, actor=actor, specs=specs)
    built: list[tuple[int, _Checked]] = []
    errors: list[dict[str, Any]] = []
    for index, spec in enumerate(specs):
        try:
            built.append((index, _build(spec, context=context, now=now)))
        except StintError as exc:
            errors.append({"index": index, "detail": exc.detail, "code": exc.code, "field": exc.field})
    with transaction.atomic():
        _lock_people(account=account, user_ids=[r.user_id for _, r in built])
        people = {user_id: m.user for user_id, m in context.people.items()}
        for index, problem in sorted(_overlaps(built, account=account, people=people).items()):
            errors.append({"index": index, "detail": problem.detail, "code": problem.code, "field": problem.field})
        if errors:
            raise BatchInvalid(sorted(errors, key=lambda e: e["index"]))
        rows = [row for _, row in built]
        if validate_only:
            return rows, [], now
        return rows, _insert(rows, account=account, actor=actor, source=source, now=now), now


def time_records_add(
    *, account: Account, actor: User, specs: list[RecordSpec], source: str = Source.API, validate_only: bool = False
) -> list[int]:
    """time_records_create answering only the new records' ids (none with `validate_only`): what the batch API
    returns, without building a model instance per record."""
    _, ids, _ = _create(account=account, actor=actor, specs=specs, source=source, validate_only=validate_only)
    return ids


def time_records_create(
    *, account: Account, actor: User, specs: list[RecordSpec], source: str = Source.API, validate_only: bool = False
) -> list[TimeRecord]:
    """All or nothing: every spec becomes a record, or BatchInvalid lists what is wrong with which item.
    With `validate_only` nothing is written and the records come back unsaved."""
    rows, ids, now = _create(account=account, actor=actor, specs=specs, source=source, validate_only=validate_only)
    records = []
    pks: list[int | None] = list(ids) if ids else [None] * len(rows)
    for row, pk in zip(rows, pks, strict=True):
        # Positional, in the model's column order (id, account, the checked values, source, added_by, edited_by,
        # created_at, updated_at): three times faster than keywords.
        columns: tuple[Any, ...] = (pk, account.pk, *row, source, actor.pk, None, now, now)
        record = TimeRecord(*columns)
        if pk is not None:
            record._state.adding = False
            record._state.db = connection.alias
        records.append(record)
    return records


def _single_error(batch: BatchInvalid) -> StintError:
    """A one-record batch's refusal as that record's own error: 409 overlap, 403 someone else's time, 402 not
    licensed on Free, else 422."""
    first = batch.errors[0]
    kinds: dict[str, type[StintError]] = {
        "overlapping_record": Conflict,
        "own_records_only": Forbidden,
        "user_not_licensed": PaymentRequired,
    }
    return kinds.get(first["code"], Invalid)(first["detail"], first["code"], field=first["field"])


def time_record_create(*, account: Account, actor: User, spec: RecordSpec, source: str = Source.API) -> TimeRecord:
    """One record; its refusal is the plain error of that record (409 for an overlap, 422 otherwise)."""
    try:
        [record] = time_records_create(account=account, actor=actor, specs=[spec], source=source)
    except BatchInvalid as exc:
        raise _single_error(exc) from exc
    return record


def _spec_of(record: TimeRecord) -> RecordSpec:
    return RecordSpec(
        start=record.start,
        end=record.end,
        user_id=record.user_id,
        work_item_id=record.work_item_id,
        activity_type_id=record.activity_type_id,
        billable=record.billable,
        billable_s=record.billable_s,
        comment=record.comment,
        without_activity=record.activity_type_id is None,  # an edit must not slip the default activity in
    )


def time_records_update(
    *, account: Account, actor: User, records: list[TimeRecord], changes: dict[str, Any]
) -> list[TimeRecord]:
    """Apply the same changes to each record (one record, or a bulk edit), all or nothing."""
    if "user_id" in changes and changes["user_id"] is None:
        # "Nobody" is no one to give a record to; without this the record would silently become the actor's.
        changes = {name: value for name, value in changes.items() if name != "user_id"}
    for record in records:
        require_may_track_for(account=account, actor=actor, user_id=record.user_id)
    if "user_id" in changes and changes["user_id"] is not None:
        require_may_track_for(account=account, actor=actor, user_id=changes["user_id"])
    specs = []
    for record in records:
        spec = replace(_spec_of(record), **changes)
        if "activity_type_id" in changes:
            spec.without_activity = changes["activity_type_id"] is None
        if "duration_s" in changes and "end" not in changes:
            spec.end = None  # a new duration moves the end
        if "billable" in changes and "billable_s" not in changes:
            spec.billable_s = None  # billable time follows the flag unless given
        if ("end" in changes or "duration_s" in changes or "start" in changes) and "billable_s" not in changes:
            spec.billable_s = None
        specs.append(spec)
    now = clock.now()
    context = _context(account=account, actor=actor, specs=specs, former_ok={r.user_id for r in records})
    built: list[tuple[int, _Checked]] = []
    errors: list[dict[str, Any]] = []
    for index, spec in enumerate(specs):
        try:
            built.append((index, _build(spec, context=context, now=now, was=records[index])))
        except StintError as exc:
            errors.append({"index": index, "detail": exc.detail, "code": exc.code, "field": exc.field})
    with transaction.atomic():
        _lock_people(account=account, user_ids=[r.user_id for _, r in built] + [r.user_id for r in records])
        people = {user_id: m.user for user_id, m in context.people.items()}
        overlaps = _overlaps(built, account=account, people=people, exclude_ids=[r.pk for r in records])
        for index, problem in sorted(overlaps.items()):
            errors.append({"index": index, "detail": problem.detail, "code": problem.code, "field": problem.field})
        if errors:
            raise BatchInvalid(sorted(errors, key=lambda e: e["index"]))
        columns = [
            "user_id", "start", "end", "duration_s", "billable", "billable_s", "work_item_id", "activity_type_id",
            "comment",
        ]  # fmt: skip
        for (_, fresh), record in zip(built, records, strict=True):
            for name in columns:
                setattr(record, name, getattr(fresh, name))
            record.edited_by = actor
            record.updated_at = now
        fields = [name.removesuffix("_id") for name in columns]
        TimeRecord.objects.bulk_update(records, [*fields, "edited_by", "updated_at"], batch_size=500)
    return records


def time_record_update(*, account: Account, actor: User, record: TimeRecord, changes: dict[str, Any]) -> TimeRecord:
    try:
        [updated] = time_records_update(account=account, actor=actor, records=[record], changes=changes)
    except BatchInvalid as exc:
        raise _single_error(exc) from exc
    return updated


def time_records_delete(*, account: Account, actor: User, records: list[TimeRecord]) -> int:
    for record in records:
        require_may_track_for(account=account, actor=actor, user_id=record.user_id)
    with transaction.atomic():
        deleted, _ = TimeRecord.objects.filter(account=account, pk__in=[r.pk for r in records]).delete()
    return deleted


_INSERTED = (
    "account_id", "user_id", "start", "end", "duration_s", "billable", "billable_s", "work_item_id",
    "activity_type_id", "comment", "source", "added_by_id", "edited_by_id", "created_at", "updated_at",
)  # fmt: skip
# The types of what differs from row to row (_Checked's fields), in order, for PostgreSQL's casts.
_PG_ROW_TYPES = ("bigint", "timestamptz", "timestamptz", "integer", "boolean", "integer", "bigint", "bigint", "text")


def _sqlite_datetime(value: datetime) -> str:
    """What Django stores in SQLite for an aware datetime (naive UTC text), at a third of the cost of its adapter."""
    return value.astimezone(UTC).replace(tzinfo=None).isoformat(" ")


def _insert(rows: list[_Checked], *, account: Account, actor: User, source: str, now: datetime) -> list[int]:
    """Writes the checked rows (at most BATCH_MAX, checked by the caller); the new ids, in the order of `rows`.

    bulk_create spends most of a batch compiling SQL value by value; these rows are already checked and complete,
    so their values go straight to the driver (bench/RESULTS.md). The database's constraints still hold every row."""
    table = TimeRecord._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # The rows as one JSON parameter, unpacked by the server: psycopg adapts one string far faster than the
            # 15 arrays of an unnest() (a third of a batch's time went into dumping them). What is the same for
            # every row is sent once.
            values = ", ".join(f"(r->>{i})::{kind}" for i, kind in enumerate(_PG_ROW_TYPES))
            columns = ", ".join(f'"{name}"' for name in _INSERTED)
            # Only our own constant identifiers are formatted in; every value is a parameter.
            sql = (
                f'INSERT INTO "{table}" ({columns}) SELECT %s, {values}, %s, %s, NULL, %s, %s '  # noqa: S608
                "FROM jsonb_array_elements(%s::jsonb) WITH ORDINALITY AS batch(r, n) ORDER BY n RETURNING id"
            )
            data = [
                [
                    r.user_id,
                    r.start.isoformat(),
                    r.end.isoformat(),
                    r.duration_s,
                    r.billable,
                    r.billable_s,
                    r.work_item_id,
                    r.activity_type_id,
                    r.comment,
                ]
                for r in rows
            ]
            cursor.execute(sql, [account.pk, source, actor.pk, now, now, json.dumps(data)])
            # One statement inserts the rows in order and the id sequence only grows, so sorted ids are in row
            # order whatever order RETURNING lists them in.
            return sorted(pk for (pk,) in cursor.fetchall())
        # SQLite: one prepared statement run for each row (executemany) costs less than compiling a 7,500-parameter
        # INSERT ... RETURNING. The ids are given rather than returned: this transaction holds the database's write
        # lock (IMMEDIATE), so the next ids of AUTOINCREMENT are known, and a clash would fail, not misnumber.
        cursor.execute(
            f'SELECT MAX(COALESCE((SELECT seq FROM sqlite_sequence WHERE name = %s), 0), COALESCE(MAX("id"), 0)) '  # noqa: S608
            f'FROM "{table}"',
            [table],
        )
        (last,) = cursor.fetchone()
        ids = list(range(last + 1, last + 1 + len(rows)))
        columns = ", ".join(f'"{name}"' for name in ("id", *_INSERTED))
        sql = f'INSERT INTO "{table}" ({columns}) VALUES ({", ".join(["%s"] * (1 + len(_INSERTED)))})'  # noqa: S608
        created = _sqlite_datetime(now)
        cursor.executemany(
            sql,
            [
                (
                    pk,
                    account.pk,
                    r.user_id,
                    _sqlite_datetime(r.start),
                    _sqlite_datetime(r.end),
                    r.duration_s,
                    r.billable,
                    r.billable_s,
                    r.work_item_id,
                    r.activity_type_id,
                    r.comment,
                    source,
                    actor.pk,
                    None,
                    created,
                    created,
                )
                for pk, r in zip(ids, rows, strict=True)
            ],
        )
        return ids
