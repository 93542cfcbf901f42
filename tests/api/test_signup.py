"""POST /api/v1/signup: a new account, its owner and a first API token."""

from __future__ import annotations

from tests.api.conftest import assert_error, count, signup_body
from tests.conftest import PASSWORD, Api, Mailbox, Person, deliver


def test_signup_answers_the_account_the_owner_and_a_token(api: Api) -> None:
    response = api.post("/signup", signup_body(email="Dana@Example.net"))

    assert response.status_code == 201, response
    body = response.json()
    assert set(body) == {"account", "user", "token"}
    assert set(body["account"]) == {"id", "name"}
    assert body["account"]["name"] == "Dana's Studio"
    assert set(body["user"]) == {"id", "email", "name"}
    assert body["user"]["email"] == "dana@example.net"
    assert body["user"]["name"] == "Dana Diaz"
    assert isinstance(body["token"], str) and len(body["token"]) >= 32


def test_the_signup_token_works_and_makes_the_new_user_owner_and_admin(api: Api) -> None:
    body = api.post("/signup", signup_body()).json()

    me = api.with_token(body["token"]).get("/me")

    assert me.status_code == 200, me
    assert me.json()["user"]["id"] == body["user"]["id"]
    assert me.json()["account"]["id"] == body["account"]["id"]
    assert me.json()["account"]["owner_id"] == body["user"]["id"]
    assert me.json()["role"] == "admin"


def test_a_new_account_starts_in_the_trial_edition(api: Api) -> None:
    token = api.post("/signup", signup_body()).json()["token"]

    assert api.with_token(token).get("/me").json()["account"]["edition"] == "trial"


def test_signup_mails_the_owner_a_welcome_and_the_trial_start_exactly_once_each(api: Api, mailbox: Mailbox) -> None:
    api.post("/signup", signup_body())

    deliver()
    deliver()

    assert count(mailbox, "dana@example.net", "Welcome to Stint: Dana's Studio is ready") == 1
    assert count(mailbox, "dana@example.net", "Your 30-day trial of Stint has started") == 1


def test_signup_records_account_created_and_trial_started(api: Api) -> None:
    token = api.post("/signup", signup_body()).json()["token"]

    events = api.with_token(token).get("/account/events").json()["items"]

    assert sorted(e["type"] for e in events) == ["account.created", "trial.started"]


def test_signup_refuses_a_weak_password(api: Api) -> None:
    response = api.post("/signup", signup_body(password="password1"))

    assert_error(response, 422, "weak_password", field="password")


def test_signup_refuses_an_invalid_email(api: Api) -> None:
    response = api.post("/signup", signup_body(email="dana-at-example.net"))

    assert_error(response, 422, "invalid_email", field="email")


def test_signup_refuses_an_email_longer_than_254_characters(api: Api) -> None:
    long_email = "d" * 64 + "@" + ("e" * 63 + ".") * 3 + "net"

    response = api.post("/signup", signup_body(email=long_email))

    assert_error(response, 422, field="email")


def test_signup_refuses_a_blank_name(api: Api) -> None:
    assert_error(api.post("/signup", signup_body(name="   ")), 422, field="name")


def test_signup_refuses_a_blank_account_name(api: Api) -> None:
    assert_error(api.post("/signup", signup_body(account_name="")), 422, field="account_name")


def test_signup_refuses_an_account_name_with_a_line_break(api: Api, mailbox: Mailbox) -> None:
    # It would end up in the welcome email's subject, where a line break makes the message unsendable.
    response = api.post("/signup", signup_body(account_name="Dana\nBcc: everyone@example.net"))

    assert_error(response, 422, field="account_name")


def test_signup_accepts_names_in_any_script(api: Api, mailbox: Mailbox) -> None:
    response = api.post("/signup", signup_body(account_name="Ærøskøbing 株式会社", name="Đana Ðíaz 👩‍💻"))

    assert response.status_code == 201, response
    assert response.json()["user"]["name"] == "Đana Ðíaz 👩‍💻"
    deliver()
    assert count(mailbox, "dana@example.net", "Welcome to Stint: Ærøskøbing 株式会社 is ready") == 1


def test_signup_without_a_password_is_a_malformed_request(api: Api) -> None:
    body = signup_body()
    del body["password"]

    assert_error(api.post("/signup", body), 400, "invalid_request")


def test_signup_with_an_email_that_is_not_a_string_is_a_malformed_request(api: Api) -> None:
    assert_error(api.post("/signup", signup_body(email=["dana@example.net"])), 400, "invalid_request")


def test_signup_with_broken_json_is_a_malformed_request(api: Api) -> None:
    assert_error(api.post("/signup", raw=b'{"account_name": "Dana'), 400)


def test_signup_with_alices_email_and_a_wrong_password_is_refused(api: Api, alice: Person) -> None:
    response = api.post("/signup", signup_body(email="ALICE@example.com", password="not-alices-passphrase"))

    assert_error(response, 409, "email_taken")
    assert api.as_(alice).get("/me").json()["accounts"] == [{"id": alice.account.pk, "name": "Account A"}]


def test_signup_with_alices_email_and_her_password_gives_her_a_second_account(api: Api, alice: Person) -> None:
    response = api.post("/signup", signup_body(account_name="Side Project", email="ALICE@Example.COM"))

    assert response.status_code == 201, response
    body = response.json()
    assert body["user"] == {"id": alice.id, "email": "alice@example.com", "name": "Alice Archer"}
    me = api.with_token(body["token"]).get("/me").json()
    assert me["account"]["id"] == body["account"]["id"]
    assert me["account"]["owner_id"] == alice.id
    assert sorted(a["name"] for a in me["accounts"]) == ["Account A", "Side Project"]


def test_bob_can_sign_up_an_account_of_his_own_and_stays_a_member_of_alices(
    api: Api, alice: Person, bob: Person
) -> None:
    response = api.post("/signup", signup_body(account_name="Bob's Bakery", email=bob.email, password=bob.password))

    assert response.status_code == 201, response
    assert api.with_token(response.json()["token"]).get("/me").json()["role"] == "admin"
    assert api.as_(bob).get("/me").json()["role"] == "member"
    assert api.as_(bob).get("/me").json()["account"]["id"] == alice.account.pk


def test_charlies_second_account_shows_nothing_of_alices(api: Api, alice: Person, bob: Person, charlie: Person) -> None:
    body = api.post("/signup", signup_body(email=charlie.email, password=charlie.password)).json()

    users = api.with_token(body["token"]).get("/users").json()["items"]

    assert [u["email"] for u in users] == [charlie.email]


def test_signup_cannot_be_used_to_guess_alices_password(api: Api, alice: Person, settings) -> None:
    for n in range(settings.STINT_LOGIN_MAX_FAILURES):
        guess = signup_body(email=alice.email, password=f"guess-number-{n}")
        assert_error(api.post("/signup", guess), 409, "email_taken")

    assert_error(api.post("/signup", signup_body(email=alice.email, password=PASSWORD)), 429, "too_many_attempts")
    response = api.post("/tokens", {"email": alice.email, "password": PASSWORD, "label": "CLI"})
    assert_error(response, 429, "too_many_attempts")


def test_onprem_signup_sets_up_the_first_account_then_closes(api: Api, settings) -> None:
    settings.STINT_MODE = "onprem"

    first = api.post("/signup", signup_body())
    second = api.post("/signup", signup_body(account_name="Another", email="gina@example.net"))

    assert first.status_code == 201, first
    assert_error(second, 403, "signup_closed")
    assert api.with_token(first.json()["token"]).get("/me").json()["account"]["edition"] == "trial"


def test_onprem_signup_is_closed_even_to_the_owner_of_the_existing_account(api: Api, alice: Person, settings) -> None:
    settings.STINT_MODE = "onprem"

    response = api.post("/signup", signup_body(email=alice.email, password=PASSWORD))

    assert_error(response, 403, "signup_closed")


def test_an_email_with_an_invisible_character_is_refused(api: Api) -> None:
    response = api.post("/signup", signup_body(email="dana@example.net\u200b"))
    assert_error(response, 422, "invalid_email", field="email")
