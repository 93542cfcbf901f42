"""The `stint` command as an operator uses it: production checks, the demo account, and `serve`."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from tests.conftest import _free_port


def _stint(*args: str, env: dict[str, str], timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "stint.cli", *args], env=env, capture_output=True, text=True, timeout=timeout
    )


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("STINT_", "DATABASE_URL", "EMAIL_URL"))}
    env.update(STINT_DATA_DIR=str(tmp_path), **extra)
    return env


def test_production_settings_pass_the_deploy_checks(tmp_path: Path) -> None:
    env = _env(tmp_path, STINT_SECRET_KEY=secrets.token_urlsafe(50), STINT_ALLOWED_HOSTS="stint.example.com")
    result = _stint("manage", "check", "--deploy", "--fail-level", "WARNING", env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_without_a_configured_key_one_is_generated_once_and_kept(tmp_path: Path) -> None:
    env = _env(tmp_path, STINT_DEBUG="1")
    assert _stint("manage", "check", env=env).returncode == 0
    key = (tmp_path / "secret_key").read_text()
    assert len(key) >= 50
    assert _stint("manage", "check", env=env).returncode == 0
    assert (tmp_path / "secret_key").read_text() == key
    assert oct((tmp_path / "secret_key").stat().st_mode & 0o777) == "0o600"


def test_the_test_clock_is_refused_outside_debug(tmp_path: Path) -> None:
    result = _stint("manage", "check", env=_env(tmp_path, STINT_TEST_CLOCK="1"))
    assert result.returncode != 0
    assert "STINT_TEST_CLOCK" in result.stderr


def test_demo_seeds_its_account_once_and_prints_the_login(tmp_path: Path) -> None:
    env = _env(tmp_path, STINT_DEBUG="1")
    first = _stint("demo", env=env)
    assert first.returncode == 0, first.stderr
    assert "demo@stint.localhost" in first.stdout
    assert "created" in first.stdout
    second = _stint("demo", env=env)
    assert "already there" in second.stdout


def test_serve_migrates_serves_the_app_and_runs_the_worker(tmp_path: Path) -> None:
    port = _free_port()
    env = _env(tmp_path, STINT_DEBUG="1", STINT_WEB_WORKERS="1")
    server = subprocess.Popen(
        [sys.executable, "-m", "stint.cli", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as answer:
                    assert answer.read() == b"ok"
                break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise
                time.sleep(0.3)
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/login/", timeout=5) as page:
            assert page.status == 200
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v1/openapi.json", timeout=5) as spec:
            assert b'"/api/v1/signup"' in spec.read()
    finally:
        server.terminate()
        output, _ = server.communicate(timeout=30)
    assert server.returncode == 0, output
    assert "worker started" in output, "the worker should run beside the web server"
    assert "worker stopped" in output, "stopping serve should stop its worker gracefully"


def test_demo_refuses_to_seed_a_production_installation(tmp_path: Path) -> None:
    env = _env(tmp_path, STINT_SECRET_KEY=secrets.token_urlsafe(50))
    result = _stint("demo", env=env)
    assert result.returncode == 2
    assert "STINT_DEBUG=1" in result.stdout
    assert not (tmp_path / "stint.sqlite3").exists() or "demo@" not in result.stdout
