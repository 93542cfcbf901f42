"""stint.tracking.selectors.visible_time_records: the free edition's newest-300 rule, exactly 300 even on ties."""

from __future__ import annotations

from datetime import timedelta

from django.test import Client

from stint.accounts.models import Edition
from stint.billing.models import Plan
from stint.tracking.models import TimeRecord
from stint.tracking.selectors import hidden_time_record_count, time_records, visible_time_records
from tests.conftest import Person, edition_set
from tests.tracking.helpers import at, records_of
from tests.web.conftest import text


def make_free(person: Person) -> None:
    edition_set(person.account, Edition.FREE)


def test_in_a_free_account_with_301_records_the_oldest_is_hidden(alice: Person, bob: Person) -> None:
    first = at("2026-10-01 08:00")
    made = records_of(alice, *[first + timedelta(hours=h) for h in range(301)])
    make_free(alice)

    visible = visible_time_records(account=alice.account)

    assert visible.count() == 300 and not visible.filter(pk=made[0].pk).exists()
    assert hidden_time_record_count(account=alice.account) == 1
    assert time_records(account=alice.account, membership=bob.membership).count() == 0


def test_records_starting_at_the_same_instant_are_cut_by_id_to_exactly_300(alice: Person, bob: Person) -> None:
    same = at("2026-10-01 08:00")
    records_of(alice, *[same] * 200)
    records_of(bob, *[same] * 105)
    make_free(alice)

    visible = visible_time_records(account=alice.account)

    assert visible.count() == 300 and hidden_time_record_count(account=alice.account) == 5
    hidden = TimeRecord.objects.exclude(pk__in=visible.values("pk"))
    assert min(visible.values_list("pk", flat=True)) > max(hidden.values_list("pk", flat=True))


def test_another_accounts_records_count_for_nothing(alice: Person, charlie: Person) -> None:
    records_of(alice, *[at("2026-10-01 08:00") + timedelta(hours=h) for h in range(10)])
    records_of(charlie, *[at("2026-10-01 08:00") + timedelta(hours=h) for h in range(300)])
    make_free(alice)
    make_free(charlie)

    assert visible_time_records(account=alice.account).count() == 10
    assert hidden_time_record_count(account=alice.account) == 0
    assert hidden_time_record_count(account=charlie.account) == 0


def test_paid_and_trial_accounts_see_everything(alice: Person) -> None:
    records_of(alice, *[at("2026-10-01 08:00") + timedelta(hours=h) for h in range(305)])

    for edition in (Edition.TRIAL, Edition.REGULAR, Edition.ENTERPRISE):
        edition_set(alice.account, edition)
        assert visible_time_records(account=alice.account).count() == 305
        assert hidden_time_record_count(account=alice.account) == 0


def test_the_limit_is_the_free_plans_as_staff_set_it(alice: Person) -> None:
    records_of(alice, *[at("2026-10-01 08:00") + timedelta(hours=h) for h in range(12)])
    make_free(alice)
    Plan.objects.filter(code="free").update(max_visible_time_records=10)

    assert visible_time_records(account=alice.account).count() == 10
    assert hidden_time_record_count(account=alice.account) == 2
    client = Client()
    client.force_login(alice.user)
    assert "2 older records are hidden: the Free edition shows the newest 10." in text(client.get("/records/"))

    Plan.objects.filter(code="free").update(max_visible_time_records=None)  # staff lift the limit
    assert visible_time_records(account=alice.account).count() == 12
    assert hidden_time_record_count(account=alice.account) == 0
    assert "hidden" not in text(client.get("/records/"))

    Plan.objects.filter(code="free").update(max_visible_time_records=0)
    assert visible_time_records(account=alice.account).count() == 0
    assert hidden_time_record_count(account=alice.account) == 12
