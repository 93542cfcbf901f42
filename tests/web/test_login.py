from __future__ import annotations

from django.test import Client, override_settings

from tests.conftest import PASSWORD, Person
from tests.web.conftest import text


def test_alice_logs_in_and_is_sent_where_she_wanted_to_go(client: Client, alice: Person) -> None:
    assert client.get("/settings/users/")["Location"] == "/login/?next=/settings/users/"
    response = client.post("/login/", {"email": "Alice@Example.com", "password": PASSWORD, "next": "/settings/users/"})
    assert response.status_code == 302
    assert response["Location"] == "/settings/users/"
    assert client.get("/settings/users/").status_code == 200


def test_the_next_address_cannot_leave_the_site(client: Client, alice: Person) -> None:
    response = client.post("/login/", {"email": alice.email, "password": PASSWORD, "next": "https://evil.example/"})
    assert response["Location"] == "/"


def test_a_wrong_password_says_so_on_the_form(client: Client, alice: Person) -> None:
    response = client.post("/login/", {"email": alice.email, "password": "not-it"})
    assert response.status_code == 200
    assert "The email or password is wrong." in text(response)
    assert client.get("/").status_code == 302


@override_settings(STINT_LOGIN_MAX_FAILURES=3)
def test_repeated_failures_are_throttled_even_with_the_right_password(client: Client, alice: Person) -> None:
    for _ in range(3):
        client.post("/login/", {"email": alice.email, "password": "guess"})
    response = client.post("/login/", {"email": alice.email, "password": PASSWORD})
    assert "Too many failed log-ins" in text(response)
    assert client.get("/").status_code == 302


def test_log_out_needs_a_post(client: Client, alice: Person) -> None:
    client.force_login(alice.user)
    assert client.get("/logout/").status_code == 405
    assert client.get("/").status_code == 200
    response = client.post("/logout/", follow=True)
    assert "You are logged out." in text(response)
    assert client.get("/").status_code == 302


def test_log_out_is_protected_by_csrf(alice: Person) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(alice.user)
    assert client.post("/logout/").status_code == 403
    assert client.get("/").status_code == 200
