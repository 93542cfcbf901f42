"""`Idempotency-Key` for the writes that cost money: the same key, in the same account, answers the first response
again (status and body, a 4xx included) and never runs the write twice.

How a key is claimed, so that ten identical requests racing on PostgreSQL charge once:

1. The first request inserts an `IdempotentRequest` row with no answer yet, in its own short transaction; the
   unique (account, key) constraint lets exactly one insert win. Every other request finds the row and answers
   the stored response if there is one, 409 `idempotency_key_in_progress` while there is none, and 422
   `idempotency_key_reused` if the key came with a different request (method, path, caller or body).
2. The winner runs the write and stores its answer in one transaction: either both happen or neither does. An
   error of ours (a 500) rolls the write back and deletes the row, so the client may simply retry.
3. A request that died half-way (a killed process) rolled its write back but left its row unanswered: after
   `LEASE`, the next request with the key takes the row over and runs the write. The lease is the row's
   `created_at`; an answer is stored only by the request that still holds it.

Bodies that do not parse are refused before the write starts and keep no row; so do 401 and 403 (checked first), so
that a key is never spent on a request that was not allowed to run.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.http import HttpResponse
from ninja.responses import NinjaJSONEncoder, Response

from stint.api.auth import ApiRequest
from stint.api.errors import error_body
from stint.billing.models import IdempotentRequest
from stint.core import clock
from stint.core.errors import Conflict, Invalid, Malformed, StintError

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
KEY_MAX_LENGTH = IdempotentRequest._meta.get_field("key").max_length or 255
# Longer than any request can run (gunicorn and proxies give up well before): an unanswered key this old belongs
# to a request that died.
LEASE = timedelta(minutes=5)
CONTENT_TYPE = "application/json; charset=utf-8"

Answer = tuple[int, Any]


def as_json(data: Any) -> Any:
    """What ninja would send for `data`, as plain JSON values (times in UTC with `Z`), ready to store."""
    return json.loads(json.dumps(data, cls=NinjaJSONEncoder))


def idempotently(request: ApiRequest, write: Callable[[], Answer]) -> HttpResponse:
    """Run `write` (which answers a status and a JSON body) at most once per `Idempotency-Key`.

    Without the header the write simply runs. Call it after checking who may do the write.
    """
    raw_key = request.headers.get(HEADER)
    if raw_key is None:
        status, body = write()
        return _response(status, as_json(body))
    key = _key_clean(raw_key)
    claimed = _claim(request, key=key, fingerprint=_fingerprint(request))
    if isinstance(claimed, HttpResponse):
        return claimed
    try:
        with transaction.atomic():
            status, body = _answer(write)
            body = as_json(body)
            if not _unanswered(claimed).update(status_code=status, body=body):
                raise _LeaseLost
    except _LeaseLost:
        return _error_response(_in_progress())
    except BaseException:
        # Our failure, not the caller's: nothing was written, so the key is free for a retry.
        _unanswered(claimed).delete()
        raise
    return _response(status, body)


class _LeaseLost(Exception):
    """The row was taken over by a later request while this one ran: its write must not count."""


def _answer(write: Callable[[], Answer]) -> Answer:
    try:
        return write()
    except StintError as error:
        extra = {"field": error.field} if error.field else {}
        return error.status, error_body(error.detail, error.code, **extra)


def _key_clean(raw: str) -> str:
    key = raw.strip()
    if not key or len(key) > KEY_MAX_LENGTH or not all(" " <= ch <= "~" for ch in key):
        raise Malformed(
            f"The {HEADER} header must be 1 to {KEY_MAX_LENGTH} printable ASCII characters, e.g. a UUID.",
            "invalid_idempotency_key",
        )
    return key


def request_fingerprint(*, method: str, path: str, user_id: int, body: bytes) -> str:
    """What makes two requests the same: method, path, caller and body (as JSON, whatever its spacing or key
    order). Keyed with the secret key: the body may carry a card number, which a plain hash would let anyone
    holding the database guess back (a card number has few unknown digits)."""
    try:
        text = json.dumps(json.loads(body), sort_keys=True, separators=(",", ":")) if body else ""
    except (ValueError, UnicodeDecodeError):
        text = body.hex()
    message = "\n".join([method, path, str(user_id), text])
    return hmac.new(settings.SECRET_KEY.encode(), message.encode(), hashlib.sha256).hexdigest()


def _fingerprint(request: ApiRequest) -> str:
    return request_fingerprint(
        method=request.method or "", path=request.path, user_id=request.user.pk, body=request.body
    )


def _claim(request: ApiRequest, *, key: str, fingerprint: str) -> IdempotentRequest | HttpResponse:
    """The row this request now owns, or the response to send instead of running the write."""
    account = request.account
    for _ in range(3):  # the row may vanish in between: a request that failed on our side released it
        now = clock.now()
        try:
            with transaction.atomic():
                return IdempotentRequest.objects.create(
                    account=account, key=key, fingerprint=fingerprint, created_at=now
                )
        except IntegrityError:
            pass
        existing = IdempotentRequest.objects.filter(account=account, key=key).first()
        if existing is None:
            continue
        if not hmac.compare_digest(existing.fingerprint, fingerprint):
            return _error_response(
                Invalid(
                    f"This {HEADER} was already used for a different request; send a new key for a new request.",
                    "idempotency_key_reused",
                )
            )
        if existing.status_code is not None:
            return _response(existing.status_code, existing.body, replayed=True)
        if _taken_over(existing, now=now):
            return existing
        return _error_response(_in_progress())
    return _error_response(_in_progress())


def _taken_over(row: IdempotentRequest, *, now: datetime) -> bool:
    """Take over the row of a request that died without answering, once its lease has run out."""
    if row.created_at + LEASE > now:
        return False
    taken = _unanswered(row).update(created_at=now)
    row.created_at = now
    return bool(taken)


def _unanswered(row: IdempotentRequest) -> QuerySet[IdempotentRequest]:
    """The row, as long as it has no answer and the lease `row.created_at` still holds."""
    return IdempotentRequest.objects.filter(pk=row.pk, status_code__isnull=True, created_at=row.created_at)


def _in_progress() -> Conflict:
    return Conflict(
        f"A request with this {HEADER} is still being processed; wait a moment, then send it again to get its answer.",
        "idempotency_key_in_progress",
    )


def _error_response(error: StintError) -> HttpResponse:
    return _response(error.status, error_body(error.detail, error.code))


def _response(status: int, body: Any, *, replayed: bool = False) -> HttpResponse:
    response = Response(body, status=status, content_type=CONTENT_TYPE)
    if replayed:
        response[REPLAYED_HEADER] = "true"
    return response
