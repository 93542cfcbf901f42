"""Shapes shared by every router."""

from __future__ import annotations

from typing import Annotated

from ninja import Schema
from pydantic import Field


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


# Ids the database can hold (SQLite and PostgreSQL integers are 64-bit): anything else is malformed, not a 500.
Id = Annotated[int, Field(ge=1, le=2**63 - 1)]
# Seconds within about 31 years either way: enough for any record or estimate; negative durations still reach the
# entry rules, which explain why they are refused.
Seconds = Annotated[int, Field(ge=-(10**9), le=10**9)]
