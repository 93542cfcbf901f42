from __future__ import annotations

from collections.abc import Iterator

import pytest

from stint.billing.services import subscription_purchase
from stint.core import clock
from stint.core.clock import FrozenClock
from tests.billing.conftest import START, VISA
from tests.conftest import Person
from tests.web.conftest import logged_in, text


@pytest.fixture
def frozen() -> Iterator[FrozenClock]:
    with clock.using(FrozenClock(START)) as frozen_clock:
        assert isinstance(frozen_clock, FrozenClock)
        yield frozen_clock


def test_the_users_page_tells_the_charge_before_someone_is_added(frozen: FrozenClock, alice: Person) -> None:
    subscription_purchase(
        account=alice.account, actor=alice.user, plan="regular", interval="month", payment_method=VISA
    )
    frozen.advance(14 * 86400)  # half of February 2026's 28 days
    page = text(logged_in(alice).get("/settings/users/"))
    assert "Adding a user now charges USD 4.50 to the card at once" in page
    assert "Feb 28, 2026 09:00 UTC" in page


def test_the_remove_confirmation_tells_the_credit(frozen: FrozenClock, alice: Person, bob: Person) -> None:
    subscription_purchase(
        account=alice.account, actor=alice.user, plan="regular", interval="month", payment_method=VISA
    )
    frozen.advance(21 * 86400)
    page = text(logged_in(alice).get(f"/settings/users/{bob.user.pk}/remove/"))
    assert "USD 2.25 for the rest of the period (until Feb 28, 2026 09:00 UTC) is credited to your balance" in page


def test_a_trial_shows_no_charge(alice: Person) -> None:
    page = text(logged_in(alice).get("/settings/users/"))
    assert "charges" not in page
