"""Buying from inside the installed software: an online on-prem server's Settings / My Account connects to the
customer's account in our cloud, buys and changes the subscription there, and installs the license that comes back.

The cloud is a real `stint serve` process on loopback with its own database; the on-prem server is this test's
Django (STINT_MODE=onprem), which reaches the cloud over HTTP."""

from __future__ import annotations

import itertools
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from stint.accounts.models import Account
from stint.licensing.files import LicenseRefused
from stint.licensing.keys import keygen
from stint.licensing.models import ServerIdentity
from stint.licensing.onprem import license_install, license_status
from stint.licensing.server import request_build
from tests.conftest import PASSWORD, Person
from tests.licensing.servers import Server, start_server, stop_server
from tests.web.conftest import field_error, logged_in, text

PAGE = "/settings/account/"
CARD = {"payment_method": "card", "number": "4242 4242 4242 4242", "exp_month": "12", "exp_year": "2030", "cvc": "123"}
_customers = itertools.count(1)
APOSTROPHE = "\N{RIGHT SINGLE QUOTATION MARK}"  # as the page prints it


@pytest.fixture(scope="module")
def cloud(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Server, Path]]:
    folder = tmp_path_factory.mktemp("cloud")
    key_id, public = keygen(folder / "signing.pem")
    (folder / "trusted_keys").write_text(f"{key_id} {public}\n")
    server = start_server(folder, STINT_MODE="cloud", STINT_LICENSE_SIGNING_KEY=str(folder / "signing.pem"))
    yield server, folder
    log = stop_server(server, folder)
    assert "Traceback" not in log, log[-3000:]


@pytest.fixture
def onprem_online(cloud: tuple[Server, Path], settings: Any) -> Server:
    """This test's Django is an on-prem server that knows the cloud and trusts its signing key (declare it before
    the people fixtures: sign-up is first-run only on-prem)."""
    server, folder = cloud
    settings.STINT_MODE = "onprem"
    settings.STINT_LICENSE_SERVER_URL = server.url
    settings.STINT_LICENSE_EXTRA_KEYS = str(folder / "trusted_keys")
    return server


@pytest.fixture
def customer(onprem_online: Server) -> tuple[Server, str]:
    """The customer's own account in the cloud (its admin's email; the password is PASSWORD)."""
    email = f"owner{next(_customers)}@acme.example"
    body = {"account_name": "ACME", "name": "Olive Owner", "email": email, "password": PASSWORD}
    status, answer = onprem_online.call("POST", "/signup", body)
    assert status == 201, answer
    return Server(onprem_online.url, onprem_online.process, token=answer["token"]), email


def connected(person: Person, email: str) -> Client:
    browser = logged_in(person)
    response = browser.post(f"{PAGE}cloud/connect/", {"email": email, "password": PASSWORD})
    assert response.status_code == 302, text(response)
    return browser


def idempotency_key(page: str) -> str:
    found = re.search(r'name="idempotency_key" value="([^"]+)"', page)
    assert found, page
    return found.group(1)


def test_an_admin_buys_from_the_on_prem_my_account_and_the_server_runs_on_the_license(
    onprem_online: Server, alice: Person, bob: Person, customer: tuple[Server, str]
) -> None:
    cloud, email = customer
    browser = logged_in(alice)
    assert f"Connect this server to your company{APOSTROPHE}s account in Stint{APOSTROPHE}s cloud" in text(
        browser.get(PAGE)
    )

    refused = browser.post(f"{PAGE}cloud/connect/", {"email": email, "password": "not the password"})
    assert "Stint's cloud refused the sign-in" in field_error(refused, "password")
    assert ServerIdentity.objects.get().cloud_token == ""

    browser = connected(alice, email)
    page = browser.get(PAGE).content.decode()
    assert "Buy a subscription" in page and "Regular, annual" in text(browser.get(PAGE))
    assert "2 named users" in text(browser.get(PAGE))  # Alice and Bob, on this server
    key = idempotency_key(page)

    bought = browser.post(f"{PAGE}cloud/buy/", {"offer": "regular:year", **CARD, "idempotency_key": key}, follow=True)
    assert "You bought Regular (annual) for 2 named users. Invoice INV-" in text(bought)
    status = license_status()
    assert status.status == "valid" and status.license is not None
    assert (status.license.edition, status.license.seats) == ("regular", 2)
    assert Account.objects.get(pk=alice.account.pk).edition == "regular"
    subscription = cloud.call("GET", "/subscription")[1]
    assert (subscription["plan"], subscription["interval"], subscription["seats"]) == ("regular", "year", 2)

    # The same form sent twice (a double click, a retry) buys once.
    browser.post(f"{PAGE}cloud/buy/", {"offer": "regular:year", **CARD, "idempotency_key": key})
    invoices = cloud.call("GET", "/invoices")[1]["items"]
    assert len(invoices) == 1 and invoices[0]["total_minor"] == 2 * 9000

    # The cloud's documents, downloaded here.
    listed = text(browser.get(PAGE))
    assert invoices[0]["number"] in listed and "Renews on" in listed
    assert "License Regular, 2 named users, paid up to" in listed  # what this server runs on
    assert "Plan Regular ()" not in listed and "charged or credited at once" not in listed
    pdf = browser.get(f"{PAGE}cloud/invoice/{invoices[0]['id']}/pdf/")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert pdf["Content-Disposition"] == f'attachment; filename="{invoices[0]["number"]}.pdf"'

    # Enterprise from now on: charged in the cloud, and the license follows at once.
    page = browser.get(PAGE).content.decode()
    changed = browser.post(
        f"{PAGE}cloud/plan/",
        {"offer": "enterprise:year", "payment_method": "current", "idempotency_key": idempotency_key(page)},
        follow=True,
    )
    assert "The subscription is now Enterprise (annual)." in text(changed)
    assert license_status().license.edition == "enterprise"  # type: ignore[union-attr]
    assert cloud.call("GET", "/subscription")[1]["plan"] == "enterprise"

    # Cancel at the end of the period, asked for with a confirmation.
    assert "Tick the box" in text(browser.post(f"{PAGE}cloud/cancel/", follow=True))
    assert cloud.call("GET", "/subscription")[1]["cancel_at_period_end"] is False
    cancelled = browser.post(f"{PAGE}cloud/cancel/", {"confirm": "yes"}, follow=True)
    assert "The subscription is cancelled" in text(cancelled)
    assert cloud.call("GET", "/subscription")[1]["cancel_at_period_end"] is True
    assert "Resume subscription" in text(browser.get(PAGE))


def test_a_declined_card_is_answered_next_to_the_card_number_and_buys_nothing(
    onprem_online: Server, alice: Person, customer: tuple[Server, str]
) -> None:
    cloud, email = customer
    browser = connected(alice, email)
    key = idempotency_key(browser.get(PAGE).content.decode())
    declined = {**CARD, "number": "4000 0000 0000 0002"}
    response = browser.post(f"{PAGE}cloud/buy/", {"offer": "regular:month", **declined, "idempotency_key": key})
    assert response.status_code == 200
    assert "declined" in field_error(response, "number")
    assert "4000 0000 0000 0002" not in response.content.decode()
    assert cloud.call("GET", "/subscription")[1]["status"] == "trialing"
    assert license_status().status == "none"


def test_members_cannot_buy_or_connect(onprem_online: Server, alice: Person, bob: Person) -> None:
    browser = logged_in(bob)
    for path in ("cloud/connect/", "cloud/buy/", "cloud/plan/", "cloud/cancel/", "cloud/disconnect/"):
        assert browser.post(f"{PAGE}{path}", {"confirm": "yes"}).status_code == 403, path
    assert browser.get(f"{PAGE}cloud/invoice/1/pdf/").status_code == 403
    assert Client().post(f"{PAGE}cloud/buy/").status_code == 302  # signed out: to the log-in page
    assert not ServerIdentity.objects.exclude(cloud_token="").exists()


def cloud_password_set(folder: Path, email: str) -> None:
    """Give an invited cloud member a password (as accepting the invitation would), in the cloud's own database."""
    code = (
        "from django.utils import timezone; from stint.accounts.models import Membership, User; "
        f"user = User.objects.get(email={email!r}); user.set_password({PASSWORD!r}); user.save(); "
        "Membership.objects.filter(user=user).update(accepted_at=timezone.now())"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith(("STINT_", "DATABASE_URL"))}
    env.update(STINT_DATA_DIR=str(folder), STINT_DEBUG="1")
    subprocess.run([sys.executable, "-m", "stint.cli", "manage", "shell", "-c", code], env=env, check=True)


def test_a_cloud_member_cannot_connect_and_leaves_no_token_behind(
    cloud: tuple[Server, Path], onprem_online: Server, alice: Person, customer: tuple[Server, str]
) -> None:
    owner, _ = customer
    email = f"member{next(_customers)}@acme.example"
    assert owner.call("POST", "/users", {"email": email, "name": "Max Member", "role": "member"})[0] == 201
    cloud_password_set(cloud[1], email)

    refused = logged_in(alice).post(f"{PAGE}cloud/connect/", {"email": email, "password": PASSWORD})

    assert f"{email} is not an admin of the account ACME" in text(refused)
    assert not ServerIdentity.objects.exclude(cloud_token="").exists()
    status, member = owner.call("POST", "/tokens", {"email": email, "password": PASSWORD, "label": "check"})
    assert status == 201
    tokens = owner.call("GET", "/tokens", token=member["token"])[1]["items"]
    live = [t["label"] for t in tokens if t["revoked_at"] is None]
    assert live == ["check"]  # the server's token was revoked at once


def test_disconnecting_revokes_the_token_in_the_cloud(
    onprem_online: Server, alice: Person, customer: tuple[Server, str]
) -> None:
    cloud, email = customer
    browser = connected(alice, email)
    assert "ACME" in text(browser.get(PAGE))
    token = ServerIdentity.objects.get().cloud_token

    browser.post(f"{PAGE}cloud/disconnect/")

    assert ServerIdentity.objects.get().cloud_token == ""
    assert "Connect this server" in text(browser.get(PAGE))
    assert cloud.call("GET", "/me", token=token)[0] == 401


def test_without_the_clouds_address_the_page_explains_the_offline_way(settings: Any, alice: Person) -> None:
    settings.STINT_MODE = "onprem"
    settings.STINT_LICENSE_SERVER_URL = ""
    page = text(logged_in(alice).get(PAGE))
    assert "order from our sales team" in page and "install the license file" in page
    assert "Connect" not in page


def test_a_refund_from_the_on_prem_my_account_withdraws_the_license_and_the_server_runs_as_free(
    onprem_online: Server, alice: Person, customer: tuple[Server, str]
) -> None:
    cloud, email = customer
    browser = connected(alice, email)
    key = idempotency_key(browser.get(PAGE).content.decode())
    browser.post(f"{PAGE}cloud/buy/", {"offer": "regular:month", **CARD, "idempotency_key": key})
    assert license_status().status == "valid"
    assert "Refund and end the subscription" in text(browser.get(PAGE))
    # A license fetched before the refund and kept aside (the cloud answers any request with the key).
    key = cloud.call("GET", "/subscription")[1]["subscription_key"]
    status, kept = cloud.call("POST", "/licensing/activate", {"subscription_key": key, "request": request_build()})
    assert status == 200, kept

    refunded = browser.post(f"{PAGE}cloud/refund/", {"confirm": "yes"}, follow=True)

    assert "The purchase is refunded" in text(refunded)
    assert "could not be updated" not in text(refunded)
    assert cloud.call("GET", "/subscription")[1]["edition"] == "free"
    status = license_status()
    assert (status.status, status.code) == ("invalid", "license_withdrawn")
    assert "no longer licenses this server" in status.detail
    assert Account.objects.get(pk=alice.account.pk).edition == "free"
    with pytest.raises(LicenseRefused) as refused:
        license_install(text=kept)  # not a way back to Regular
    assert refused.value.code == "license_withdrawn"
    assert license_status().code == "license_withdrawn"
