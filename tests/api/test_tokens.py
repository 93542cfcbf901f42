"""POST /api/v1/tokens (email + password -> token), GET /api/v1/tokens and DELETE /api/v1/tokens/{id}."""

from __future__ import annotations

from django.apps import apps

from stint.accounts.models import ApiToken
from tests.api.conftest import assert_error, signup_body
from tests.conftest import PASSWORD, Api, Person


def new_token(api: Api, person: Person, **extra) -> dict:
    response = api.post("/tokens", {"email": person.email, "password": person.password, "label": "CLI", **extra})
    assert response.status_code == 201, response
    return response.json()


# --- POST /tokens ---


def test_alice_exchanges_her_password_for_a_working_token(api: Api, alice: Person) -> None:
    response = api.post("/tokens", {"email": "alice@example.com", "password": PASSWORD, "label": "CLI on my laptop"})

    assert response.status_code == 201, response
    body = response.json()
    assert isinstance(body["id"], int)
    me = api.with_token(body["token"]).get("/me")
    assert me.status_code == 200, me
    assert me.json()["user"]["id"] == alice.id


def test_the_email_is_compared_case_insensitively(api: Api, alice: Person) -> None:
    response = api.post("/tokens", {"email": " ALICE@Example.com ", "password": PASSWORD, "label": "CLI"})

    assert response.status_code == 201, response


def test_bob_gets_a_token_for_alices_account_as_a_member(api: Api, alice: Person, bob: Person) -> None:
    token = new_token(api, bob)["token"]

    me = api.with_token(token).get("/me").json()

    assert me["account"]["id"] == alice.account.pk
    assert me["role"] == "member"


def test_charlies_token_is_for_his_own_account(api: Api, alice: Person, charlie: Person) -> None:
    token = new_token(api, charlie)["token"]

    assert api.with_token(token).get("/me").json()["account"]["id"] == charlie.account.pk


def test_the_token_is_stored_only_as_a_hash(api: Api, alice: Person) -> None:
    body = new_token(api, alice)

    stored = ApiToken.objects.get(pk=body["id"])
    assert stored.token_hash != body["token"]
    assert body["token"] not in stored.token_hash
    for model in apps.get_models():
        for row in model._default_manager.values_list():
            assert not any(body["token"] in str(value) for value in row), f"the secret is stored in {model.__name__}"


def test_a_wrong_password_is_refused(api: Api, alice: Person) -> None:
    response = api.post("/tokens", {"email": alice.email, "password": "not-her-passphrase", "label": "CLI"})

    assert_error(response, 401, "invalid_credentials")


def test_an_unknown_email_is_refused_like_a_wrong_password(api: Api, alice: Person) -> None:
    response = api.post("/tokens", {"email": "nobody@example.com", "password": PASSWORD, "label": "CLI"})

    assert_error(response, 401, "invalid_credentials")


def test_a_label_is_required(api: Api, alice: Person) -> None:
    response = api.post("/tokens", {"email": alice.email, "password": PASSWORD})

    assert_error(response, 400, "invalid_request")


def test_a_blank_label_is_refused_naming_the_field(api: Api, alice: Person) -> None:
    response = api.post("/tokens", {"email": alice.email, "password": PASSWORD, "label": "  "})

    assert_error(response, 422, field="label")


def test_a_label_longer_than_100_characters_is_refused(api: Api, alice: Person) -> None:
    response = api.post("/tokens", {"email": alice.email, "password": PASSWORD, "label": "x" * 10_000})

    assert_error(response, 422, field="label")


def test_after_too_many_failures_even_the_right_password_is_throttled(api: Api, alice: Person, settings) -> None:
    for _ in range(settings.STINT_LOGIN_MAX_FAILURES):
        wrong = api.post("/tokens", {"email": alice.email, "password": "a-wrong-passphrase", "label": "CLI"})
        assert_error(wrong, 401, "invalid_credentials")

    response = api.post("/tokens", {"email": "Alice@example.com", "password": PASSWORD, "label": "CLI"})

    assert_error(response, 429, "too_many_attempts")


def test_failures_for_alice_do_not_lock_out_bob(api: Api, alice: Person, bob: Person, settings) -> None:
    for _ in range(settings.STINT_LOGIN_MAX_FAILURES):
        api.post("/tokens", {"email": alice.email, "password": "a-wrong-passphrase", "label": "CLI"})

    assert api.post("/tokens", {"email": bob.email, "password": PASSWORD, "label": "CLI"}).status_code == 201


def test_a_successful_log_in_forgets_earlier_failures(api: Api, alice: Person, settings) -> None:
    for _ in range(settings.STINT_LOGIN_MAX_FAILURES - 1):
        api.post("/tokens", {"email": alice.email, "password": "a-wrong-passphrase", "label": "CLI"})
    new_token(api, alice)
    for _ in range(settings.STINT_LOGIN_MAX_FAILURES - 1):
        api.post("/tokens", {"email": alice.email, "password": "a-wrong-passphrase", "label": "CLI"})

    new_token(api, alice)


def test_account_id_chooses_among_the_logins_accounts(api: Api, alice: Person) -> None:
    side = api.post("/signup", signup_body(account_name="Side Project", email=alice.email)).json()["account"]

    token = new_token(api, alice, account_id=side["id"])["token"]

    assert api.with_token(token).get("/me").json()["account"]["id"] == side["id"]


def test_without_account_id_the_token_is_for_the_first_account_joined(api: Api, alice: Person) -> None:
    # Named to sort first: the default must not depend on names.
    api.post("/signup", signup_body(account_name="Aardvark Ltd", email=alice.email))

    token = new_token(api, alice)["token"]

    assert api.with_token(token).get("/me").json()["account"]["id"] == alice.account.pk


def test_alice_cannot_get_a_token_for_charlies_account(api: Api, alice: Person, charlie: Person) -> None:
    response = api.post(
        "/tokens", {"email": alice.email, "password": PASSWORD, "label": "CLI", "account_id": charlie.account.pk}
    )

    assert_error(response, 403, "not_a_member")


def test_charlie_cannot_get_a_token_for_alices_account(api: Api, alice: Person, charlie: Person) -> None:
    response = api.post(
        "/tokens", {"email": charlie.email, "password": PASSWORD, "label": "CLI", "account_id": alice.account.pk}
    )

    assert_error(response, 403, "not_a_member")
    assert alice.account.name.encode() not in response.content


def test_an_account_id_that_cannot_exist_is_refused(api: Api, alice: Person) -> None:
    for account_id in (0, -1, 2**63, 10**30):
        response = api.post(
            "/tokens", {"email": alice.email, "password": PASSWORD, "label": "CLI", "account_id": account_id}
        )
        assert_error(response, 403, "not_a_member")


def test_a_removed_user_can_no_longer_get_a_token(api: Api, alice: Person, bob: Person) -> None:
    api.as_(alice).delete(f"/users/{bob.id}")

    response = api.post("/tokens", {"email": bob.email, "password": PASSWORD, "label": "CLI"})

    assert_error(response, 403, "not_a_member")


# --- using a token ---


def test_a_token_records_when_it_was_last_used(api: Api, alice: Person) -> None:
    created = new_token(api, alice)

    def last_used() -> str | None:
        items = api.as_(alice).get("/tokens").json()["items"]
        return next(t["last_used_at"] for t in items if t["id"] == created["id"])

    assert last_used() is None
    api.with_token(created["token"]).get("/me")
    used_at = last_used()
    assert used_at is not None and used_at.endswith("Z")


def test_an_unknown_token_is_refused(api: Api, alice: Person) -> None:
    assert_error(api.with_token("stint_this-is-not-a-token").get("/me"), 401)


def test_a_revoked_token_stops_working_at_once(api: Api, alice: Person) -> None:
    created = new_token(api, alice)

    response = api.with_token(created["token"]).delete(f"/tokens/{created['id']}")

    assert response.status_code == 204, response
    assert_error(api.with_token(created["token"]).get("/me"), 401)
    assert api.as_(alice).get("/me").status_code == 200


def test_a_removed_users_tokens_stop_working(api: Api, alice: Person, bob: Person) -> None:
    second = new_token(api, bob)["token"]

    api.as_(alice).delete(f"/users/{bob.id}")

    assert_error(api.as_(bob).get("/me"), 401)
    assert_error(api.with_token(second).get("/me"), 401)


# --- GET /tokens ---


def test_alice_lists_her_tokens_without_their_secrets(api: Api, alice: Person, bob: Person) -> None:
    created = new_token(api, alice)

    response = api.as_(alice).get("/tokens")

    assert response.status_code == 200, response
    body = response.json()
    assert body["next_cursor"] is None
    assert [t["label"] for t in body["items"]] == ["CLI", "tests"]
    assert created["id"] in {t["id"] for t in body["items"]}
    assert all("token" not in t and "token_hash" not in t for t in body["items"])
    assert created["token"].encode() not in response.content
    assert alice.token.encode() not in response.content


def test_bob_sees_only_his_own_tokens(api: Api, alice: Person, bob: Person) -> None:
    items = api.as_(bob).get("/tokens").json()["items"]

    assert len(items) == 1
    assert {t["id"] for t in items} == set(ApiToken.objects.filter(user=bob.user).values_list("pk", flat=True))


def test_charlie_sees_none_of_alices_tokens(api: Api, alice: Person, charlie: Person) -> None:
    items = api.as_(charlie).get("/tokens").json()["items"]

    assert {t["id"] for t in items}.isdisjoint(ApiToken.objects.filter(user=alice.user).values_list("pk", flat=True))


def test_the_token_list_pages(api: Api, alice: Person) -> None:
    for _ in range(4):
        new_token(api, alice)

    first = api.as_(alice).get("/tokens", limit=3).json()
    second = api.as_(alice).get("/tokens", limit=3, cursor=first["next_cursor"]).json()

    assert len(first["items"]) == 3
    assert len(second["items"]) == 2
    assert second["next_cursor"] is None
    ids = [t["id"] for t in first["items"] + second["items"]]
    assert sorted(ids, reverse=True) == ids == sorted(set(ids), reverse=True)


# --- DELETE /tokens/{id} ---


def test_bob_revokes_his_own_token(api: Api, alice: Person, bob: Person) -> None:
    created = new_token(api, bob)

    assert api.as_(bob).delete(f"/tokens/{created['id']}").status_code == 204
    assert_error(api.with_token(created["token"]).get("/me"), 401)


def test_bob_cannot_revoke_alices_token(api: Api, alice: Person, bob: Person) -> None:
    created = new_token(api, alice)

    assert_error(api.as_(bob).delete(f"/tokens/{created['id']}"), 404)
    assert api.with_token(created["token"]).get("/me").status_code == 200


def test_charlie_gets_404_for_alices_token(api: Api, alice: Person, charlie: Person) -> None:
    created = new_token(api, alice)

    assert_error(api.as_(charlie).delete(f"/tokens/{created['id']}"), 404)
    assert api.with_token(created["token"]).get("/me").status_code == 200


def test_revoking_a_token_that_does_not_exist_is_404(api: Api, alice: Person) -> None:
    for token_id in (0, -7, 999_999, 2**63, 10**30):
        assert_error(api.as_(alice).delete(f"/tokens/{token_id}"), 404)
