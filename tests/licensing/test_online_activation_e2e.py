"""Online activation end to end, between two real processes on loopback: a cloud and an on-prem server, each with
its own database. The on-prem server activates with the subscription key, buys a seat through the cloud when a named
user is added beyond its license, and receives the renewal after its daily refresh."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from stint.licensing.keys import keygen
from tests.conftest import PASSWORD
from tests.licensing.servers import Server, start_server

VISA = {"type": "card", "number": "4242424242424242", "exp_month": 12, "exp_year": 2030, "cvc": "123"}
YEAR_AND_A_DAY = 367 * 86400


@pytest.fixture
def cloud_and_onprem(tmp_path: Path) -> Iterator[tuple[Server, Server]]:
    (tmp_path / "cloud").mkdir()
    (tmp_path / "onprem").mkdir()
    key_id, public = keygen(tmp_path / "cloud" / "signing.pem")
    (tmp_path / "onprem" / "trusted_keys").write_text(f"{key_id} {public}\n")
    cloud = start_server(
        tmp_path / "cloud", STINT_MODE="cloud", STINT_LICENSE_SIGNING_KEY=str(tmp_path / "cloud/signing.pem")
    )
    servers = [cloud]
    try:
        onprem = start_server(
            tmp_path / "onprem",
            STINT_MODE="onprem",
            STINT_LICENSE_SERVER_URL=cloud.url,
            STINT_LICENSE_EXTRA_KEYS=str(tmp_path / "onprem" / "trusted_keys"),
        )
        servers.append(onprem)
        yield cloud, onprem
    finally:
        for server, folder in zip(servers, ("cloud", "onprem"), strict=False):
            server.process.terminate()
            server.process.wait(timeout=30)
            output = (tmp_path / folder / "server.log").read_text()
            assert "Traceback" not in output, output[-3000:]


def _signup(server: Server, email: str) -> str:
    body = {"account_name": "ACME", "name": "Alice Archer", "email": email, "password": PASSWORD}
    status, answer = server.call("POST", "/signup", body)
    assert status == 201, answer
    return str(answer["token"])


def test_an_onprem_server_activates_online_buys_a_seat_and_receives_the_renewal(
    cloud_and_onprem: tuple[Server, Server],
) -> None:
    cloud, onprem = cloud_and_onprem
    # The customer buys Regular in the cloud and copies the subscription key.
    cloud.token = _signup(cloud, "alice@acme.example")
    status, bought = cloud.call(
        "POST", "/subscription", {"plan": "regular", "interval": "year", "payment_method": VISA}
    )
    assert status == 201, bought
    key = cloud.call("GET", "/subscription")[1]["subscription_key"]

    # The on-prem server's first visitor sets it up; a second sign-up is refused.
    onprem.token = _signup(onprem, "alice@acme.example")
    assert onprem.call("POST", "/signup", {"account_name": "X", "name": "Eve", "email": "e@x.example",
                                           "password": PASSWORD})[0] == 403  # fmt: skip
    assert onprem.call("GET", "/license")[1]["status"] == "none"
    for name in ("bob", "carol"):
        assert (
            onprem.call("POST", "/users", {"email": f"{name}@acme.example", "name": name, "role": "member"})[0] == 201
        )

    # A wrong key is refused with the cloud's reason.
    status, refused = onprem.call("POST", "/license/activate", {"subscription_key": "sk_wrong"})
    assert (status, refused["code"]) == (422, "invalid_subscription_key"), refused

    # Online activation: the 3 named users get seats (2 bought in the cloud) and the license is installed.
    status, license = onprem.call("POST", "/license/activate", {"subscription_key": key})
    assert status == 200, license
    assert (license["status"], license["edition"], license["seats"], license["online"]) == ("valid", "regular", 3, True)
    assert license["expires_at"] == bought["subscription"]["current_period_end"]
    assert cloud.call("GET", "/subscription")[1]["seats"] == 3

    # A fourth named user: the seat is bought through the cloud first, and the new license comes back.
    status, dora = onprem.call("POST", "/users", {"email": "dora@acme.example", "name": "Dora", "role": "member"})
    assert status == 201, dora
    license = onprem.call("GET", "/license")[1]
    assert (license["seats"], license["active_users"]) == (4, 4)
    assert cloud.call("GET", "/subscription")[1]["seats"] == 4
    invoices = cloud.call("GET", "/invoices")[1]["items"]
    assert [i["billing_reason"] for i in invoices].count("seat_change") == 2
    serial_after_purchase = license["serial"]

    # After the seat change the on-prem worker refreshes the license (its tick, run here at once through the test
    # clock): the cloud learns that the server has 4 named users.
    assert onprem.call("POST", "/test-clock", {"advance_s": 60})[0] == 200
    assert onprem.call("GET", "/license")[1]["serial"] > serial_after_purchase
    serial_after_purchase = onprem.call("GET", "/license")[1]["serial"]

    # A year later the cloud renews the subscription; the on-prem server's daily refresh brings the new license.
    status, moved = cloud.call("POST", "/test-clock", {"advance_s": YEAR_AND_A_DAY})
    assert status == 200, moved
    renewed = cloud.call("GET", "/subscription")[1]
    assert renewed["current_period_end"] > bought["subscription"]["current_period_end"]
    assert renewed["seats"] == 4  # the on-prem server's named users, not the cloud account's one
    assert onprem.call("POST", "/test-clock", {"advance_s": YEAR_AND_A_DAY})[0] == 200
    license = onprem.call("GET", "/license")[1]
    assert license["status"] == "valid", license
    assert license["expires_at"] == renewed["current_period_end"]
    assert license["serial"] > serial_after_purchase
    assert license["last_refresh_error"] is None
