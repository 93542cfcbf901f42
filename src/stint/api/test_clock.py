"""API.md "Test clock (never in production)": move the installation's clock forward and run the worker's ticks.

Only with STINT_TEST_CLOCK=1; without it the path answers 404 like any unknown one, with or without a token, and is
left out of the OpenAPI document.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from ninja import Router, Schema
from pydantic import Field

from stint.accounts.models import ApiToken
from stint.api.auth import ApiRequest, TokenAuth
from stint.api.schemas import errors
from stint.core.errors import NotFound
from stint.core.test_clock import ClockReading, clock_move, clock_read
from stint.settings import env_flag


class TestClockAuth(TokenAuth):
    """A token, as everywhere; but without the flag the endpoint does not exist, so 404 comes before 401."""

    def __call__(self, request: HttpRequest) -> ApiToken | None:
        if not settings.STINT_TEST_CLOCK:
            raise NotFound(f"There is no API endpoint at {request.path}.", "not_found")
        return super().__call__(request)


router = Router(tags=["Test clock"], auth=TestClockAuth())

# Whether the OpenAPI document lists the endpoint is decided once, from the environment the server started with
# (like the setting itself), not from when this module happens to be imported; tests that turn the setting on
# change what the path does, not the published document.
LISTED = env_flag("STINT_TEST_CLOCK")


class TestClockOut(Schema):
    now: datetime = Field(description="The installation's time.")
    real_now: datetime = Field(description="The real time.")
    offset_s: int = Field(description="Whole seconds the installation's clock runs ahead of the real one.")
    moved_to: datetime | None = Field(description="The instant the clock was last moved to (null: never moved).")

    @staticmethod
    def of(reading: ClockReading) -> dict[str, Any]:
        return {
            "now": reading.now.astimezone(UTC),
            "real_now": reading.real_now.astimezone(UTC),
            "offset_s": int(reading.offset.total_seconds()),
            "moved_to": reading.moved_to.astimezone(UTC) if reading.moved_to else None,
        }


class TestClockIn(Schema):
    now: datetime | None = Field(None, description="Move to this time (ISO 8601 with offset); not before now.")
    advance_s: int | None = Field(None, ge=-(10**12), le=10**12, description="Or move forward by these seconds.")


@router.get(
    "/test-clock",
    response={200: TestClockOut, **errors(401, 404)},
    include_in_schema=LISTED,
)
def clock_show(request: ApiRequest):
    """The installation's time and how far it runs ahead of the real time."""
    return TestClockOut.of(clock_read())


@router.post(
    "/test-clock",
    response={200: TestClockOut, **errors(400, 401, 404, 422)},
    include_in_schema=LISTED,
)
def clock_set(request: ApiRequest, payload: TestClockIn):
    """Move the installation's clock forward (`now` or `advance_s`, never back), run the billing tick and the
    worker's other ticks at the new time, and answer once they are done. The clock then runs on at real speed."""
    return TestClockOut.of(clock_move(to=payload.now, advance_s=payload.advance_s))
