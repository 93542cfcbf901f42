"""What the bench scripts share: where the bench databases live and how Django is pointed at them.

The bench never touches the database of `make run` or of the tests: SQLite lives in var/bench/, PostgreSQL in its own
database `stint_bench` (BENCH_PG_URL to point elsewhere).
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
DATA_DIR = Path(os.environ.get("BENCH_DATA_DIR", REPO / "var" / "bench")).resolve()
SQLITE_PATH = DATA_DIR / "stint_bench.sqlite3"
PG_URL = os.environ.get("BENCH_PG_URL", "postgresql://postgres@127.0.0.1:5432/stint_bench")
MAIN_ACCOUNT = "Bench Main"
BACKENDS = ("sqlite", "postgres")


def database_url(backend: str) -> str:
    if backend == "sqlite":
        return f"sqlite:///{SQLITE_PATH}"
    return PG_URL


def marker_path(backend: str) -> Path:
    """Written last by generate.py: its presence says the database is complete."""
    return DATA_DIR / f"{backend}.json"


def read_marker(backend: str) -> dict[str, Any] | None:
    try:
        return json.loads(marker_path(backend).read_text())
    except FileNotFoundError:
        return None


def django_setup(backend: str) -> None:
    """Production-like settings (no DEBUG, so no query log unless we capture), pointed at the bench database."""
    # static/ too: whitenoise warns about a missing STATIC_ROOT otherwise.
    (DATA_DIR / "static").mkdir(parents=True, exist_ok=True)
    os.environ["DATABASE_URL"] = database_url(backend)
    os.environ["STINT_DATA_DIR"] = str(DATA_DIR)
    os.environ["STINT_DEBUG"] = "0"
    os.environ["STINT_HTTPS"] = "0"
    os.environ["STINT_ALLOWED_HOSTS"] = "testserver,localhost,127.0.0.1"
    os.environ["STINT_LOG_LEVEL"] = "WARNING"
    os.environ["DJANGO_SETTINGS_MODULE"] = "stint.settings"
    src = str(REPO / "src")
    if src not in sys.path:
        sys.path.insert(0, src)
    import django

    django.setup()
