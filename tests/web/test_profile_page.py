from __future__ import annotations

from stint.accounts.models import User
from tests.conftest import Person
from tests.web.conftest import field_error, logged_in, text


def test_bob_changes_his_name_time_zone_and_week_start(bob: Person) -> None:
    browser = logged_in(bob)
    response = browser.post(
        "/settings/profile/", {"name": "Robert Baker", "timezone": "Europe/Berlin", "week_start": "6"}, follow=True
    )
    assert "Your profile was saved." in text(response)
    user = User.objects.get(pk=bob.id)
    assert (user.name, user.timezone, user.week_start) == ("Robert Baker", "Europe/Berlin", 6)
    assert "Times are shown in Europe/Berlin" in text(browser.get("/"))


def test_an_unknown_time_zone_is_refused_next_to_the_field(bob: Person) -> None:
    response = logged_in(bob).post("/settings/profile/", {"name": "Bob", "timezone": "Mars/Olympus", "week_start": "0"})
    assert "Select a valid choice" in field_error(response, "timezone")
    assert User.objects.get(pk=bob.id).timezone == "UTC"


def test_the_trial_end_is_shown_in_the_users_time_zone(alice: Person) -> None:
    alice.user.timezone = "America/New_York"
    alice.user.save()
    ends = alice.account.trial_ends_at
    assert ends is not None
    local = ends.astimezone(alice.user.tz)
    page = text(logged_in(alice).get("/"))
    assert f"{local:%B} {local.day}, {local:%Y}, {local:%H:%M} (America/New_York)" in page
