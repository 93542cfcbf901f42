"""What the API tests share: the error-shape assertion, and a few more people in Alice's account."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.conftest import PASSWORD, Mailbox, Person, Response, make_member

# DESIGN.md "Account events": the only `type`s GET /account/events may show.
EVENT_TYPES = {
    "account.created",
    "trial.started",
    "trial.ending",
    "trial.ended",
    "subscription.purchased",
    "subscription.changed",
    "user.added",
    "user.removed",
    "invoice.created",
    "invoice.due_soon",
    "invoice.overdue",
    "payment.succeeded",
    "payment.failed",
    "refund.issued",
    "credit_note.issued",
    "subscription.cancelled",
    "subscription.resumed",
    "subscription.renewed",
    "subscription.reverted_to_free",
    "payment_method.changed",
    "po.changed",
    "owner.changed",
    "license.issued",
    "license.installed",
    "license.expiring",
}


def assert_error(response: Response, status: int, code: str | None = None, *, field: str | None = None) -> dict:
    """API.md's one error shape: a sentence a person can act on and a stable snake_case code."""
    assert response.status_code == status, response
    body = response.json()
    assert isinstance(body, dict), response
    assert isinstance(body.get("detail"), str) and body["detail"].strip(), body
    assert re.fullmatch(r"[a-z][a-z0-9]*(_[a-z0-9]+)*", body.get("code", "")), body
    if code is not None:
        assert body["code"] == code, body
    if field is not None:
        assert body.get("field") == field, body
    return body


def count(mailbox: Mailbox, address: str, subject: str) -> int:
    """How many emails with this subject `address` received (a long non-ASCII subject arrives folded)."""
    return [received.strip() for received in mailbox.subjects(address)].count(subject)


def signup_body(**overrides: Any) -> dict[str, Any]:
    body = {"account_name": "Dana's Studio", "name": "Dana Diaz", "email": "dana@example.net", "password": PASSWORD}
    body.update(overrides)
    return body


@pytest.fixture(autouse=True)
def _database(db: None) -> None:
    """Every API call reads or writes the database, sign-up included (it needs no person yet)."""


@pytest.fixture
def erin(alice: Person) -> Person:
    """A manager in Alice's account: sees everyone's time, but does not administer users."""
    return make_member(alice, "Erin Evans", "erin@example.com", role="manager")


@pytest.fixture
def frank(alice: Person) -> Person:
    """A second admin in Alice's account, who is not its owner."""
    return make_member(alice, "Frank Fischer", "frank@example.com", role="admin")
