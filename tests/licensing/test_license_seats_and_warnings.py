"""On a licensed on-prem server: seats are enforced when a named user is added, and the owner is warned 30, 7 and
1 days before the license expires."""

from __future__ import annotations

from datetime import timedelta

import pytest

from stint.accounts.models import Account
from stint.accounts.services import named_user_add, named_user_deactivate
from stint.core.clock import FrozenClock
from stint.core.errors import PaymentRequired
from stint.licensing.keys import SigningKey
from stint.licensing.models import ServerIdentity
from stint.licensing.online import licensing_tick
from stint.licensing.onprem import license_install
from stint.notifications.models import AccountEvent
from tests.api.conftest import assert_error
from tests.conftest import Api, Mailbox, Person, deliver
from tests.licensing.conftest import START, make_license
from tests.web.conftest import logged_in, text

pytestmark = pytest.mark.usefixtures("onprem")


def _add(alice: Person, n: int) -> None:
    for i in range(n):
        named_user_add(account=alice.account, actor=alice.user, email=f"user{i}@example.com", name=f"User {i}")


def test_a_named_user_beyond_the_licenses_seats_is_refused_with_how_to_get_more(
    frozen: FrozenClock, license_key: SigningKey, alice: Person, api: Api
) -> None:
    license_install(text=make_license(license_key, seats=3))
    _add(alice, 2)  # alice + 2 = 3 named users
    answer = api.as_(alice).post("/users", {"email": "dora@example.com", "name": "Dora", "role": "member"})
    body = assert_error(answer, 402, "license_seat_limit")
    assert "covers 3 named users" in body["detail"]
    assert "buy seats" in body["detail"]
    assert not Account.objects.get(pk=alice.account.pk).memberships.filter(user__email="dora@example.com").exists()


def test_a_deactivated_users_seat_can_be_given_to_someone_else(
    frozen: FrozenClock, license_key: SigningKey, alice: Person
) -> None:
    license_install(text=make_license(license_key, seats=2))
    _add(alice, 1)
    with pytest.raises(PaymentRequired):
        named_user_add(account=alice.account, actor=alice.user, email="x@example.com", name="X")
    membership = alice.account.memberships.get(user__email="user0@example.com")
    named_user_deactivate(account=alice.account, actor=alice.user, membership=membership)
    named_user_add(account=alice.account, actor=alice.user, email="x@example.com", name="X")


def test_the_trial_has_no_seat_limit_and_nothing_is_charged(frozen: FrozenClock, alice: Person) -> None:
    _add(alice, 6)
    assert alice.account.memberships.filter(active=True).count() == 7


def test_on_free_after_the_trial_the_free_limit_applies(frozen: FrozenClock, alice: Person) -> None:
    from stint.billing.services import billing_tick

    frozen.advance(timedelta(days=31).total_seconds())
    billing_tick()
    _add(alice, 2)
    with pytest.raises(PaymentRequired) as refused:
        named_user_add(account=alice.account, actor=alice.user, email="x@example.com", name="X")
    assert refused.value.code == "edition_user_limit"


def test_the_owner_is_warned_30_7_and_1_days_before_expiry_once_each(
    frozen: FrozenClock, license_key: SigningKey, alice: Person, mailbox: Mailbox
) -> None:
    license_install(text=make_license(license_key, expires_at=START + timedelta(days=40)))
    licensing_tick()
    warnings = AccountEvent.objects.filter(account=alice.account, type="license.expiring")
    assert warnings.count() == 0
    for day in (10, 11, 33, 34, 39, 39):
        frozen.set(START + timedelta(days=day, hours=1))
        licensing_tick()
    assert warnings.count() == 3
    assert [e.data["license_days_left"] for e in warnings.order_by("created_at")] == [30, 7, 1]
    deliver()
    bodies = [m for m in mailbox.to(alice.email) if "expires" in str(m["Subject"]) or "expires" in str(m)]
    assert bodies


def test_a_server_off_for_weeks_sends_only_the_nearest_warning(
    frozen: FrozenClock, license_key: SigningKey, alice: Person
) -> None:
    license_install(text=make_license(license_key, expires_at=START + timedelta(days=40)))
    frozen.set(START + timedelta(days=35))
    licensing_tick()
    licensing_tick()
    days = list(
        AccountEvent.objects.filter(account=alice.account, type="license.expiring").values_list(
            "data__license_days_left", flat=True
        )
    )
    assert days == [7]


def test_a_renewed_license_starts_the_warnings_again(
    frozen: FrozenClock, license_key: SigningKey, alice: Person
) -> None:
    license_install(text=make_license(license_key, expires_at=START + timedelta(days=20)))
    licensing_tick()
    license_install(text=make_license(license_key, expires_at=START + timedelta(days=385)))
    frozen.set(START + timedelta(days=360))
    licensing_tick()
    assert AccountEvent.objects.filter(account=alice.account, type="license.expiring").count() == 2


def test_the_tick_notes_the_peak_of_named_users(frozen: FrozenClock, alice: Person) -> None:
    _add(alice, 3)
    licensing_tick()
    named_user_deactivate(
        account=alice.account,
        actor=alice.user,
        membership=alice.account.memberships.get(user__email="user0@example.com"),
    )
    licensing_tick()
    assert ServerIdentity.objects.get().peak_users == 4


def test_admins_see_an_expiring_license_on_every_page_members_do_not(
    frozen: FrozenClock, license_key: SigningKey, alice: Person, bob: Person
) -> None:
    license_install(text=make_license(license_key, expires_at=START + timedelta(days=40)))
    assert "data-license-warning" not in logged_in(alice).get("/week/").content.decode()  # 40 days left

    frozen.set(START + timedelta(days=30, hours=1))
    page = text(logged_in(alice).get("/week/"))
    assert "The license expires on" in page and "(in 9 days)" in page
    assert "data-license-warning" not in logged_in(bob).get("/week/").content.decode()

    frozen.set(START + timedelta(days=45))
    assert "its grace ends on" in text(logged_in(alice).get("/records/"))
