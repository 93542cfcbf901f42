"""The on-prem server's requests to our cloud: never sent on to where a redirect points, never over plain http in
production."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from stint.core.errors import Invalid
from stint.licensing.cloud_http import CloudRefused, cloud_request


class Recorder(BaseHTTPRequestHandler):
    seen: list[dict[str, str]]
    location = ""

    def do_GET(self) -> None:
        self.seen.append(dict(self.headers.items()))
        if self.location:
            self.send_response(307)
            self.send_header("Location", self.location + self.path)
        else:
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
        self.end_headers()
        if not self.location:
            self.wfile.write(b"{}")

    def log_message(self, format: str, *args: Any) -> None:
        pass


def serve(location: str = "") -> tuple[ThreadingHTTPServer, list[dict[str, str]]]:
    seen: list[dict[str, str]] = []
    handler = type("Handler", (Recorder,), {"seen": seen, "location": location})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, seen


@pytest.fixture
def redirecting(settings: Any) -> Iterator[tuple[list[dict[str, str]], list[dict[str, str]]]]:
    elsewhere, seen_elsewhere = serve()
    host, port = elsewhere.server_address[:2]
    cloud, seen_by_cloud = serve(location=f"http://{host!s}:{port}")
    host, port = cloud.server_address[:2]
    settings.STINT_LICENSE_SERVER_URL = f"http://{host!s}:{port}"
    yield seen_by_cloud, seen_elsewhere
    for server in (cloud, elsewhere):
        server.shutdown()
        server.server_close()


def test_a_redirect_is_refused_and_the_token_goes_nowhere_else(
    redirecting: tuple[list[dict[str, str]], list[dict[str, str]]],
) -> None:
    seen_by_cloud, seen_elsewhere = redirecting
    with pytest.raises(CloudRefused) as refused:
        cloud_request("GET", "/subscription", token="stint_secret_token")
    assert refused.value.code == "license_server_redirect"
    assert "set STINT_LICENSE_SERVER_URL to the address it names" in refused.value.detail
    assert seen_by_cloud and seen_by_cloud[0]["Authorization"] == "Bearer stint_secret_token"
    assert seen_elsewhere == []


def test_plain_http_is_refused_unless_the_cloud_is_on_this_machine(settings: Any) -> None:
    settings.STINT_LICENSE_SERVER_URL = "http://stint.example.com"
    with pytest.raises(Invalid) as refused:
        cloud_request("GET", "/plans")
    assert refused.value.code == "license_server_not_configured"
    assert "must start with https://" in refused.value.detail
