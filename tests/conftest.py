"""The shared set-up of every test: a real SMTP server, and the people who play roles.

- Alice owns account A (admin).
- Bob is a member of account A.
- Charlie owns account B, and must never see or touch anything of A.
"""

from __future__ import annotations

import email
import email.policy
import importlib
import json
import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from django.conf import settings
from django.test import Client

from stint.accounts.models import Account, Membership, User
from stint.accounts.services import account_signup, api_token_create, named_user_add
from stint.core.outbox import outbox_deliver

PASSWORD = "a-long-and-unusual-passphrase"

# --- CI: nothing may be skipped ------------------------------------------------------------------------------


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if os.environ.get("CI", "").lower() != "true":
        return
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = reporter.stats.get("skipped", []) if reporter else []
    if skipped:
        reporter.write_line(f"CI: {len(skipped)} test(s) were skipped; in CI every test must run.", red=True)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


# --- the test databases are dropped at the end, even if a thread or subprocess still holds a connection ---------


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup: None, django_db_blocker: Any) -> Iterator[None]:
    yield
    from django.db import connection

    with django_db_blocker.unblock():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )


# --- a real SMTP server -----------------------------------------------------------------------------------------


class Mailbox:
    """What the SMTP server received, parsed, in arrival order."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._messages: list[EmailMessage] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self._lock:
            self._messages.append(message)  # type: ignore[arg-type]
        return "250 Message accepted for delivery"

    @property
    def messages(self) -> list[EmailMessage]:
        with self._lock:
            return list(self._messages)

    def clear(self) -> None:
        with self._lock:
            self._messages.clear()

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.messages if address.lower() in str(m["To"]).lower()]

    def subjects(self, address: str | None = None) -> list[str]:
        return [str(m["Subject"]) for m in (self.to(address) if address else self.messages)]

    def wait_for(self, count: int, timeout: float = 10.0) -> list[EmailMessage]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if len(self.messages) >= count:
                break
            time.sleep(0.05)
        return self.messages


def body_text(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain",))
    return part.get_content() if part else ""


def body_html(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("html",))
    return part.get_content() if part else ""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="session")
def smtp_server() -> Iterator[tuple[Controller, Mailbox]]:
    mailbox = Mailbox()
    controller = Controller(mailbox, hostname="127.0.0.1", port=_free_port())
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = controller.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    yield controller, mailbox
    controller.stop()


@pytest.fixture(autouse=True)
def mailbox(smtp_server: tuple[Controller, Mailbox]) -> Mailbox:
    """Every test starts with an empty mailbox; `deliver()` runs the outbox into it."""
    smtp_server[1].clear()
    return smtp_server[1]


def deliver() -> int:
    """What the worker does: send every due outbox message through the real SMTP server."""
    return outbox_deliver(limit=10_000)


@pytest.fixture(autouse=True)
def _plans_seeded(request: pytest.FixtureRequest) -> None:
    """The plans and prices come from a data migration; a transactional test (or a live server test) empties every
    table when it ends, so the tests after it in the same process would find no plans. Seed them again, committed,
    before any test that uses the database."""
    uses_db = request.node.get_closest_marker("django_db") is not None or any(
        name in request.fixturenames for name in ("db", "transactional_db", "live_server")
    )
    if not uses_db:
        return
    request.getfixturevalue("django_db_setup")
    from django.apps import apps

    from stint.billing.models import Plan

    django_db_blocker = request.getfixturevalue("django_db_blocker")
    with django_db_blocker.unblock():
        if not Plan.objects.exists():
            importlib.import_module("stint.billing.migrations.0002_seed_plans").seed(apps, None)


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings: Any) -> None:
    # Argon2 at production strength costs about half a second per hash and nearly every test hashes passwords
    # (sign-up, log-in, the people fixtures). tests/accounts/test_passwords.py checks what production stores.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


# --- people ---------------------------------------------------------------------------------------------------


@dataclass
class Person:
    user: User
    account: Account
    token: str
    password: str = PASSWORD

    @property
    def id(self) -> int:
        return self.user.pk

    @property
    def email(self) -> str:
        return self.user.email

    @property
    def membership(self) -> Membership:
        return Membership.objects.get(account=self.account, user=self.user)


def make_owner(name: str, email_address: str, account_name: str) -> Person:
    account, user = account_signup(account_name=account_name, name=name, email=email_address, password=PASSWORD)
    _, secret = api_token_create(account=account, user=user, label="tests")
    return Person(user=user, account=account, token=secret)


def make_member(owner: Person, name: str, email_address: str, role: str = "member") -> Person:
    membership = named_user_add(account=owner.account, actor=owner.user, email=email_address, name=name, role=role)
    membership.user.set_password(PASSWORD)
    membership.user.save(update_fields=["password"])
    membership.accepted_at = membership.added_at
    membership.invitation_token_hash = ""
    membership.save(update_fields=["accepted_at", "invitation_token_hash"])
    _, secret = api_token_create(account=owner.account, user=membership.user, label="tests")
    return Person(user=membership.user, account=owner.account, token=secret)


@pytest.fixture
def alice(db: None) -> Person:
    return make_owner("Alice Archer", "alice@example.com", "Account A")


@pytest.fixture
def bob(alice: Person) -> Person:
    return make_member(alice, "Bob Baker", "bob@example.com")


@pytest.fixture
def charlie(db: None) -> Person:
    return make_owner("Charlie Chen", "charlie@example.org", "Account B")


# --- the API, as a person would call it --------------------------------------------------------------------


class Response:
    def __init__(self, raw: Any) -> None:
        self.raw = raw
        self.status_code: int = raw.status_code
        self.headers = raw.headers
        self.content: bytes = raw.content

    def json(self) -> Any:
        return json.loads(self.content) if self.content else None

    def __repr__(self) -> str:
        return f"<Response {self.status_code} {self.content[:300]!r}>"


class Api:
    """`api.as_(alice).post("/users", {...})`: JSON in and out, under /api/v1."""

    def __init__(self, client: Client, token: str | None = None) -> None:
        self.client = client
        self.token = token

    def as_(self, person: Person | None) -> Api:
        return Api(self.client, person.token if person else None)

    def with_token(self, token: str) -> Api:
        return Api(self.client, token)

    def _headers(self, headers: dict[str, str] | None) -> dict[str, str]:
        result = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        result.update(headers or {})
        return result

    def request(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        raw: bytes | str | None = None,
        query: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> Response:
        url = "/api/v1" + path
        data: Any = raw if raw is not None else (json.dumps(body) if body is not None else None)
        kwargs: dict[str, Any] = {"headers": self._headers(headers)}
        if method == "get":
            return Response(self.client.get(url, query or {}, **kwargs))
        if data is not None:
            kwargs.update(data=data, content_type="application/json")
        if query:
            url += "?" + "&".join(f"{k}={v}" for k, v in query.items())
        return Response(getattr(self.client, method)(url, **kwargs))

    def get(self, path: str, **query: Any) -> Response:
        return self.request("get", path, query=query)

    def post(self, path: str, body: Any = None, **kwargs: Any) -> Response:
        return self.request("post", path, body, **kwargs)

    def patch(self, path: str, body: Any = None, **kwargs: Any) -> Response:
        return self.request("patch", path, body, **kwargs)

    def put(self, path: str, body: Any = None, **kwargs: Any) -> Response:
        return self.request("put", path, body, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> Response:
        return self.request("delete", path, **kwargs)


@pytest.fixture
def api(client: Client) -> Api:
    return Api(client)


def chromium_path() -> str | None:
    return os.environ.get("STINT_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")


def edition_set(account: Account, edition: str) -> None:
    """Put an account on an edition the way staff would in the back-office (the subscription is the truth; the
    account keeps a copy for every read path)."""
    from stint.billing.models import Plan, Subscription

    fields: dict[str, Any] = {"edition": edition}
    if edition == "free":
        fields.update(status=Subscription.Status.FREE, plan=Plan.objects.get(code="free"))
    elif edition == "trial":
        fields.update(status=Subscription.Status.TRIALING, plan=None)
    Subscription.objects.filter(account=account).update(**fields)
    Account.objects.filter(pk=account.pk).update(edition=edition)
    account.edition = edition
