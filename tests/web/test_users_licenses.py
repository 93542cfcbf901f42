from __future__ import annotations

from stint.accounts.models import Membership
from tests.conftest import Person, edition_set, make_member
from tests.web.conftest import logged_in, text


def test_on_free_the_owner_chooses_who_may_track_on_the_users_page(alice: Person, bob: Person) -> None:
    carol = make_member(alice, "Carol", "carol@example.com")
    make_member(alice, "Dan", "dan@example.com")
    edition_set(alice.account, "free")
    Membership.objects.filter(pk=carol.membership.pk).update(licensed=False)
    browser = logged_in(alice)
    page = text(browser.get("/settings/users/"))
    assert "Can't track on Free" in page and "Let track" in page
    refused = browser.post(f"/settings/users/{carol.user.pk}/license/", {"licensed": "1"}, follow=True)
    assert "Carol: The Free edition allows 3 named users" in text(refused)
    browser.post(f"/settings/users/{bob.user.pk}/license/", {"licensed": "0"})
    done = browser.post(f"/settings/users/{carol.user.pk}/license/", {"licensed": "1"}, follow=True)
    assert "Carol can track time again" in text(done)
    assert Membership.objects.get(pk=carol.membership.pk).licensed is True
    assert Membership.objects.get(pk=bob.membership.pk).licensed is False


def test_members_cannot_hand_out_licenses(alice: Person, bob: Person) -> None:
    edition_set(alice.account, "free")
    response = logged_in(bob).post(f"/settings/users/{bob.user.pk}/license/", {"licensed": "0"})
    assert response.status_code == 403
    assert Membership.objects.get(pk=bob.membership.pk).licensed is True
