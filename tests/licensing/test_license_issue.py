"""Issuing, in the cloud: a license for a paid subscription, bound to the requesting server, with a serial that only
grows; Regular covers one server, Enterprise several; seats bought on the way are charged like any seat change."""

from __future__ import annotations

import secrets
import uuid
from datetime import timedelta
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from stint.accounts.models import User
from stint.billing.models import Invoice, Subscription
from stint.billing.services import subscription_refund
from stint.core.clock import FrozenClock
from stint.core.errors import Conflict, Invalid, PaymentRequired
from stint.licensing.files import LicenseRefused, fingerprint_of, license_verify, request_sign, timestamp
from stint.licensing.issuing import license_issue, subscription_by_key, subscription_key_regenerate
from stint.licensing.keys import SigningKey, public_key_b64
from stint.licensing.models import IssuedLicense, LicensedServer
from stint.licensing.selectors import onprem_seats_in_use
from tests.conftest import Api, Mailbox, Person, deliver
from tests.licensing.conftest import START, VISA

VIA = IssuedLicense.Via.BACKOFFICE


def server_request(*, key: Ed25519PrivateKey | None = None, server_id: str | None = None, **fields: Any) -> str:
    """A request file as an on-prem server writes it (its own key pair, its own id)."""
    key = key or Ed25519PrivateKey.generate()
    public = public_key_b64(key.public_key())
    payload = {
        "format": 1,
        "product": "stint",
        "version": "0.1.0",
        "server_id": server_id or str(uuid.uuid4()),
        "server_public_key": public,
        "fingerprint": fingerprint_of(public),
        "nonce": secrets.token_hex(16),
        "license_id": None,
        "serial": 0,
        "active_users": 4,
        "peak_users": 5,
        "account_name": "ACME on-prem",
        "created_at": timestamp(START),
        **fields,
    }
    return request_sign(payload, key)


def buy(api: Api, person: Person, plan: str = "regular") -> dict[str, Any]:
    answer = api.as_(person).post("/subscription", {"plan": plan, "interval": "year", "payment_method": VISA})
    assert answer.status_code == 201, answer
    return answer.json()["subscription"]


def test_a_paid_subscription_gets_a_license_bound_to_the_requesting_server(
    frozen: FrozenClock, license_key: SigningKey, alice: Person, api: Api, mailbox: Mailbox
) -> None:
    subscription = buy(api, alice)
    server_id = str(uuid.uuid4())
    issued = license_issue(account=alice.account, request_text=server_request(server_id=server_id), actor=None, via=VIA)
    license = license_verify(issued.text)
    assert (license.server_id, license.edition, license.seats, license.grace_days) == (server_id, "regular", 1, 14)
    assert license.expires_at.isoformat() == subscription["current_period_end"].replace("Z", "+00:00")
    assert license.licensee_email == alice.email and license.account_id == alice.account.pk
    deliver()
    assert any(s.startswith("License for your on-prem server") for s in mailbox.subjects(alice.email))


def test_the_same_request_answered_again_has_a_higher_serial(
    frozen: FrozenClock, license_key: SigningKey, alice: Person, api: Api
) -> None:
    buy(api, alice)
    request = server_request()
    serials = [
        license_verify(license_issue(account=alice.account, request_text=request, actor=None, via=VIA).text).serial
        for _ in range(3)
    ]
    assert serials == [1, 2, 3]
    assert LicensedServer.objects.count() == 1


def test_the_serial_continues_above_what_the_server_already_holds(
    frozen: FrozenClock, license_key: SigningKey, alice: Person, api: Api
) -> None:
    buy(api, alice)
    issued = license_issue(account=alice.account, request_text=server_request(serial=41), actor=None, via=VIA)
    assert issued.serial == 42


@pytest.mark.parametrize("edition", ["trial", "free"])
def test_a_trial_or_free_account_gets_no_license(
    frozen: FrozenClock, license_key: SigningKey, alice: Person, edition: str
) -> None:
    from tests.conftest import edition_set

    edition_set(alice.account, edition)
    with pytest.raises(PaymentRequired) as refused:
        license_issue(account=alice.account, request_text=server_request(), actor=None, via=VIA)
    assert refused.value.code == "license_needs_subscription"
    assert "paid subscription" in refused.value.detail


def test_regular_covers_one_server(frozen: FrozenClock, license_key: SigningKey, alice: Person, api: Api) -> None:
    buy(api, alice)
    license_issue(account=alice.account, request_text=server_request(), actor=None, via=VIA)
    with pytest.raises(Conflict) as refused:
        license_issue(account=alice.account, request_text=server_request(), actor=None, via=VIA)
    assert refused.value.code == "license_server_limit"


def test_a_released_server_frees_the_regular_subscription_for_another(
    frozen: FrozenClock, license_key: SigningKey, alice: Person, api: Api
) -> None:
    buy(api, alice)
    license_issue(account=alice.account, request_text=server_request(), actor=None, via=VIA)
    LicensedServer.objects.update(released_at=START)
    license_issue(account=alice.account, request_text=server_request(), actor=None, via=VIA)


def test_enterprise_covers_several_servers(
    frozen: FrozenClock, license_key: SigningKey, alice: Person, api: Api
) -> None:
    buy(api, alice, plan="enterprise")
    for n in range(1, 4):
        # Each server has 4 named users: its seats come on top of the other servers'.
        issued = license_issue(account=alice.account, request_text=server_request(), actor=None, via=VIA, seats=4)
        license = license_verify(issued.text)
        assert (license.edition, license.seats) == ("enterprise", 4)
        assert api.as_(alice).get("/subscription").json()["seats"] == 4 * n
    assert LicensedServer.objects.filter(account=alice.account).count() == 3

    # A fourth server asking without buying its seats: every seat is taken by the other three.
    with pytest.raises(PaymentRequired) as refused:
        license_issue(account=alice.account, request_text=server_request(), actor=None, via=VIA)
    assert refused.value.code == "license_no_seats_left"
    assert LicensedServer.objects.filter(account=alice.account).count() == 3


def test_a_refused_server_buys_no_seats(frozen: FrozenClock, license_key: SigningKey, alice: Person, api: Api) -> None:
    buy(api, alice)  # Regular: one server
    license_issue(account=alice.account, request_text=server_request(), actor=None, via=VIA)
    invoices = Invoice.objects.filter(account=alice.account).count()
    with pytest.raises(Conflict) as refused:
        license_issue(account=alice.account, request_text=server_request(), actor=None, via=VIA, seats=4)
    assert refused.value.code == "license_server_limit"
    assert Invoice.objects.filter(account=alice.account).count() == invoices
    assert api.as_(alice).get("/subscription").json()["seats"] == 1


def test_online_activation_buys_no_seats_ahead_of_the_servers_users(
    frozen: FrozenClock, license_key: SigningKey, alice: Person, api: Api
) -> None:
    buy(api, alice)
    with pytest.raises(Invalid) as refused:
        license_issue(account=alice.account, request_text=server_request(), actor=None, via="activation", seats=100_000)
    assert refused.value.code == "seats_invalid"
    assert api.as_(alice).get("/subscription").json()["seats"] == 1


def test_a_request_from_a_copy_of_a_server_with_another_key_is_refused(
    frozen: FrozenClock, license_key: SigningKey, alice: Person, api: Api
) -> None:
    buy(api, alice)
    server_id = str(uuid.uuid4())
    license_issue(account=alice.account, request_text=server_request(server_id=server_id), actor=None, via=VIA)
    with pytest.raises(Conflict) as refused:
        license_issue(account=alice.account, request_text=server_request(server_id=server_id), actor=None, via=VIA)
    assert refused.value.code == "server_key_changed"


def test_a_tampered_request_is_refused(frozen: FrozenClock, license_key: SigningKey, alice: Person, api: Api) -> None:
    buy(api, alice)
    text = server_request()
    lines = text.splitlines()
    body_line = next(i for i, line in enumerate(lines) if line.startswith("-----BEGIN")) + 1
    lines[body_line] = ("B" if lines[body_line][0] != "B" else "C") + lines[body_line][1:]
    with pytest.raises(LicenseRefused) as refused:
        license_issue(account=alice.account, request_text="\n".join(lines), actor=None, via=VIA)
    assert refused.value.code.startswith("request_")


def test_seats_above_the_subscriptions_are_bought_first(
    frozen: FrozenClock, license_key: SigningKey, alice: Person, api: Api
) -> None:
    buy(api, alice)
    frozen.advance(timedelta(days=30).total_seconds())
    request = server_request()
    issued = license_issue(account=alice.account, request_text=request, actor=None, via=VIA, seats=6)
    assert issued.seats == 6
    assert Subscription.objects.get(account=alice.account).seats == 6
    invoice = Invoice.objects.filter(account=alice.account, billing_reason="seat_change").get()
    assert invoice.status == "paid" and invoice.lines.get().quantity == 5
    # Asked again with the same seats: nothing more is bought.
    license_issue(account=alice.account, request_text=request, actor=None, via=VIA, seats=6)
    assert Invoice.objects.filter(account=alice.account, billing_reason="seat_change").count() == 1


def test_a_declined_seat_purchase_issues_nothing(
    frozen: FrozenClock, license_key: SigningKey, alice: Person, api: Api
) -> None:
    from tests.licensing.conftest import DECLINED_LATER

    answer = api.as_(alice).post("/subscription", {"plan": "regular", "interval": "year", "payment_method": VISA})
    assert answer.status_code == 201
    assert api.as_(alice).put("/subscription/payment-method", DECLINED_LATER).status_code == 200
    with pytest.raises(PaymentRequired):
        license_issue(account=alice.account, request_text=server_request(), actor=None, via=VIA, seats=3)
    assert not IssuedLicense.objects.exists()
    assert Subscription.objects.get(account=alice.account).seats == 1
    assert Invoice.objects.get(account=alice.account, billing_reason="seat_change").status == "void"


def test_the_renewal_charges_for_the_named_users_the_servers_reported(
    frozen: FrozenClock, license_key: SigningKey, alice: Person, api: Api
) -> None:
    from stint.billing.services import billing_tick

    buy(api, alice)
    license_issue(account=alice.account, request_text=server_request(active_users=9), actor=None, via=VIA)
    assert onprem_seats_in_use(account=alice.account) == 9
    frozen.advance(timedelta(days=366).total_seconds())
    billing_tick()
    renewal = Invoice.objects.get(account=alice.account, billing_reason="renewal")
    assert renewal.lines.get().quantity == 9
    assert Subscription.objects.get(account=alice.account).seats == 9


def test_removing_a_cloud_user_credits_no_seat_an_onprem_server_holds(
    frozen: FrozenClock, license_key: SigningKey, alice: Person, bob: Person, api: Api
) -> None:
    from stint.billing.models import CreditNote

    buy(api, alice)  # 2 seats: alice and bob
    license_issue(account=alice.account, request_text=server_request(active_users=2), actor=None, via=VIA)
    assert api.as_(alice).delete(f"/users/{bob.id}").status_code == 204
    assert Subscription.objects.get(account=alice.account).seats == 2
    assert not CreditNote.objects.filter(account=alice.account).exists()


def test_the_subscription_key_finds_its_subscription_until_regenerated(
    frozen: FrozenClock, alice: Person, bob: Person
) -> None:
    from stint.core.errors import Forbidden, NotAuthenticated

    old = Subscription.objects.get(account=alice.account).subscription_key
    assert subscription_by_key(subscription_key=old).account_id == alice.account.pk
    with pytest.raises(Forbidden):
        subscription_key_regenerate(account=alice.account, actor=bob.user)
    new = subscription_key_regenerate(account=alice.account, actor=alice.user)
    assert new != old and new.startswith("sk_")
    with pytest.raises(NotAuthenticated):
        subscription_by_key(subscription_key=old)


def test_without_a_signing_key_nothing_is_issued_or_bought(
    frozen: FrozenClock, alice: Person, api: Api, settings: Any
) -> None:
    from stint.licensing.keys import SigningKeyUnavailable

    buy(api, alice)
    settings.STINT_LICENSE_SIGNING_KEY = ""
    with pytest.raises(SigningKeyUnavailable) as refused:
        license_issue(account=alice.account, request_text=server_request(), actor=None, via=VIA, seats=5)
    assert refused.value.status == 503
    assert Subscription.objects.get(account=alice.account).seats == 1


def test_a_subscription_licensing_a_server_by_file_is_refunded_by_sales_not_by_the_customer(
    frozen: FrozenClock, license_key: SigningKey, alice: Person, api: Api
) -> None:
    buy(api, alice)
    license_issue(account=alice.account, request_text=server_request(), actor=None, via=VIA)

    refused = api.as_(alice).post("/subscription/refund", {})
    assert refused.status_code == 409 and refused.json()["code"] == "refund_needs_sales"
    assert "ask our sales team for the refund" in refused.json()["detail"]
    assert Subscription.objects.get(account=alice.account).edition == "regular"

    staff = User.objects.create_superuser("sales@stint.localhost", "correct horse battery", name="Sam Sales")
    notes = subscription_refund(account=alice.account, actor=staff, by_staff=True)
    assert notes and Subscription.objects.get(account=alice.account).edition == "free"


def test_a_subscription_licensing_only_online_servers_is_refunded_by_the_customer(
    frozen: FrozenClock, license_key: SigningKey, alice: Person, api: Api
) -> None:
    buy(api, alice)
    license_issue(account=alice.account, request_text=server_request(), actor=None, via="activation")

    assert api.as_(alice).post("/subscription/refund", {}).status_code == 200
    assert Subscription.objects.get(account=alice.account).edition == "free"
