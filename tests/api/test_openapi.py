"""The API describes itself (/api/v1/openapi.json, /api/v1/docs), and no input generated from that description
makes it fail on our side."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.config import SchemathesisConfig

from stint.accounts.services import api_token_create
from stint.wsgi import application
from tests.conftest import Api, Person

ACCOUNTS_AND_USERS = [
    ("post", "/api/v1/signup"),
    ("post", "/api/v1/tokens"),
    ("get", "/api/v1/me"),
    ("get", "/api/v1/users"),
    ("post", "/api/v1/users"),
    ("patch", "/api/v1/users/{user_id}"),
    ("delete", "/api/v1/users/{user_id}"),
    ("post", "/api/v1/account/owner"),
    ("get", "/api/v1/account/events"),
]

# Deterministic and bounded: a fixed seed, 25 generated requests per operation on top of schemathesis' coverage
# cases (boundaries, missing and wrong-typed fields, unexpected methods).
CONFIG = SchemathesisConfig.from_dict(
    {
        "seed": 20261126,
        "generation": {"max-examples": 25, "deterministic": True},
        "phases": {"stateful": {"enabled": False}},
    }
)
schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application, config=CONFIG)


def test_the_openapi_document_lists_every_accounts_and_users_endpoint(api: Api) -> None:
    response = api.get("/openapi.json")

    assert response.status_code == 200
    paths = response.json()["paths"]
    for method, path in ACCOUNTS_AND_USERS:
        assert method in paths.get(path, {}), f"{method.upper()} {path} is missing from the OpenAPI document"


def test_the_openapi_document_is_valid_json_naming_the_api(api: Api) -> None:
    document = json.loads(api.get("/openapi.json").content)

    assert document["openapi"].startswith("3.")
    assert document["info"]["title"] == "Stint API"


def test_the_docs_page_is_served_with_its_own_assets_and_no_cdn(api: Api) -> None:
    response = api.get("/docs")

    assert response.status_code == 200
    page = response.content.decode()
    assert "/api/v1/openapi.json" in page
    # On-prem servers may have no internet: every script and style comes from the app itself.
    assets = re.findall(r'(?:src|href)="([^"]+)"', page)
    assert any(asset.endswith(".js") for asset in assets)
    for asset in assets:
        assert asset.startswith("/"), f"{asset} is fetched from elsewhere"
        served = api.client.get(asset)
        assert served.status_code == 200, asset
        served.close()


@pytest.fixture
def wsgi_requests_keep_the_test_transaction() -> Iterator[None]:
    # The WSGI app drops the database connection around each request, as a server must; in a test that
    # connection holds the test's transaction (Django's own test client makes the same exception).
    for signal in (request_started, request_finished):
        signal.disconnect(close_old_connections)
    yield
    for signal in (request_started, request_finished):
        signal.connect(close_old_connections)


@schema.parametrize()
@settings(suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow], deadline=None)
def test_no_generated_request_gets_a_server_error(
    case, alice: Person, wsgi_requests_keep_the_test_transaction: None
) -> None:
    # A fresh token each time: a generated DELETE /tokens/{id} may revoke the one used before.
    _, token = api_token_create(account=alice.account, user=alice.user, label="schemathesis")
    response = case.call(headers={"Authorization": f"Bearer {token}"})

    assert response.status_code < 500, f"{case.method} {case.formatted_path}: {response.text[:500]}"
    if response.status_code >= 400:
        body = response.json()
        assert isinstance(body.get("detail"), str) and body["detail"], body
        assert re.fullmatch(r"[a-z][a-z0-9_]*", body.get("code", "")), body
