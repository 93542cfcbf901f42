"""Online activation end to end, between two real processes on loopback: a cloud and an on-prem server, each with
its own database. The on-prem server activates with the subscription key, buys a seat through the cloud when a named
user is added beyond its license, and receives the renewal after its daily refresh."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from stint.licensing.keys import keygen
from tests.conftest import PASSWORD, _free_port

VISA = {"type": "card", "number": "4242424242424242", "exp_month": 12, "exp_year": 2030, "cvc": "123"}
YEAR_AND_A_DAY = 367 * 86400


@dataclass
class Server:
    url: str
    process: subprocess.Popen[str]
    token: str = ""

    def call(self, method: str, path: str, body: Any = None, *, token: str | None = None) -> tuple[int, Any]:
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(self.url + "/api/v1" + path, data=data, method=method)
        request.add_header("Content-Type", "application/json")
        if token or self.token:
            request.add_header("Authorization", f"Bearer {token or self.token}")
        try:
            with urllib.request.urlopen(request, timeout=120) as answer:  # the test clock renders invoice PDFs
                raw = answer.read()
                status = answer.status
        except urllib.error.HTTPError as error:
            raw, status = error.read(), error.code
        try:
            return status, json.loads(raw)
        except ValueError:
            return status, raw.decode()


def _start(tmp: Path, **env: str) -> Server:
    port = _free_port()
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("STINT_", "DATABASE_URL", "EMAIL_URL"))}
    clean.update(STINT_DATA_DIR=str(tmp), STINT_DEBUG="1", STINT_TEST_CLOCK="1", STINT_WEB_WORKERS="1", **env)
    # Into a file, not a pipe: the console email backend prints every email (PDFs included), and a pipe nobody
    # reads while the test runs would fill up and block the server.
    log = (tmp / "server.log").open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "stint.cli", "serve", "--port", str(port)],
        env=clean,
        stdout=log,
        stderr=subprocess.STDOUT,
        text=True,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    while True:
        try:
            with urllib.request.urlopen(url + "/healthz", timeout=2):
                return Server(url, process)
        except OSError:
            if time.monotonic() > deadline or process.poll() is not None:
                process.kill()
                process.wait()
                raise RuntimeError((tmp / "server.log").read_text()[-5000:]) from None
            time.sleep(0.3)


@pytest.fixture
def cloud_and_onprem(tmp_path: Path) -> Iterator[tuple[Server, Server]]:
    (tmp_path / "cloud").mkdir()
    (tmp_path / "onprem").mkdir()
    key_id, public = keygen(tmp_path / "cloud" / "signing.pem")
    (tmp_path / "onprem" / "trusted_keys").write_text(f"{key_id} {public}\n")
    cloud = _start(
        tmp_path / "cloud", STINT_MODE="cloud", STINT_LICENSE_SIGNING_KEY=str(tmp_path / "cloud/signing.pem")
    )
    servers = [cloud]
    try:
        onprem = _start(
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
