"""My Account tests: the clock stands at START (2026-01-31 09:00 UTC) before anyone signs up, so trials, periods and
invoice numbers are known. A monthly period bought at START ends on 2026-02-28 09:00 UTC (28 days)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.test import Client

from stint.billing.models import Subscription
from stint.billing.services import subscription_purchase
from stint.core import clock
from stint.core.clock import FrozenClock
from tests.billing.conftest import START, VISA
from tests.conftest import Person

__all__ = ["START", "VISA"]

PAGE = "/settings/account/"
DAY = 86400


@pytest.fixture(autouse=True)
def frozen() -> Iterator[FrozenClock]:
    """Autouse, so it stands before the people fixtures sign up."""
    with clock.using(FrozenClock(START)) as frozen_clock:
        assert isinstance(frozen_clock, FrozenClock)
        yield frozen_clock


def card(number: str = "4242 4242 4242 4242", *, cvc: str = "123", **extra: str) -> dict[str, str]:
    """The payment part of a form as a person fills it in: a card."""
    return {"payment_method": "card", "number": number, "exp_month": "12", "exp_year": "2030", "cvc": cvc, **extra}


def buy(browser: Client, offer: str = "regular:month", **fields: Any) -> Any:
    return browser.post(f"{PAGE}buy/", {"offer": offer, **card(), **fields})


def bought(person: Person, *, plan: str = "regular", interval: str = "month", **kwargs: Any) -> Subscription:
    """Buy through the service (the page tests that need a paid subscription start from here)."""
    subscription, _ = subscription_purchase(
        account=person.account, actor=person.user, plan=plan, interval=interval, payment_method=VISA, **kwargs
    )
    return subscription


def subscription(person: Person) -> Subscription:
    return Subscription.objects.get(account=person.account)
