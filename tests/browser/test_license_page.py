"""Settings / License in Chromium, on an on-prem server: Alice downloads the request file, sees a forged license
refused with its reason next to the field, installs the real one, and the server runs as Regular. In the cloud, the
page shows the subscription key and makes a new one."""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any

import pytest
from django.apps import apps as django_apps
from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer

from stint.licensing.files import request_verify
from stint.licensing.keys import SigningKey
from stint.licensing.server import server_identity
from tests.browser.tracking_helpers import log_in
from tests.conftest import Person
from tests.licensing.conftest import make_license, trust

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("transactional_db")]


@pytest.fixture(autouse=True)
def plans(transactional_db: None) -> None:
    importlib.import_module("stint.billing.migrations.0002_seed_plans").seed(django_apps, None)


@pytest.fixture
def onprem(settings: Any) -> None:
    settings.STINT_MODE = "onprem"


@pytest.fixture
def key(tmp_path: Path, settings: Any) -> SigningKey:
    return trust(tmp_path, settings)


def test_alice_activates_her_server_offline(
    onprem: None, key: SigningKey, page: Page, live_server: LiveServer, alice: Person, tmp_path: Path
) -> None:
    log_in(page, live_server.url, alice, "/settings/license/")
    expect(page.get_by_role("heading", name="License", exact=True)).to_be_visible()
    expect(page.get_by_test_id("license-status")).to_contain_text("No license")
    expect(page.get_by_test_id("server-id")).to_have_text(str(server_identity().server_id))

    with page.expect_download() as download_info:
        page.get_by_test_id("request-download").click()
    request = request_verify(Path(download_info.value.path()).read_text())
    assert request.server_id == str(server_identity().server_id)

    offline = page.get_by_role("region", name="Activate offline")
    forged = make_license(key, seats=50).replace("-----END", "AAAA\n-----END")
    offline.get_by_label("Or paste the license").fill(forged)
    offline.get_by_role("button", name="Install the license").click()
    field = page.locator(".field", has=page.locator("#id_license_text"))
    expect(field).to_contain_text("damaged")
    expect(page.get_by_test_id("license-status")).to_contain_text("No license")

    license_file = tmp_path / "stint-license.txt"
    license_file.write_text(make_license(key, seats=7))
    offline = page.get_by_role("region", name="Activate offline")
    offline.get_by_label("License file").set_input_files(str(license_file))
    offline.get_by_role("button", name="Install the license").click()
    expect(page.get_by_role("status").or_(page.locator(".messages"))).to_contain_text("The license is installed")
    expect(page.get_by_test_id("license-status")).to_contain_text("Valid")
    expect(page.get_by_test_id("license-edition")).to_contain_text("Regular")
    expect(page.get_by_test_id("license-seats")).to_contain_text("1 of 7")


def test_bob_does_not_get_the_license_page(
    onprem: None, page: Page, live_server: LiveServer, alice: Person, bob: Person
) -> None:
    log_in(page, live_server.url, bob, "/settings/license/")
    expect(page.get_by_text("Only admins of this account can open this page.")).to_be_visible()


def test_in_the_cloud_alice_sees_and_renews_her_subscription_key(
    page: Page, live_server: LiveServer, alice: Person
) -> None:
    from stint.billing.models import Subscription

    log_in(page, live_server.url, alice, "/settings/account/")
    page.get_by_role("navigation", name="Settings").get_by_role("link", name="License").click()
    old = Subscription.objects.get(account=alice.account).subscription_key
    expect(page.get_by_test_id("subscription-key")).to_have_value(old)
    page.get_by_role("button", name="Make a new key").click()
    new = Subscription.objects.get(account=alice.account).subscription_key
    assert new != old
    expect(page.get_by_test_id("subscription-key")).to_have_value(new)
