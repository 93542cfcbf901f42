"""Billing API tests: the clock stands at START (2026-01-31 09:00 UTC) before anyone signs up, so trials, periods
and invoice numbers are known. A monthly period bought at START ends on 2026-02-28 09:00 (28 days)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from email.message import EmailMessage
from typing import Any

import pytest

from stint.core import clock
from stint.core.clock import FrozenClock
from tests.billing.conftest import DECLINED, FAILS_LATER, START, VISA
from tests.conftest import Api, Person, Response

__all__ = ["DECLINED", "FAILS_LATER", "START", "VISA"]

AMEX = {"type": "card", "number": "378282246310005", "exp_month": 12, "exp_year": 2030, "cvc": "1234"}
MASTERCARD = {"type": "card", "number": "5555555555554444", "exp_month": 12, "exp_year": 2030, "cvc": "123"}
DISCOVER = {"type": "card", "number": "6011111111111117", "exp_month": 12, "exp_year": 2030, "cvc": "123"}
BANK_TRANSFER = {"type": "bank_transfer"}
DAY = 86400


@pytest.fixture(autouse=True)
def frozen() -> Iterator[FrozenClock]:
    """Autouse, so it stands before the people fixtures sign up."""
    with clock.using(FrozenClock(START)) as frozen_clock:
        assert isinstance(frozen_clock, FrozenClock)
        yield frozen_clock


def z(moment: datetime) -> str:
    """How the API writes an instant: UTC, whole seconds, `Z`."""
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def purchase(
    api: Api,
    person: Person,
    *,
    plan: str = "regular",
    interval: str = "month",
    payment_method: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> Response:
    body = {"plan": plan, "interval": interval, "payment_method": payment_method or VISA, **extra}
    return api.as_(person).post("/subscription", body, headers=headers)


def bought(api: Api, person: Person, **kwargs: Any) -> dict[str, Any]:
    response = purchase(api, person, **kwargs)
    assert response.status_code == 201, response
    return response.json()


@pytest.fixture
def regular(api: Api, alice: Person, bob: Person) -> dict[str, Any]:
    """Alice buys Regular, monthly, with the Visa test card, for herself and Bob: USD 18.00 at START."""
    return bought(api, alice)


def pdf_attachments(message: EmailMessage) -> dict[str, bytes]:
    return {
        str(part.get_filename()): part.get_content()
        for part in message.iter_attachments()
        if part.get_content_type() == "application/pdf"
    }
