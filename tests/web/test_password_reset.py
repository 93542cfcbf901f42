from __future__ import annotations

from datetime import UTC, datetime, timedelta

import time_machine
from django.test import Client

from stint.core.models import OutboxMessage
from tests.conftest import Mailbox, Person, deliver
from tests.web.conftest import field_error, link_path, text

NEW_PASSWORD = "a-brand-new-and-long-passphrase"


def test_alice_resets_her_password_by_email_and_logs_in_with_the_new_one(
    client: Client, alice: Person, mailbox: Mailbox
) -> None:
    response = client.post("/password-reset/", {"email": "ALICE@example.com"})
    assert response["Location"] == "/password-reset/done/"
    assert mailbox.messages == [], "the email waits in the outbox for the worker"
    deliver()
    [email] = [m for m in mailbox.to(alice.email) if m["Subject"] == "Reset your Stint password"]
    reset_path = link_path(email, "/reset/")

    form = client.get(reset_path, follow=True)
    assert "Choose a new password" in text(form)
    set_password_path = form.redirect_chain[-1][0]
    done = client.post(set_password_path, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert done["Location"] == "/reset/done/"

    assert client.post("/login/", {"email": alice.email, "password": NEW_PASSWORD})["Location"] == "/"
    assert client.get("/").status_code == 200


def test_the_answer_is_the_same_for_an_unknown_email_and_nothing_is_sent(
    client: Client, alice: Person, mailbox: Mailbox
) -> None:
    known = client.post("/password-reset/", {"email": alice.email}, follow=True)
    unknown = client.post("/password-reset/", {"email": "nobody@example.com"}, follow=True)
    assert text(known) == text(unknown)
    assert OutboxMessage.objects.filter(group="password-reset").count() == 1
    deliver()
    assert mailbox.to("nobody@example.com") == []


def test_the_new_password_must_pass_the_validators(client: Client, alice: Person, mailbox: Mailbox) -> None:
    client.post("/password-reset/", {"email": alice.email})
    deliver()
    form = client.get(link_path(mailbox.to(alice.email)[-1], "/reset/"), follow=True)
    response = client.post(form.redirect_chain[-1][0], {"new_password1": "12345678", "new_password2": "12345678"})
    assert response.status_code == 200
    assert "too short" in field_error(response, "new_password2")


def test_a_reset_link_works_only_once(client: Client, alice: Person, mailbox: Mailbox) -> None:
    client.post("/password-reset/", {"email": alice.email})
    deliver()
    reset_path = link_path(mailbox.to(alice.email)[-1], "/reset/")
    form = client.get(reset_path, follow=True)
    client.post(form.redirect_chain[-1][0], {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    again = Client().get(reset_path, follow=True)
    assert "This link does not work any more" in text(again)


def test_a_completed_reset_lifts_the_log_in_lock(client: Client, alice: Person, mailbox: Mailbox, settings) -> None:
    for _ in range(settings.STINT_LOGIN_MAX_FAILURES):
        client.post("/login/", {"email": alice.email, "password": "wrong guess"})
    locked = client.post("/login/", {"email": alice.email, "password": alice.password})
    assert "Too many failed log-ins" in text(locked)

    client.post("/password-reset/", {"email": alice.email})
    deliver()
    form = client.get(link_path(mailbox.to(alice.email)[-1], "/reset/"), follow=True)
    client.post(form.redirect_chain[-1][0], {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})

    assert client.post("/login/", {"email": alice.email, "password": NEW_PASSWORD})["Location"] == "/"


def test_reset_emails_are_limited_to_a_few_an_hour(client: Client, alice: Person, mailbox: Mailbox) -> None:
    start = datetime.now(UTC)
    for minute in range(0, 60, 10):  # six requests within the hour
        with time_machine.travel(start + timedelta(minutes=minute), tick=False):
            client.post("/password-reset/", {"email": alice.email})
    assert OutboxMessage.objects.filter(group="password-reset").count() == 3
    with time_machine.travel(start + timedelta(minutes=75), tick=False):
        client.post("/password-reset/", {"email": alice.email})
    assert OutboxMessage.objects.filter(group="password-reset").count() == 4


def test_the_reset_link_is_not_kept_in_the_database_after_sending(
    client: Client, alice: Person, mailbox: Mailbox
) -> None:
    client.post("/password-reset/", {"email": alice.email})
    deliver()
    link = link_path(mailbox.to(alice.email)[-1], "/reset/")
    assert link not in str(OutboxMessage.objects.get(group="password-reset").payload)
