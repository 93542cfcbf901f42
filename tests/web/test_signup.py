from __future__ import annotations

import pytest
from django.test import Client, override_settings

from stint.accounts.models import Account, Membership
from tests.conftest import PASSWORD, Mailbox, Person, deliver
from tests.web.conftest import field_error, text

SIGNUP = {"account_name": "Acme", "name": "Dora Doe", "email": "dora@example.com", "password": PASSWORD}


@pytest.mark.django_db
def test_signup_creates_the_account_and_logs_the_owner_in(client: Client, mailbox: Mailbox) -> None:
    response = client.post("/signup/", SIGNUP)
    assert response.status_code == 302
    assert response["Location"] == "/"
    account = Account.objects.get(name="Acme")
    assert account.owner.email == "dora@example.com"
    assert account.edition == "trial"
    home = client.get("/")
    assert home.status_code == 200
    assert "Welcome, Dora Doe" in text(home)
    assert "Your edition: Trial" in text(home)
    deliver()
    assert "Welcome to Stint: Acme is ready" in mailbox.subjects("dora@example.com")


@pytest.mark.django_db
def test_a_weak_password_is_refused_next_to_the_password_field(client: Client) -> None:
    response = client.post("/signup/", {**SIGNUP, "password": "password"})
    assert response.status_code == 200
    assert "too common" in field_error(response, "password")
    assert field_error(response, "email") == ""
    assert not Account.objects.exists()


@pytest.mark.django_db
def test_missing_fields_are_named_next_to_each_field(client: Client) -> None:
    response = client.post("/signup/", {**SIGNUP, "account_name": "", "name": " "})
    assert field_error(response, "account_name") == "Please enter an account name."
    assert field_error(response, "name") == "Please enter your name."


@pytest.mark.django_db
def test_an_invalid_email_is_refused_next_to_the_email_field(client: Client) -> None:
    response = client.post("/signup/", {**SIGNUP, "email": "dora-at-example"})
    assert "not a valid email address" in field_error(response, "email")


def test_an_email_that_already_has_a_login_is_refused(client: Client, alice: Person) -> None:
    response = client.post("/signup/", {**SIGNUP, "email": "ALICE@example.com", "password": "something-else-entirely"})
    assert response.status_code == 200
    assert "This email already has a Stint login" in text(response)
    assert Account.objects.filter(name="Acme").count() == 0


def test_an_existing_login_can_create_a_second_account_and_lands_in_it(client: Client, alice: Person) -> None:
    response = client.post("/signup/", {**SIGNUP, "email": "alice@example.com", "password": PASSWORD}, follow=True)
    assert "You are in Acme" in text(response)
    assert Membership.objects.filter(user=alice.user, active=True).count() == 2


@override_settings(STINT_MODE="onprem")
def test_on_prem_signup_is_closed_once_the_server_has_its_account(client: Client, alice: Person) -> None:
    response = client.get("/signup/")
    assert response.status_code == 403
    assert "ask its admin to add you" in text(response)
    client.post("/signup/", SIGNUP)
    assert not Account.objects.filter(name="Acme").exists()


@pytest.mark.django_db
@override_settings(STINT_MODE="onprem")
def test_on_prem_first_run_signup_is_open(client: Client) -> None:
    assert client.get("/signup/").status_code == 200
    assert client.post("/signup/", SIGNUP).status_code == 302
