"""The back-office: staff paste or upload a server's request for an account and download the license; the action
is logged, and the owner is told. Customers cannot reach it."""

from __future__ import annotations

from django.contrib.admin.models import LogEntry
from django.test import Client

from stint.accounts.models import User
from stint.core.clock import FrozenClock
from stint.licensing.files import license_verify
from stint.licensing.keys import SigningKey
from stint.licensing.models import LicensedServer
from tests.conftest import Api, Mailbox, Person, deliver
from tests.licensing.test_license_issue import buy, server_request

ISSUE = "/backoffice/licensing/issuedlicense/issue/"


def _staff(client: Client) -> User:
    staff = User.objects.create_superuser("sales@stint.localhost", "correct horse battery", name="Sam Sales")
    client.force_login(staff)
    return staff


def test_staff_issue_a_license_from_a_pasted_request_and_download_it(
    frozen: FrozenClock, license_key: SigningKey, alice: Person, api: Api, client: Client, mailbox: Mailbox
) -> None:
    buy(api, alice)
    _staff(client)
    page = client.get(ISSUE).content.decode()
    assert "Upload or paste the request file" in page and 'enctype="multipart/form-data"' in page
    answer = client.post(ISSUE, {"account": alice.account.pk, "request_text": server_request(), "seats": 4})
    assert answer.status_code == 200
    assert answer["Content-Disposition"].startswith("attachment")
    license = license_verify(answer.content.decode())
    assert (license.account_id, license.seats) == (alice.account.pk, 4)
    assert LogEntry.objects.filter(object_repr__contains="#1").exists()
    deliver()
    assert any(s.startswith("License for your on-prem server") for s in mailbox.subjects(alice.email))


def test_staff_see_the_reason_when_an_account_cannot_have_a_license(
    frozen: FrozenClock, license_key: SigningKey, alice: Person, client: Client
) -> None:
    _staff(client)
    answer = client.post(ISSUE, {"account": alice.account.pk, "request_text": server_request()})
    assert answer.status_code == 200
    assert "paid subscription" in answer.content.decode()
    assert not LicensedServer.objects.exists()


def test_staff_release_a_server_and_it_is_logged(
    frozen: FrozenClock, license_key: SigningKey, alice: Person, api: Api, client: Client
) -> None:
    buy(api, alice)
    client.force_login(alice.user)
    assert client.get(ISSUE).status_code == 302  # customers are sent to the back-office log-in
    _staff(client)
    client.post(ISSUE, {"account": alice.account.pk, "request_text": server_request()})
    server = LicensedServer.objects.get()
    answer = client.post(
        "/backoffice/licensing/licensedserver/", {"action": "release", "_selected_action": [server.pk]}
    )
    assert answer.status_code == 302
    server.refresh_from_db()
    assert server.released_at is not None
    assert LogEntry.objects.filter(change_message__contains="Released").exists()
