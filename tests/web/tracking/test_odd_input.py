"""Odd dates and ids on the tracking pages answer a page or a clear error, never a server error."""

from __future__ import annotations

import pytest

from tests.conftest import Person
from tests.web.conftest import logged_in


@pytest.mark.parametrize(
    "path",
    [
        "/week/?date=0001-01-01",
        "/week/?date=9999-12-31",
        "/month/?month=9999-12",
        "/month/?month=0001-01",
        "/records/?end=9999-12-31",
        "/records/?start=0001-01-01",
        "/records/export.csv?end=9999-12-31",
    ],
)
def test_out_of_range_dates_show_a_page(alice: Person, path: str) -> None:
    assert logged_in(alice).get(path).status_code == 200


def test_out_of_range_cells_and_odd_ids_are_refused(alice: Person) -> None:
    client = logged_in(alice)
    cell = client.post("/tracking/week/cell/", {"date": "9999-12-31", "duration": "1:00"})
    assert cell.status_code == 422 and "between the years" in cell.json()["error"]
    assert client.post("/records/bulk/", {"ids": ["\u00b2"], "action": "delete"}).status_code < 500
    assert client.post("/settings/activity-types/favorite/", {"activity_type_id": "\u00b2"}).status_code < 500
