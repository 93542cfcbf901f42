"""Stint refuses to start with STINT_PAYMENT_GATEWAY=stripe and an incomplete or inconsistent Stripe configuration,
and says what is missing."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

KEYS = {
    "STINT_STRIPE_SECRET_KEY": "sk_test_abc",
    "STINT_STRIPE_PUBLISHABLE_KEY": "pk_test_abc",
    "STINT_STRIPE_WEBHOOK_SECRET": "whsec_abc",
}


def start(tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    """Load the settings the way `stint serve` does, in a fresh process with exactly this environment."""
    environment = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith("STINT_STRIPE") and name not in ("STINT_PAYMENT_GATEWAY", "STINT_DEBUG")
    }
    environment.update(STINT_DATA_DIR=str(tmp_path), **env)
    return subprocess.run(
        [sys.executable, "-c", "import stint.settings"], env=environment, capture_output=True, text=True, timeout=60
    )


def test_it_starts_with_the_three_stripe_settings(tmp_path: Path) -> None:
    assert start(tmp_path, STINT_PAYMENT_GATEWAY="stripe", **KEYS).returncode == 0


def test_it_names_every_missing_stripe_setting(tmp_path: Path) -> None:
    started = start(tmp_path, STINT_PAYMENT_GATEWAY="stripe", STINT_STRIPE_SECRET_KEY="sk_test_abc")
    assert started.returncode != 0
    assert (
        "RuntimeError: STINT_PAYMENT_GATEWAY=stripe needs STINT_STRIPE_PUBLISHABLE_KEY, STINT_STRIPE_WEBHOOK_SECRET"
        in started.stderr
    )


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"STINT_STRIPE_SECRET_KEY": "pk_test_abc"}, "check that they are not swapped"),
        ({"STINT_STRIPE_SECRET_KEY": "sk_live_abc"}, "must both be live keys, or both test keys"),
        ({"STINT_STRIPE_WEBHOOK_SECRET": "abc"}, "it starts with whsec_"),
    ],
)
def test_it_refuses_keys_that_do_not_fit(tmp_path: Path, changes: dict[str, str], message: str) -> None:
    started = start(tmp_path, STINT_PAYMENT_GATEWAY="stripe", **{**KEYS, **changes})
    assert started.returncode != 0
    assert message in started.stderr


def test_another_stripe_address_is_for_tests_only(tmp_path: Path) -> None:
    started = start(tmp_path, STINT_STRIPE_API_BASE="http://127.0.0.1:9")
    assert "refused unless STINT_DEBUG=1" in started.stderr
    assert start(tmp_path, STINT_STRIPE_API_BASE="http://127.0.0.1:9", STINT_DEBUG="1").returncode == 0


def test_the_sandbox_needs_no_stripe_settings(tmp_path: Path) -> None:
    assert start(tmp_path).returncode == 0
