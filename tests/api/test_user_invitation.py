"""POST /api/v1/users/{id}/invitation: a new invitation link for someone who has not accepted yet."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from stint.accounts.services import invitation_lookup
from stint.core import clock
from stint.core.clock import FrozenClock
from stint.core.errors import NotFound
from tests.api.conftest import assert_error
from tests.conftest import Api, Mailbox, Person, body_text, deliver

DANA = {"email": "dana@example.net", "name": "Dana Diaz", "role": "member"}


def _links(mailbox: Mailbox) -> list[str]:
    return [re.search(r"/invitations/(\S+)/", body_text(m)).group(1) for m in mailbox.to("dana@example.net")]


def test_alice_resends_an_invitation_and_only_the_new_link_works(api: Api, alice: Person, mailbox: Mailbox) -> None:
    dana = api.as_(alice).post("/users", DANA).json()
    response = api.as_(alice).post(f"/users/{dana['id']}/invitation")
    assert response.status_code == 200, response
    deliver()
    first, second = _links(mailbox)
    assert first != second
    assert invitation_lookup(secret=second).user.email == "dana@example.net"
    with pytest.raises(NotFound) as replaced:
        invitation_lookup(secret=first)
    assert replaced.value.code == "invitation_invalid"


def test_an_invitation_link_expires_after_fourteen_days(api: Api, alice: Person, mailbox: Mailbox) -> None:
    api.as_(alice).post("/users", DANA)
    deliver()
    [secret] = _links(mailbox)
    with clock.using(FrozenClock(clock.now() + timedelta(days=14, minutes=1))), pytest.raises(NotFound) as expired:
        invitation_lookup(secret=secret)
    assert expired.value.code == "invitation_expired"
    assert "14 days" in expired.value.detail


def test_there_is_nothing_to_resend_once_accepted(api: Api, alice: Person, bob: Person) -> None:
    assert_error(api.as_(alice).post(f"/users/{bob.id}/invitation"), 409, "invitation_accepted")


def test_bob_cannot_resend_invitations(api: Api, alice: Person, bob: Person) -> None:
    dana = api.as_(alice).post("/users", DANA).json()
    assert_error(api.as_(bob).post(f"/users/{dana['id']}/invitation"), 403, "admin_only")


def test_charlie_gets_404_for_alices_invitee(api: Api, alice: Person, charlie: Person, mailbox: Mailbox) -> None:
    dana = api.as_(alice).post("/users", DANA).json()
    deliver()
    mailbox.clear()
    assert_error(api.as_(charlie).post(f"/users/{dana['id']}/invitation"), 404)
    deliver()
    assert mailbox.to("dana@example.net") == []


def test_ownership_cannot_go_to_someone_who_has_not_accepted_yet(api: Api, alice: Person) -> None:
    dana = api.as_(alice).post("/users", DANA).json()
    assert_error(
        api.as_(alice).post("/account/owner", {"user_id": dana["id"]}), 422, "invitation_pending", field="user_id"
    )
    assert api.as_(alice).get("/me").json()["account"]["owner_id"] == alice.id
