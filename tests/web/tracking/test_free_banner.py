"""The free edition shows the newest 300 records and says how many are hidden."""

from __future__ import annotations

from datetime import timedelta

import pytest

from stint.accounts.models import Edition
from tests.conftest import Person, edition_set
from tests.web.conftest import logged_in, text
from tests.web.tracking.conftest import at, record

BANNER = "1 older record is hidden: the Free edition shows the newest 300. Upgrade to see them."


@pytest.fixture
def free_with_301(alice: Person) -> Person:
    edition_set(alice.account, Edition.FREE)
    first = at("2026-11-01 00:00")
    for i in range(301):
        record(alice, first + timedelta(hours=i), 30)
    return alice


@pytest.mark.parametrize("path", ["/week/?date=2026-11-10", "/month/?month=2026-11", "/records/"])
def test_the_banner_is_on_week_month_and_records(free_with_301: Person, path: str) -> None:
    response = logged_in(free_with_301).get(path)
    assert BANNER in text(response)
    assert 'href="/settings/account/"' in response.content.decode()


def test_the_explorer_and_the_export_show_the_newest_300(free_with_301: Person) -> None:
    client = logged_in(free_with_301)
    assert "300 records" in text(client.get("/records/"))
    lines = b"".join(client.get("/records/export.csv").streaming_content).decode().splitlines()  # type: ignore[attr-defined]
    assert len(lines) == 301  # the header and 300 records
    assert not any(line.startswith("2026-11-01,00:00:00") for line in lines)


def test_no_banner_outside_the_free_edition(alice: Person) -> None:
    record(alice, at("2026-11-01 00:00"), 30)
    assert "older record" not in text(logged_in(alice).get("/records/"))
