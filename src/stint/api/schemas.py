"""Shapes shared by every router."""

from __future__ import annotations

from ninja import Schema


class Error(Schema):
    detail: str
    code: str


ERRORS = {
    400: Error,
    401: Error,
    402: Error,
    403: Error,
    404: Error,
    409: Error,
    422: Error,
    429: Error,
}


def errors(*statuses: int) -> dict[int, type[Error]]:
    return {status: ERRORS[status] for status in statuses}
