"""The one error shape: a sentence a person can act on, a stable code, an HTTP status.

Services raise these; the API turns them into `{"detail", "code"}` and the web pages show `detail` next to the
field named by `field`.
"""

from __future__ import annotations


class StintError(Exception):
    status = 400
    default_code = "bad_request"

    def __init__(self, detail: str, code: str | None = None, *, field: str | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.code = code or self.default_code
        self.field = field


class Malformed(StintError):
    status = 400
    default_code = "malformed"


class NotAuthenticated(StintError):
    status = 401
    default_code = "not_authenticated"


class PaymentRequired(StintError):
    status = 402
    default_code = "payment_required"


class Forbidden(StintError):
    status = 403
    default_code = "forbidden"


class NotFound(StintError):
    status = 404
    default_code = "not_found"


class Conflict(StintError):
    status = 409
    default_code = "conflict"


class Invalid(StintError):
    status = 422
    default_code = "invalid"


class Throttled(StintError):
    status = 429
    default_code = "throttled"
