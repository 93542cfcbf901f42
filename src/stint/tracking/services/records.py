"""Time records: created one by one, in batches of up to 500 or by import, all through one checking path.

Every record is checked against the account's rules and the person's other records in a few queries per batch
(not per record), so a 500-record batch costs about as much as a single record.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from django.db import connection, transaction
from django.db.models import Q

from stint.accounts.models import Account, Membership, User
from stint.core import clock
from stint.core.errors import Conflict, Forbidden, Invalid, StintError
from stint.tracking.models import ActivityType, Source, TimeRecord, TrackingPreference, TrackingRules, WorkItem
from stint.tracking.permissions import membership_of, require_may_track_for
from stint.tracking.selectors import tracking_rules, visible_boundary
from stint.tracking.services.rules import MAX_RECORD_MAX_S
from stint.tracking.timeutil import whole_seconds

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


def _context(*, account: Account, actor: User, specs: list[RecordSpec], former_ok: Iterable[int] = ()) -> _Context:
    """`former_ok`: deactivated people whose existing records may still be corrected (they keep their records)."""
    actor_membership = membership_of(account=account, user=actor)
    user_ids = {spec.user_id or actor.pk for spec in specs}
    people = {
        m.user_id: m
        for m in Membership.objects.filter(account=account, user_id__in=user_ids)
        .filter(Q(active=True) | Q(user_id__in=list(former_ok)))
        .select_related("user")
    }
    item_ids = {spec.work_item_id for spec in specs if spec.work_item_id}
    type_ids = {spec.activity_type_id for spec in specs if spec.activity_type_id}
    items = {item.pk: item for item in WorkItem.objects.filter(account=account, pk__in=item_ids)} if item_ids else {}
    types = {t.pk: t for t in ActivityType.objects.filter(account=account, pk__in=type_ids)} if type_ids else {}
    context = _Context(account, actor, actor_membership, people, items, types, tracking_rules(account=account))
    account_default = ActivityType.objects.filter(account=account, is_default=True, archived_at__isnull=True).first()
    favourites = {
        p.user_id: p.favorite_activity_type
        for p in TrackingPreference.objects.filter(account=account, user_id__in=user_ids).select_related(
            "favorite_activity_type"
        )
    }
    for user_id in user_ids:
        favourite = favourites.get(user_id)
        usable = favourite if favourite is not None and favourite.archived_at is None else None
        context.default_activity[user_id] = usable or account_default
    return context


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


def _build(
    spec: RecordSpec, *, context: _Context, source: str, now: datetime, was: TimeRecord | None = None
) -> TimeRecord:
    """One record from its spec, checked against the rules that need no other record; raises StintError."""
    rules = context.rules
    user_id = spec.user_id or context.actor.pk
    if user_id not in context.people:
        raise Invalid(f"There is no active user with id {user_id} in your account.", "unknown_user", field="user_id")
    if user_id != context.actor.pk and not context.actor_membership.can_manage:
        raise Invalid("Members can only record their own time.", "own_records_only", field="user_id")
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
    user = context.people[user_id].user
    tz = user.tz
    latest_day = now.astimezone(tz).date() + timedelta(days=rules.max_days_ahead)
    if (end - timedelta(microseconds=1)).astimezone(tz).date() > latest_day:
        ahead = "for days after today" if rules.max_days_ahead == 0 else f"more than {rules.max_days_ahead} days ahead"
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

    # Positional, in the model's column order: three times faster than keywords, which matters at 500 per batch.
    columns: tuple[Any, ...] = (
        None,  # id
        context.account.pk,
        user_id,
        start,
        end,
        duration,
        billable,
        billable_s,
        work_item.pk if work_item else None,
        activity.pk if activity else None,
        comment,
        source,
        context.actor.pk,  # added_by
        None,  # edited_by
        now,  # created_at
        now,  # updated_at
    )
    return TimeRecord(*columns)


def time_record_check(*, account: Account, actor: User, spec: RecordSpec) -> None:
    """Check one would-be record against the entry rules that need no other record (not the overlap rule)."""
    context = _context(account=account, actor=actor, specs=[spec])
    _build(spec, context=context, source=Source.API, now=clock.now())


def _fmt_span(record_start: datetime, record_end: datetime, user: User) -> str:
    start, end = record_start.astimezone(user.tz), record_end.astimezone(user.tz)
    return (
        f"{start:%b %-d, %H:%M} to {end:%H:%M}"
        if start.date() == end.date()
        else f"{start:%b %-d %H:%M} to {end:%b %-d %H:%M}"
    )


def _overlaps(
    candidates: list[tuple[int, TimeRecord]],
    *,
    account: Account,
    people: dict[int, User],
    exclude_ids: Iterable[int] = (),
) -> dict[int, StintError]:
    """Index -> conflict for each candidate overlapping another record of the same person (stored or in the batch)."""
    by_user: dict[int, list[tuple[int, TimeRecord]]] = defaultdict(list)
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


def _lock_people(*, account: Account, records: Iterable[TimeRecord]) -> None:
    """Serialise writes per person, so two requests cannot both pass the overlap check."""
    user_ids = sorted({r.user_id for r in records})
    list(Membership.objects.select_for_update().filter(account=account, user_id__in=user_ids).order_by("user_id"))


def time_records_create(
    *, account: Account, actor: User, specs: list[RecordSpec], source: str = Source.API, validate_only: bool = False
) -> list[TimeRecord]:
    """All or nothing: every spec becomes a record, or BatchInvalid lists what is wrong with which item."""
    if not specs:
        raise Invalid("Send at least one record.", "empty_batch", field="items")
    if len(specs) > BATCH_MAX:
        raise Invalid(f"A batch holds at most {BATCH_MAX} records; split it.", "batch_too_large", field="items")
    now = clock.now()
    context = _context(account=account, actor=actor, specs=specs)
    built: list[tuple[int, TimeRecord]] = []
    errors: list[dict[str, Any]] = []
    for index, spec in enumerate(specs):
        try:
            built.append((index, _build(spec, context=context, source=source, now=now)))
        except StintError as exc:
            errors.append({"index": index, "detail": exc.detail, "code": exc.code, "field": exc.field})
    with transaction.atomic():
        _lock_people(account=account, records=[r for _, r in built])
        people = {user_id: m.user for user_id, m in context.people.items()}
        for index, problem in sorted(_overlaps(built, account=account, people=people).items()):
            errors.append({"index": index, "detail": problem.detail, "code": problem.code, "field": problem.field})
        if errors:
            raise BatchInvalid(sorted(errors, key=lambda e: e["index"]))
        records = [record for _, record in built]
        if validate_only:
            return records
        return _insert(records)


def _single_error(batch: BatchInvalid) -> StintError:
    """A one-record batch's refusal as that record's own error: 409 overlap, 403 someone else's time, else 422."""
    first = batch.errors[0]
    kinds: dict[str, type[StintError]] = {"overlapping_record": Conflict, "own_records_only": Forbidden}
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
    built: list[tuple[int, TimeRecord]] = []
    errors: list[dict[str, Any]] = []
    for index, spec in enumerate(specs):
        try:
            built.append(
                (index, _build(spec, context=context, source=records[index].source, now=now, was=records[index]))
            )
        except StintError as exc:
            errors.append({"index": index, "detail": exc.detail, "code": exc.code, "field": exc.field})
    with transaction.atomic():
        _lock_people(account=account, records=[r for _, r in built] + records)
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
_PG_TYPES = (
    "bigint", "bigint", "timestamptz", "timestamptz", "integer", "boolean", "integer", "bigint", "bigint", "text",
    "text", "bigint", "bigint", "timestamptz", "timestamptz",
)  # fmt: skip


def _sqlite_datetime(value: datetime) -> str:
    """What Django stores in SQLite for an aware datetime (naive UTC text), at a third of the cost of its adapter."""
    return value.astimezone(UTC).replace(tzinfo=None).isoformat(" ")


def _insert(records: list[TimeRecord]) -> list[TimeRecord]:
    """One INSERT ... RETURNING id for the whole batch (at most BATCH_MAX records, checked by the caller).

    bulk_create spends most of a batch compiling SQL value by value and, on SQLite, splits 500 rows into several
    statements; these records are already checked and complete, so their values go straight to the driver
    (bench/RESULTS.md). The database's constraints still hold every row."""
    adapt = _sqlite_datetime if connection.vendor == "sqlite" else connection.ops.adapt_datetimefield_value
    rows = [
        (
            r.account_id,
            r.user_id,
            adapt(r.start),
            adapt(r.end),
            r.duration_s,
            r.billable,
            r.billable_s,
            r.work_item_id,
            r.activity_type_id,
            r.comment,
            r.source,
            r.added_by_id,
            r.edited_by_id,
            adapt(r.created_at),
            adapt(r.updated_at),
        )
        for r in records
    ]
    columns = ", ".join(f'"{name}"' for name in _INSERTED)
    table = TimeRecord._meta.db_table
    if connection.vendor == "postgresql":
        # Fifteen arrays instead of 7,500 parameters: one statement whatever the batch size.
        arrays = ", ".join(f"%s::{kind}[]" for kind in _PG_TYPES)
        # Only our own constant identifiers are formatted in; every value is a parameter.
        sql = f'INSERT INTO "{table}" ({columns}) SELECT * FROM unnest({arrays}) RETURNING "id"'  # noqa: S608
        params: list[Any] = [list(column) for column in zip(*rows, strict=True)]
    else:
        # SQLite 3.32+ takes 32,766 parameters: 500 rows x 15 columns fit in one statement.
        row = "(" + ", ".join(["%s"] * len(_INSERTED)) + ")"
        sql = f'INSERT INTO "{table}" ({columns}) VALUES {", ".join([row] * len(rows))} RETURNING "id"'  # noqa: S608
        params = [value for values in rows for value in values]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        ids = [pk for (pk,) in cursor.fetchall()]
    # RETURNING gives the rows' ids in insertion order on both databases for a single VALUES list or unnest().
    for record, pk in zip(records, ids, strict=True):
        record.pk = pk
        record._state.adding = False
        record._state.db = connection.alias
    return records
