"""API.md "Licensing (on-prem)": GET /license, GET /license/request, PUT /license and POST /license/activate on an
on-prem server; POST /licensing/activate in the cloud. For Alice (owner), Bob (member) and Charlie (another account)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from stint.core import clock
from stint.core.clock import FrozenClock
from stint.licensing.files import request_verify
from stint.licensing.keys import SigningKey
from stint.licensing.server import server_identity
from tests.api.conftest import assert_error
from tests.conftest import Api, Person, make_owner
from tests.licensing.conftest import START, VISA, make_license, trust
from tests.licensing.test_license_issue import server_request


@pytest.fixture
def frozen() -> Iterator[FrozenClock]:
    with clock.using(FrozenClock(START)) as frozen_clock:
        assert isinstance(frozen_clock, FrozenClock)
        yield frozen_clock


@pytest.fixture
def license_key(tmp_path: Path, settings: Any) -> SigningKey:
    return trust(tmp_path, settings)


@pytest.fixture
def onprem_alice(settings: Any, frozen: FrozenClock, alice: Person) -> Person:
    """Alice set up this on-prem server (Charlie's account was made before, while it was a cloud installation)."""
    settings.STINT_MODE = "onprem"
    return alice


@pytest.fixture
def charlie_elsewhere(onprem_alice: Person, settings: Any) -> Person:
    """Charlie owns another account on the same database (made as a cloud installation would; an on-prem server
    never has a second account)."""
    settings.STINT_MODE = "cloud"
    person = make_owner("Charlie Chen", "charlie@example.org", "Account B")
    settings.STINT_MODE = "onprem"
    return person


# --- on-prem ------------------------------------------------------------------------------------------------------


def test_alice_sees_that_no_license_is_installed(onprem_alice: Person, api: Api) -> None:
    body = api.as_(onprem_alice).get("/license").json()
    assert body["status"] == "none"
    assert body["edition"] == "trial"
    assert body["server_id"] == str(server_identity().server_id)
    assert body["seats"] is None and body["licensee"] is None


def test_alice_downloads_the_signed_request_file(onprem_alice: Person, api: Api) -> None:
    answer = api.as_(onprem_alice).get("/license/request")
    assert answer.status_code == 200
    assert answer.headers["Content-Type"].startswith("text/plain")
    request = request_verify(answer.content.decode())
    assert request.server_id == str(server_identity().server_id)
    assert (request.active_users, request.serial, request.license_id) == (1, 0, None)
    assert request.account_name == "Account A"


def test_alice_installs_a_license_sent_as_the_body(onprem_alice: Person, api: Api, license_key: SigningKey) -> None:
    text = make_license(license_key, seats=8)
    answer = api.as_(onprem_alice).put("/license", raw=text, headers={"Content-Type": "text/plain"})
    assert answer.status_code == 200, answer
    body = answer.json()
    assert (body["status"], body["edition"], body["seats"], body["serial"]) == ("valid", "regular", 8, 1)
    assert body["licensee"]["company"] == "Account A Ltd"
    assert body["expires_at"] == "2027-03-02T09:00:00Z"
    assert api.as_(onprem_alice).get("/me").json()["account"]["edition"] == "regular"


def test_a_refused_license_answers_422_with_the_reason(onprem_alice: Person, api: Api, license_key: SigningKey) -> None:
    text = make_license(license_key, server_id="0f8fad5b-d9cb-469f-a165-70867728950e")
    body = assert_error(api.as_(onprem_alice).put("/license", raw=text), 422, "license_other_server")
    assert "another server" in body["detail"]
    assert_error(api.as_(onprem_alice).put("/license", raw="nonsense"), 422, "license_not_found")
    assert_error(api.as_(onprem_alice).put("/license", raw=b"\xff\xfe"), 400, "license_malformed")


def test_bob_may_not_see_or_install_the_license(
    onprem_alice: Person, bob: Person, api: Api, license_key: SigningKey
) -> None:
    assert_error(api.as_(bob).get("/license"), 403, "admin_only")
    assert_error(api.as_(bob).get("/license/request"), 403, "admin_only")
    assert_error(api.as_(bob).put("/license", raw=make_license(license_key)), 403, "admin_only")
    assert_error(api.as_(bob).post("/license/activate", {"subscription_key": "sk_x"}), 403, "admin_only")
    assert api.as_(onprem_alice).get("/license").json()["status"] == "none"


def test_charlie_of_another_account_finds_no_license_here(
    onprem_alice: Person, charlie_elsewhere: Person, api: Api, license_key: SigningKey
) -> None:
    assert_error(api.as_(charlie_elsewhere).get("/license"), 404)
    assert_error(api.as_(charlie_elsewhere).put("/license", raw=make_license(license_key)), 404)
    assert api.as_(onprem_alice).get("/license").json()["status"] == "none"


def test_online_activation_without_a_license_server_says_what_to_set(onprem_alice: Person, api: Api) -> None:
    body = assert_error(
        api.as_(onprem_alice).post("/license/activate", {"subscription_key": "sk_abc"}),
        422,
        "license_server_not_configured",
    )
    assert "STINT_LICENSE_SERVER_URL" in body["detail"]


def test_online_activation_with_the_cloud_unreachable_answers_502(
    onprem_alice: Person, api: Api, settings: Any
) -> None:
    from tests.conftest import _free_port

    settings.STINT_LICENSE_SERVER_URL = f"http://127.0.0.1:{_free_port()}"
    body = assert_error(
        api.as_(onprem_alice).post("/license/activate", {"subscription_key": "sk_abc"}),
        502,
        "license_server_unreachable",
    )
    assert "could not be reached" in body["detail"]


def test_onprem_sign_up_works_once(onprem_alice: Person, api: Api) -> None:
    from tests.api.conftest import signup_body

    assert_error(api.post("/signup", signup_body()), 403, "signup_closed")


def test_the_cloud_has_no_onprem_license_endpoints(frozen: FrozenClock, alice: Person, api: Api) -> None:
    assert_error(api.as_(alice).get("/license"), 404, "not_onprem")
    assert_error(api.as_(alice).put("/license", raw="x"), 404, "not_onprem")


# --- the cloud's activation endpoint ------------------------------------------------------------------------------


def _key(api: Api, person: Person) -> str:
    return str(api.as_(person).get("/subscription").json()["subscription_key"])


def test_the_cloud_answers_a_subscription_key_and_request_with_a_license(
    frozen: FrozenClock, alice: Person, api: Api, license_key: SigningKey
) -> None:
    assert api.as_(alice).post("/subscription", {"plan": "regular", "interval": "year", "payment_method": VISA})
    answer = api.post("/licensing/activate", {"subscription_key": _key(api, alice), "request": server_request()})
    assert answer.status_code == 200, answer
    assert answer.headers["Content-Type"].startswith("text/plain")
    assert "-----BEGIN STINT LICENSE-----" in answer.content.decode()


def test_the_cloud_refuses_an_unknown_key(frozen: FrozenClock, alice: Person, api: Api, license_key: Any) -> None:
    body = {"subscription_key": "sk_not-a-key", "request": server_request()}
    assert_error(api.post("/licensing/activate", body), 401, "invalid_subscription_key")


def test_a_trial_subscription_key_gets_402(frozen: FrozenClock, alice: Person, api: Api, license_key: Any) -> None:
    body = {"subscription_key": _key(api, alice), "request": server_request()}
    assert_error(api.post("/licensing/activate", body), 402, "license_needs_subscription")


def test_bob_does_not_see_the_subscription_key(frozen: FrozenClock, alice: Person, bob: Person, api: Api) -> None:
    assert api.as_(bob).get("/subscription").json()["subscription_key"] is None


def test_charlies_key_licenses_charlies_account_only(
    frozen: FrozenClock, alice: Person, charlie: Person, api: Api, license_key: Any
) -> None:
    from stint.licensing.files import license_verify

    for person in (alice, charlie):
        api.as_(person).post("/subscription", {"plan": "regular", "interval": "year", "payment_method": VISA})
    answer = api.post("/licensing/activate", {"subscription_key": _key(api, charlie), "request": server_request()})
    license = license_verify(answer.content.decode())
    assert license.account_id == charlie.account.pk
    assert license.licensee_email == charlie.email


def test_a_second_server_on_regular_answers_409(frozen: FrozenClock, alice: Person, api: Api, license_key: Any) -> None:
    api.as_(alice).post("/subscription", {"plan": "regular", "interval": "year", "payment_method": VISA})
    key = _key(api, alice)
    assert api.post("/licensing/activate", {"subscription_key": key, "request": server_request()}).status_code == 200
    second = api.post("/licensing/activate", {"subscription_key": key, "request": server_request()})
    assert_error(second, 409, "license_server_limit")


def test_a_malformed_request_answers_422(frozen: FrozenClock, alice: Person, api: Api, license_key: Any) -> None:
    api.as_(alice).post("/subscription", {"plan": "regular", "interval": "year", "payment_method": VISA})
    body = {"subscription_key": _key(api, alice), "request": "-----BEGIN STINT LICENSE REQUEST-----\nxx"}
    assert_error(api.post("/licensing/activate", body), 422, "request_truncated")
    assert_error(api.post("/licensing/activate", {"subscription_key": _key(api, alice)}), 400, "invalid_request")


def test_an_onprem_server_issues_no_licenses(onprem_alice: Person, api: Api) -> None:
    body = {"subscription_key": "sk_x", "request": "x"}
    assert_error(api.post("/licensing/activate", body), 404, "cloud_only")


def test_the_license_endpoints_are_in_the_openapi_document(frozen: FrozenClock, api: Api) -> None:
    paths = api.get("/openapi.json").json()["paths"]
    assert {
        "/api/v1/license",
        "/api/v1/license/request",
        "/api/v1/license/activate",
        "/api/v1/licensing/activate",
    } <= set(paths)
