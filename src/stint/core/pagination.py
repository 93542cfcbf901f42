"""The one pagination: keyset on the primary key, `{"items", "next_cursor"}`, opaque cursors."""

from __future__ import annotations

import base64
from datetime import datetime
from typing import Any, TypeVar

from django.db.models import Model, Q, QuerySet

from stint.core.errors import Malformed

DEFAULT_LIMIT = 100
MAX_LIMIT = 500

M = TypeVar("M", bound=Model)


def _encode(pk: int) -> str:
    return base64.urlsafe_b64encode(f"pk:{pk}".encode()).decode().rstrip("=")


def _decode(cursor: str) -> int:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        prefix, value = raw.split(":", 1)
        if prefix != "pk":
            raise ValueError(prefix)
        return int(value)
    except (ValueError, UnicodeDecodeError) as exc:
        raise Malformed("This cursor is not one we gave out; start again without it.", "invalid_cursor") from exc


def check_limit(limit: int | None) -> int:
    if limit is None:
        return DEFAULT_LIMIT
    if not 1 <= limit <= MAX_LIMIT:
        raise Malformed(f"limit must be between 1 and {MAX_LIMIT}.", "invalid_limit")
    return limit


def paginate(
    queryset: QuerySet[M], *, limit: int | None, cursor: str | None, newest_first: bool = False
) -> tuple[list[M], str | None]:
    size = check_limit(limit)
    ordered = queryset.order_by("-pk" if newest_first else "pk")
    if cursor:
        after = _decode(cursor)
        ordered = ordered.filter(pk__lt=after) if newest_first else ordered.filter(pk__gt=after)
    rows = list(ordered[: size + 1])
    next_cursor = _encode(rows[size - 1].pk) if len(rows) > size else None
    return rows[:size], next_cursor


def page(items: list[Any], next_cursor: str | None, **extra: Any) -> dict[str, Any]:
    return {"items": items, "next_cursor": next_cursor, **extra}


def _encode_at(at: datetime, pk: int) -> str:
    return base64.urlsafe_b64encode(f"at:{at.isoformat()}|{pk}".encode()).decode().rstrip("=")


def _decode_at(cursor: str) -> tuple[datetime, int]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        prefix, value = raw.split(":", 1)
        at, pk = value.rsplit("|", 1)
        if prefix != "at":
            raise ValueError(prefix)
        moment = datetime.fromisoformat(at)
        if moment.tzinfo is None:
            raise ValueError(at)
        return moment, int(pk)
    except (ValueError, UnicodeDecodeError) as exc:
        raise Malformed("This cursor is not one we gave out; start again without it.", "invalid_cursor") from exc


def paginate_newest(
    queryset: QuerySet[M], *, field: str, limit: int | None, cursor: str | None
) -> tuple[list[M], str | None]:
    """Newest first by a time column (ties broken by id), for lists people read by date such as time records."""
    size = check_limit(limit)
    ordered = queryset.order_by(f"-{field}", "-pk")
    if cursor:
        at, pk = _decode_at(cursor)
        ordered = ordered.filter(Q(**{f"{field}__lt": at}) | Q(**{field: at, "pk__lt": pk}))
    rows = list(ordered[: size + 1])
    next_cursor = _encode_at(getattr(rows[size - 1], field), rows[size - 1].pk) if len(rows) > size else None
    return rows[:size], next_cursor
