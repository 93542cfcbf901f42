"""Stint servers as real processes on loopback (`stint serve`, each with its own data folder and SQLite database),
for the tests where the product has two: a cloud and an on-prem server."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.conftest import _free_port


@dataclass
class Server:
    url: str
    process: subprocess.Popen[str]
    token: str = ""

    def call(self, method: str, path: str, body: Any = None, *, token: str | None = None) -> tuple[int, Any]:
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(self.url + "/api/v1" + path, data=data, method=method)
        request.add_header("Content-Type", "application/json")
        if token or self.token:
            request.add_header("Authorization", f"Bearer {token or self.token}")
        try:
            with urllib.request.urlopen(request, timeout=120) as answer:  # the test clock renders invoice PDFs
                raw = answer.read()
                status = answer.status
        except urllib.error.HTTPError as error:
            raw, status = error.read(), error.code
        try:
            return status, json.loads(raw)
        except ValueError:
            return status, raw.decode()


def start_server(tmp: Path, **env: str) -> Server:
    port = _free_port()
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("STINT_", "DATABASE_URL", "EMAIL_URL"))}
    clean.update(STINT_DATA_DIR=str(tmp), STINT_DEBUG="1", STINT_TEST_CLOCK="1", STINT_WEB_WORKERS="1", **env)
    # Into a file, not a pipe: the console email backend prints every email (PDFs included), and a pipe nobody
    # reads while the test runs would fill up and block the server.
    log = (tmp / "server.log").open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "stint.cli", "serve", "--port", str(port)],
        env=clean,
        stdout=log,
        stderr=subprocess.STDOUT,
        text=True,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    while True:
        try:
            with urllib.request.urlopen(url + "/healthz", timeout=2):
                return Server(url, process)
        except OSError:
            if time.monotonic() > deadline or process.poll() is not None:
                process.kill()
                process.wait()
                raise RuntimeError((tmp / "server.log").read_text()[-5000:]) from None
            time.sleep(0.3)


def stop_server(server: Server, folder: Path) -> str:
    """Stop it and answer its log (which must hold no traceback: the caller checks)."""
    server.process.terminate()
    server.process.wait(timeout=30)
    return (folder / "server.log").read_text()
