"""API.md "Conventions" across every endpoint of "Accounts and users": authentication, the one error shape, bad
input answered with a 4xx (never a 500), lists and times."""

from __future__ import annotations

import re

import pytest

from tests.api.conftest import assert_error
from tests.conftest import Api, Person, Response

# (method, path, body) of every endpoint that needs a token; `{user}`, `{team}` and `{token}` name real objects.
AUTHENTICATED = [
    ("get", "/me", None),
    ("patch", "/me", {"name": "Someone"}),
    ("get", "/tokens", None),
    ("delete", "/tokens/{token}", None),
    ("get", "/users", None),
    ("post", "/users", {"email": "dana@example.net", "name": "Dana Diaz"}),
    ("get", "/users/{user}", None),
    ("patch", "/users/{user}", {"name": "Someone"}),
    ("delete", "/users/{user}", None),
    ("get", "/account", None),
    ("post", "/account/owner", {"user_id": "{user}"}),
    ("get", "/account/events", None),
    ("get", "/teams", None),
    ("post", "/teams", {"name": "Design"}),
    ("get", "/teams/{team}", None),
    ("patch", "/teams/{team}", {"name": "Design"}),
    ("delete", "/teams/{team}", None),
]
WITH_BODY = [(method, path, body) for method, path, body in AUTHENTICATED if body is not None] + [
    ("post", "/signup", None),
    ("post", "/tokens", None),
]


def endpoint_id(endpoint: tuple) -> str:
    return f"{endpoint[0].upper()} {endpoint[1]}"


@pytest.fixture
def objects_of_a(api: Api, alice: Person, bob: Person) -> dict[str, int]:
    """Real objects of Alice's account for the paths to name: Bob, a team, one of Alice's tokens."""
    team = api.as_(alice).post("/teams", {"name": "Existing"}).json()
    token = api.post("/tokens", {"email": alice.email, "password": alice.password, "label": "x"}).json()
    return {"user": bob.id, "team": team["id"], "token": token["id"]}


def call(api: Api, endpoint: tuple, objects: dict[str, int], **kwargs) -> Response:
    method, path, body = endpoint
    if body is not None:
        body = {key: objects["user"] if value == "{user}" else value for key, value in body.items()}
    return api.request(method, path.format(**objects), body, **kwargs)


# --- authentication ---


@pytest.mark.parametrize("endpoint", AUTHENTICATED, ids=endpoint_id)
def test_without_a_token_every_endpoint_answers_401(api: Api, objects_of_a: dict, endpoint: tuple) -> None:
    response = call(api.as_(None), endpoint, objects_of_a)

    assert_error(response, 401, "not_authenticated")


@pytest.mark.parametrize("endpoint", AUTHENTICATED, ids=endpoint_id)
def test_with_an_unknown_token_every_endpoint_answers_401(api: Api, objects_of_a: dict, endpoint: tuple) -> None:
    response = call(api.with_token("stint_" + "x" * 43), endpoint, objects_of_a)

    assert_error(response, 401, "invalid_token")


@pytest.mark.parametrize("endpoint", AUTHENTICATED, ids=endpoint_id)
def test_with_a_revoked_token_every_endpoint_answers_401(
    api: Api, objects_of_a: dict, alice: Person, endpoint: tuple
) -> None:
    revoked = api.post("/tokens", {"email": alice.email, "password": alice.password, "label": "old laptop"}).json()
    api.as_(alice).delete(f"/tokens/{revoked['id']}")

    response = call(api.with_token(revoked["token"]), endpoint, objects_of_a)

    assert_error(response, 401, "invalid_token")


@pytest.mark.parametrize("header", ["Basic YWxpY2U6c2VjcmV0", "Bearer", "Bearer ", "Token abc", "bearer"])
def test_an_authorization_header_that_is_not_a_bearer_token_answers_401(api: Api, alice: Person, header: str) -> None:
    response = api.request("get", "/me", headers={"Authorization": header})

    assert_error(response, 401)


def test_signup_and_token_creation_need_no_token(api: Api, alice: Person) -> None:
    assert api.post("/tokens", {"email": alice.email, "password": alice.password, "label": "x"}).status_code == 201
    signup = {"account_name": "Dana's", "name": "Dana", "email": "dana@example.net", "password": alice.password}
    assert api.post("/signup", signup).status_code == 201


# --- malformed and mismatched bodies ---


@pytest.mark.parametrize("endpoint", WITH_BODY, ids=endpoint_id)
@pytest.mark.parametrize("raw", [b"{", b'{"name": "Dana",}', b"not json at all", b"\xff\xfe\x00"])
def test_a_body_that_is_not_json_answers_400(
    api: Api, alice: Person, objects_of_a: dict, endpoint: tuple, raw: bytes
) -> None:
    response = call(api.as_(alice), endpoint, objects_of_a, raw=raw)

    assert_error(response, 400)


@pytest.mark.parametrize("endpoint", WITH_BODY, ids=endpoint_id)
@pytest.mark.parametrize("raw", [b"[]", b'"a string"', b"42", b"null", b'[{"name": "Dana"}]'])
def test_a_json_body_that_is_not_an_object_answers_400(
    api: Api, alice: Person, objects_of_a: dict, endpoint: tuple, raw: bytes
) -> None:
    response = call(api.as_(alice), endpoint, objects_of_a, raw=raw)

    assert_error(response, 400)


def test_a_missing_field_answers_400_invalid_request_naming_it(api: Api, alice: Person) -> None:
    body = assert_error(api.as_(alice).post("/users", {"name": "Dana Diaz"}), 400, "invalid_request")

    assert "email" in body["detail"]


def test_a_wrong_type_answers_400_invalid_request(api: Api, alice: Person) -> None:
    assert_error(api.as_(alice).post("/users", {"email": 5, "name": "Dana"}), 400, "invalid_request")
    assert_error(api.as_(alice).patch("/me", {"week_start": "monday"}), 400, "invalid_request")
    assert_error(api.as_(alice).post("/teams", {"name": {"en": "Design"}}), 400, "invalid_request")


# --- never a 500 for bad input ---

HOSTILE_TEXT = [
    "x" * 100_000,
    "\u0000",
    "Dana\u0000Diaz",
    "\ud800",
    "\U0001f469\u200d\U0001f4bb",
    "\u202eevil",
    "'; DROP TABLE accounts_user; --",
    "{{ settings.SECRET_KEY }}",
    "<script>alert(1)</script>",
    "\r\n",
]


@pytest.mark.parametrize("text", HOSTILE_TEXT, ids=lambda t: repr(t[:12]))
def test_hostile_text_in_any_field_is_answered_with_a_4xx_or_accepted(
    api: Api, alice: Person, bob: Person, text: str
) -> None:
    as_alice = api.as_(alice)
    responses = [
        api.post("/signup", {"account_name": text, "name": text, "email": f"{text}@example.net", "password": text}),
        api.post("/signup", {"account_name": "Dana's", "name": "Dana", "email": "dana@example.net", "password": text}),
        api.post("/tokens", {"email": text, "password": text, "label": text}),
        api.post("/tokens", {"email": alice.email, "password": alice.password, "label": text}),
        as_alice.patch("/me", {"name": text}),
        as_alice.patch("/me", {"timezone": text}),
        as_alice.post("/users", {"email": text, "name": text}),
        as_alice.post("/users", {"email": "gina@example.net", "name": text}),
        as_alice.patch(f"/users/{bob.id}", {"name": text}),
        as_alice.post("/teams", {"name": text}),
    ]
    if "\ud800" not in text:  # a URL cannot carry an unpaired surrogate at all
        responses += [as_alice.get("/users", cursor=text[:2000]), as_alice.get("/account/events", cursor=text)]

    for response in responses:
        assert response.status_code < 500, response
        if response.status_code >= 400:
            assert_error(response, response.status_code)


def test_text_a_database_cannot_store_is_refused_as_malformed(api: Api, alice: Person) -> None:
    assert_error(api.as_(alice).patch("/me", {"name": "Dana\u0000Diaz"}), 400, "invalid_text")
    assert_error(api.as_(alice).post("/teams", raw='{"name": "\\ud800"}'), 400, "invalid_text")


def test_a_body_larger_than_the_server_accepts_answers_413(api: Api, alice: Person) -> None:
    response = api.as_(alice).post("/teams", raw=b'{"name": "' + b"x" * 3_000_000 + b'"}')

    assert_error(response, 413, "request_too_large")


def test_more_query_parameters_than_the_server_accepts_answers_400(api: Api, alice: Person) -> None:
    response = api.as_(alice).get("/users", **{f"p{n}": n for n in range(1_500)})

    assert_error(response, 400)


def test_deeply_nested_json_is_refused(api: Api, alice: Person) -> None:
    response = api.as_(alice).post("/teams", raw=b"[" * 100_000 + b"]" * 100_000)

    assert_error(response, 400)


@pytest.mark.parametrize("value", [-1, 0, 2**31, 2**63, 10**30, -(10**30)])
def test_out_of_range_numbers_are_answered_with_a_4xx(api: Api, alice: Person, value: int) -> None:
    as_alice = api.as_(alice)
    responses = [
        as_alice.get(f"/users/{value}"),
        as_alice.patch(f"/users/{value}", {"role": "manager"}),
        as_alice.delete(f"/users/{value}"),
        as_alice.delete(f"/tokens/{value}"),
        as_alice.get(f"/teams/{value}"),
        as_alice.post("/account/owner", {"user_id": value}),
        as_alice.post("/teams", {"name": f"T{value}", "member_ids": [value]}),
        as_alice.get("/users", limit=value),
        api.post("/tokens", {"email": alice.email, "password": alice.password, "label": "x", "account_id": value}),
    ]

    for response in responses:
        assert 400 <= response.status_code < 500, response
        assert_error(response, response.status_code)


def test_a_path_id_that_is_not_a_number_answers_400(api: Api, alice: Person) -> None:
    assert_error(api.as_(alice).get("/users/bob"), 400, "invalid_request")
    assert_error(api.as_(alice).get("/teams/1.5"), 400, "invalid_request")


# --- the error shape beyond the endpoints ---


def test_an_unknown_path_answers_404_in_the_error_shape(api: Api, alice: Person) -> None:
    assert_error(api.as_(alice).get("/no-such-thing"), 404, "not_found")


@pytest.mark.parametrize(("method", "path"), [("put", "/me"), ("delete", "/account"), ("post", "/account/events")])
def test_an_unsupported_method_answers_405_in_the_error_shape(api: Api, alice: Person, method: str, path: str) -> None:
    response = getattr(api.as_(alice), method)(path)

    assert_error(response, 405, "method_not_allowed")
    assert response.headers["Allow"]


# --- lists and times ---


@pytest.mark.parametrize("path", ["/users", "/tokens", "/teams", "/account/events"])
def test_every_list_is_items_and_next_cursor(api: Api, alice: Person, path: str) -> None:
    body = api.as_(alice).get(path).json()

    assert set(body) == {"items", "next_cursor"}
    assert isinstance(body["items"], list)


def test_times_are_returned_in_utc_with_z(api: Api, alice: Person, bob: Person) -> None:
    api.as_(alice).patch("/me", {"timezone": "Asia/Tokyo"})
    times = [e["created_at"] for e in api.as_(alice).get("/account/events").json()["items"]]
    times += [t["created_at"] for t in api.as_(alice).get("/tokens").json()["items"]]

    for value in times:
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z", value), value
