"""DESIGN.md "visible records": in the free edition only the newest 300 records of the account are visible."""

from __future__ import annotations

from datetime import timedelta

import pytest

from stint.accounts.models import Edition
from stint.tracking.models import TimeRecord
from tests.api.conftest import assert_error
from tests.conftest import Api, Person, edition_set
from tests.tracking.helpers import at, records_of


@pytest.fixture
def oldest(alice: Person, bob: Person) -> TimeRecord:
    """301 records in Alice's free account (Bob's are the older half); answers the oldest, the hidden one."""
    first = at("2026-10-01 08:00")
    made = records_of(bob, *[first + timedelta(hours=h) for h in range(150)])
    made += records_of(alice, *[first + timedelta(hours=h) for h in range(150, 301)])
    edition_set(alice.account, Edition.FREE)
    return made[0]


def every_id(api: Api, person: Person, **query: object) -> tuple[list[int], int]:
    ids: list[int] = []
    cursor = None
    while True:
        body = api.as_(person).get("/time-records", limit=120, **query, **({"cursor": cursor} if cursor else {})).json()
        ids += [item["id"] for item in body["items"]]
        cursor = body["next_cursor"]
        if cursor is None:
            return ids, body["hidden_count"]


def test_only_the_newest_300_records_are_listed_across_pages(alice: Person, oldest: TimeRecord, api: Api) -> None:
    ids, hidden = every_id(api, alice)

    assert len(ids) == len(set(ids)) == 300 and hidden == 1
    assert oldest.pk not in ids


def test_the_hidden_record_cannot_be_read_changed_or_deleted(alice: Person, oldest: TimeRecord, api: Api) -> None:
    path = f"/time-records/{oldest.pk}"

    assert_error(api.as_(alice).get(path), 404, "time_record_not_found")
    assert_error(api.as_(alice).patch(path, {"comment": "found you"}), 404)
    assert_error(api.as_(alice).delete(path), 404)
    oldest.refresh_from_db()
    assert oldest.comment == ""


def test_the_hidden_record_is_hidden_from_its_own_author_too(bob: Person, oldest: TimeRecord, api: Api) -> None:
    ids, hidden = every_id(api, bob)

    assert len(ids) == 149 and oldest.pk not in ids and hidden == 1
    assert_error(api.as_(bob).get(f"/time-records/{oldest.pk}"), 404)


def test_date_filters_do_not_reveal_hidden_records(alice: Person, oldest: TimeRecord, api: Api) -> None:
    ids, _ = every_id(api, alice, **{"from": "2026-10-01", "to": "2026-10-02"})

    assert oldest.pk not in ids and len(ids) == 15  # 08:00 to 23:00 UTC, less the hidden 08:00


def test_after_an_upgrade_every_record_is_visible_again(alice: Person, oldest: TimeRecord, api: Api) -> None:
    edition_set(alice.account, Edition.TRIAL)

    ids, hidden = every_id(api, alice)

    assert len(ids) == 301 and hidden == 0
    assert api.as_(alice).get(f"/time-records/{oldest.pk}").status_code == 200


def test_a_free_account_with_300_records_hides_nothing(alice: Person, api: Api) -> None:
    records_of(alice, *[at("2026-10-01 08:00") + timedelta(hours=h) for h in range(300)])
    edition_set(alice.account, Edition.FREE)

    ids, hidden = every_id(api, alice)

    assert len(ids) == 300 and hidden == 0


def test_a_hidden_record_still_blocks_an_overlap_without_showing_its_times(
    bob: Person, oldest: TimeRecord, api: Api
) -> None:
    response = api.as_(bob).post("/time-records", {"start": "2026-10-01T08:10:00Z", "duration_s": 600})
    body = assert_error(response, 409, "overlapping_record")
    assert "hidden by the Free edition" in body["detail"]
    assert "08:00" not in body["detail"]
