import pytest

from stint.core.errors import Malformed
from stint.core.models import OutboxMessage
from stint.core.outbox import outbox_enqueue
from stint.core.pagination import paginate

pytestmark = pytest.mark.django_db


def _messages(count: int) -> None:
    for n in range(count):
        outbox_enqueue(kind="email", dedupe_key=f"page-{n}", payload={})


def test_pages_cover_every_row_once_in_order() -> None:
    _messages(7)
    seen, cursor = [], None
    while True:
        rows, cursor = paginate(OutboxMessage.objects.all(), limit=3, cursor=cursor)
        seen += [row.dedupe_key for row in rows]
        if cursor is None:
            break
    assert seen == [f"page-{n}" for n in range(7)]


def test_newest_first_pages_go_backwards() -> None:
    _messages(4)
    rows, cursor = paginate(OutboxMessage.objects.all(), limit=3, cursor=None, newest_first=True)
    assert [r.dedupe_key for r in rows] == ["page-3", "page-2", "page-1"]
    rows, cursor = paginate(OutboxMessage.objects.all(), limit=3, cursor=cursor, newest_first=True)
    assert [r.dedupe_key for r in rows] == ["page-0"]
    assert cursor is None


@pytest.mark.parametrize("cursor", ["nonsense", "cGs6eA", "%%%", "eHg6MQ"])
def test_a_cursor_we_did_not_give_out_is_refused_clearly(cursor: str) -> None:
    with pytest.raises(Malformed) as error:
        paginate(OutboxMessage.objects.all(), limit=3, cursor=cursor)
    assert error.value.code == "invalid_cursor"


@pytest.mark.parametrize("limit", [0, -1, 501])
def test_limits_outside_one_to_five_hundred_are_refused(limit: int) -> None:
    with pytest.raises(Malformed) as error:
        paginate(OutboxMessage.objects.all(), limit=limit, cursor=None)
    assert error.value.code == "invalid_limit"
