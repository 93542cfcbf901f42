"""`stint license keygen | request | install | status | issue`, as an operator types them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from stint.cli import main
from stint.core.clock import FrozenClock
from stint.licensing.files import license_verify, request_verify
from stint.licensing.keys import SigningKey, key_id_of, public_key_load, public_key_raw
from stint.licensing.models import IssuedLicense
from stint.licensing.server import server_identity
from tests.conftest import Api, Person
from tests.licensing.conftest import make_license
from tests.licensing.test_license_issue import buy, server_request


@pytest.fixture(autouse=True)
def _no_setup(monkeypatch: pytest.MonkeyPatch) -> None:
    """Django is set up and migrated by the test run already."""
    monkeypatch.setattr("stint.licensing.cli._django", lambda: None)


def test_keygen_writes_a_private_key_and_prints_its_id_and_public_key_last(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "signing.pem"
    assert main(["license", "keygen", "--out", str(out)]) == 0
    last = capsys.readouterr().out.strip().splitlines()[-1]
    key_id, public = last.split(" ")
    key = public_key_load(public)
    assert key is not None and key_id_of(public_key_raw(key)) == key_id
    assert "PRIVATE KEY" in out.read_text()
    assert oct(out.stat().st_mode & 0o777) == "0o600"
    assert main(["license", "keygen", "--out", str(out)]) == 1  # never overwritten


def test_request_install_and_status_on_an_onprem_server(
    onprem: None,
    frozen: FrozenClock,
    license_key: SigningKey,
    alice: Person,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["license", "request", "--out", str(tmp_path / "request.txt")]) == 0
    assert request_verify((tmp_path / "request.txt").read_text()).server_id == str(server_identity().server_id)
    assert main(["license", "status"]) == 3  # no license yet
    (tmp_path / "license.txt").write_text(make_license(license_key, seats=9))
    assert main(["license", "install", str(tmp_path / "license.txt")]) == 0
    assert "9 named users" in capsys.readouterr().out
    assert main(["license", "status"]) == 0
    assert "1 of 9" in capsys.readouterr().out
    assert main(["license", "install", str(tmp_path / "license.txt").replace("license", "nothing")]) == 1
    (tmp_path / "other.txt").write_text(make_license(license_key, server_id="0f8fad5b-d9cb-469f-a165-70867728950e"))
    assert main(["license", "install", str(tmp_path / "other.txt")]) == 1
    assert "license_other_server" in capsys.readouterr().err


def test_issue_writes_a_license_for_the_request_and_account(
    frozen: FrozenClock,
    license_key: SigningKey,
    alice: Person,
    api: Api,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    buy(api, alice)
    (tmp_path / "request.txt").write_text(server_request())
    code = main(
        ["license", "issue", "--request", str(tmp_path / "request.txt"), "--account", str(alice.account.pk),
         "--seats", "3", "--out", str(tmp_path / "license.txt")]
    )  # fmt: skip
    assert code == 0, capsys.readouterr().err
    license = license_verify((tmp_path / "license.txt").read_text())
    assert (license.seats, license.account_id) == (3, alice.account.pk)


def test_issue_to_a_folder_that_does_not_exist_charges_and_issues_nothing(
    frozen: FrozenClock,
    license_key: SigningKey,
    alice: Person,
    api: Api,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    buy(api, alice)
    (tmp_path / "request.txt").write_text(server_request())
    code = main(
        ["license", "issue", "--request", str(tmp_path / "request.txt"), "--account", str(alice.account.pk),
         "--seats", "3", "--out", str(tmp_path / "missing" / "license.txt")]
    )  # fmt: skip
    assert code == 1
    assert "choose a file in an existing folder" in capsys.readouterr().err
    assert not IssuedLicense.objects.exists()
    assert api.as_(alice).get("/subscription").json()["seats"] == 1


def test_issue_refuses_a_trial_account_with_the_reason(
    frozen: FrozenClock, license_key: SigningKey, alice: Person, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "request.txt").write_text(server_request())
    args = ["license", "issue", "--request", str(tmp_path / "request.txt"), "--account", str(alice.account.pk)]
    assert main(args) == 1
    assert "license_needs_subscription" in capsys.readouterr().err


def test_onprem_commands_are_refused_in_the_cloud(db: Any, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["license", "status"]) == 1
    assert "on-prem" in capsys.readouterr().err
