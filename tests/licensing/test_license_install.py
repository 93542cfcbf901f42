"""Installing a license on an on-prem server: bound to this server, never an older serial, within its dates (with
grace), never with a clock set back; the server's edition follows the license."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from stint.accounts.models import Account
from stint.billing.models import Subscription
from stint.core.clock import FrozenClock
from stint.licensing.files import LicenseRefused
from stint.licensing.keys import SigningKey, public_key_b64
from stint.licensing.models import InstalledLicense
from stint.licensing.online import licensing_tick
from stint.licensing.onprem import license_install, license_status
from stint.licensing.server import server_identity
from tests.conftest import Mailbox, Person, deliver
from tests.licensing.conftest import START, make_license

pytestmark = pytest.mark.usefixtures("onprem")


def _refused(text: str) -> LicenseRefused:
    with pytest.raises(LicenseRefused) as refused:
        license_install(text=text)
    return refused.value


def test_the_server_gets_its_id_and_key_pair_once(db: None) -> None:
    first = server_identity()
    again = server_identity()
    assert (again.server_id, again.public_key) == (first.server_id, first.public_key)
    assert isinstance(first.server_id, uuid.UUID)
    assert "PRIVATE KEY" in first.private_key


def test_a_valid_license_makes_the_server_regular_with_its_seats(
    frozen: FrozenClock, license_key: SigningKey, alice: Person
) -> None:
    installed = license_install(text=make_license(license_key, seats=12), actor=alice.user)
    assert installed.serial == 1
    alice.account.refresh_from_db()
    assert alice.account.edition == "regular"
    subscription = Subscription.objects.get(account=alice.account)
    assert (subscription.status, subscription.seats, subscription.current_period_end) == ("active", 12, None)
    assert license_status().status == "valid"


def test_the_owner_is_told_of_the_installed_license_once(
    frozen: FrozenClock, license_key: SigningKey, alice: Person, mailbox: Mailbox
) -> None:
    text = make_license(license_key, seats=12)
    license_install(text=text)
    license_install(text=text)  # the same file again: changes nothing
    license_install(text=make_license(license_key, seats=12))  # a refresh with the same terms: no news
    deliver()
    installed = [m for m in mailbox.to(alice.email) if str(m["Subject"]).startswith("License installed")]
    assert len(installed) == 1
    assert "12" in installed[0].get_body(preferencelist=("plain",)).get_content()  # type: ignore[union-attr]
    assert InstalledLicense.objects.count() == 2


def test_it_refuses_another_servers_license(frozen: FrozenClock, license_key: SigningKey, alice: Person) -> None:
    refusal = _refused(make_license(license_key, server_id=str(uuid.uuid4())))
    assert refusal.code == "license_other_server"
    assert str(server_identity().server_id) in refusal.detail
    assert Account.objects.get(pk=alice.account.pk).edition == "trial"


def test_it_refuses_a_license_for_this_server_id_but_another_key(
    frozen: FrozenClock, license_key: SigningKey, alice: Person
) -> None:
    other_key = public_key_b64(Ed25519PrivateKey.generate().public_key())
    assert _refused(make_license(license_key, server_public_key=other_key)).code == "license_other_server"


def test_it_refuses_an_older_serial(frozen: FrozenClock, license_key: SigningKey, alice: Person) -> None:
    older = make_license(license_key, serial=3)
    license_install(text=make_license(license_key, serial=5))
    refusal = _refused(older)
    assert refusal.code == "license_serial_old"
    assert "serial 3" in refusal.detail and "serial 5" in refusal.detail


def test_an_expired_license_inside_its_grace_is_installed_and_still_counts(
    frozen: FrozenClock, license_key: SigningKey, alice: Person
) -> None:
    text = make_license(license_key, expires_at=START - timedelta(days=3), not_before=START - timedelta(days=300))
    license_install(text=text)
    status = license_status()
    assert (status.status, status.in_grace) == ("expired", True)
    assert "grace ends" in status.detail
    assert Account.objects.get(pk=alice.account.pk).edition == "regular"


def test_an_expired_license_after_its_grace_is_refused(
    frozen: FrozenClock, license_key: SigningKey, alice: Person
) -> None:
    refusal = _refused(
        make_license(license_key, expires_at=START - timedelta(days=15), not_before=START - timedelta(days=300))
    )
    assert refusal.code == "license_expired"
    assert "14 days of grace ended" in refusal.detail


def test_the_server_runs_as_free_once_the_grace_is_over(
    frozen: FrozenClock, license_key: SigningKey, alice: Person, mailbox: Mailbox
) -> None:
    license_install(text=make_license(license_key, expires_at=START + timedelta(days=10)))
    frozen.advance(timedelta(days=23).total_seconds())
    licensing_tick()
    assert Account.objects.get(pk=alice.account.pk).edition == "regular"  # expired 13 days ago: in grace
    assert license_status().status == "expired"
    frozen.advance(timedelta(days=2).total_seconds())
    licensing_tick()
    assert Account.objects.get(pk=alice.account.pk).edition == "free"
    deliver()
    assert any("now on the Free edition" in subject for subject in mailbox.subjects(alice.email))


def test_a_license_not_yet_valid_is_refused(frozen: FrozenClock, license_key: SigningKey, alice: Person) -> None:
    refusal = _refused(make_license(license_key, not_before=START + timedelta(days=2)))
    assert refusal.code == "license_not_yet_valid"


def test_it_refuses_a_license_when_the_clock_was_set_back(
    frozen: FrozenClock, license_key: SigningKey, alice: Person
) -> None:
    licensing_tick()  # the server sees START
    frozen.set(START - timedelta(hours=2))
    refusal = _refused(make_license(license_key, not_before=START - timedelta(days=10)))
    assert refusal.code == "clock_set_back"
    assert "set back" in refusal.detail


def test_setting_the_clock_back_does_not_revive_an_expired_license(
    frozen: FrozenClock, license_key: SigningKey, alice: Person
) -> None:
    license_install(text=make_license(license_key, expires_at=START + timedelta(days=1)))
    frozen.advance(timedelta(days=30).total_seconds())
    licensing_tick()
    assert Account.objects.get(pk=alice.account.pk).edition == "free"
    frozen.set(START)  # back to when the license was valid
    licensing_tick()
    status = license_status()
    assert (status.status, status.code) == ("invalid", "clock_set_back")
    assert Account.objects.get(pk=alice.account.pk).edition == "free"


def test_a_small_clock_step_back_is_tolerated(frozen: FrozenClock, license_key: SigningKey, alice: Person) -> None:
    licensing_tick()
    frozen.set(START - timedelta(minutes=2))
    license_install(text=make_license(license_key))
    assert license_status().status == "valid"


def test_after_the_trial_without_a_license_the_server_runs_as_free(frozen: FrozenClock, alice: Person) -> None:
    from stint.billing.services import billing_tick

    frozen.advance(timedelta(days=31).total_seconds())
    billing_tick()
    licensing_tick()
    assert Account.objects.get(pk=alice.account.pk).edition == "free"
    assert license_status().status == "none"


def test_a_license_installed_during_the_trial_outlasts_the_trial(
    frozen: FrozenClock, license_key: SigningKey, alice: Person
) -> None:
    from stint.billing.services import billing_tick

    license_install(text=make_license(license_key))
    frozen.advance(timedelta(days=40).total_seconds())
    billing_tick()  # the billing tick leaves a licensed server alone
    licensing_tick()
    assert Account.objects.get(pk=alice.account.pk).edition == "regular"


def test_a_license_installed_on_free_brings_the_edition_back(
    frozen: FrozenClock, license_key: SigningKey, alice: Person
) -> None:
    from stint.billing.services import billing_tick

    frozen.advance(timedelta(days=31).total_seconds())
    billing_tick()
    assert Account.objects.get(pk=alice.account.pk).edition == "free"
    license_install(text=make_license(license_key, edition="enterprise", not_before=START))
    assert Account.objects.get(pk=alice.account.pk).edition == "enterprise"


def test_a_license_whose_key_is_no_longer_trusted_becomes_invalid(
    frozen: FrozenClock, license_key: SigningKey, alice: Person, settings: object
) -> None:
    license_install(text=make_license(license_key))
    settings.STINT_LICENSE_EXTRA_KEYS = ""  # type: ignore[attr-defined]
    licensing_tick()
    assert license_status().code == "license_unknown_key"
    assert Account.objects.get(pk=alice.account.pk).edition == "free"


def test_the_cloud_installs_no_license(
    db: None, frozen: FrozenClock, license_key: SigningKey, settings: object
) -> None:
    settings.STINT_MODE = "cloud"  # type: ignore[attr-defined]
    assert _refused(make_license(license_key)).code == "not_onprem"
