from __future__ import annotations

import re

import pytest
from django.test import Client, RequestFactory

from stint.accounts.models import Membership
from stint.web.views import server_error
from tests.conftest import Person
from tests.web.conftest import logged_in, text


def test_admins_see_every_settings_page_in_the_navigation(alice: Person) -> None:
    page = logged_in(alice).get("/settings/tokens/").content.decode()
    for path in [
        "/settings/users/",
        "/settings/teams/",
        "/settings/tokens/",
        "/settings/account/",
        "/settings/profile/",
    ]:
        assert f'href="{path}"' in page


def test_members_see_only_their_own_settings(bob: Person) -> None:
    page = logged_in(bob).get("/settings/tokens/").content.decode()
    assert 'href="/settings/tokens/"' in page
    assert 'href="/settings/profile/"' in page
    assert 'href="/settings/users/"' not in page
    assert 'href="/settings/account/"' not in page


def test_settings_opens_the_first_page_a_person_may_use(alice: Person, bob: Person) -> None:
    assert logged_in(alice).get("/settings/")["Location"] == "/settings/users/"
    assert logged_in(bob).get("/settings/")["Location"] == "/settings/tokens/"


def test_a_login_without_an_active_membership_is_told_so(alice: Person, bob: Person) -> None:
    Membership.objects.filter(user=bob.user).update(active=False)
    response = logged_in(bob).get("/")
    assert response.status_code == 403
    assert "You are not in any account right now" in text(response)


def test_home_points_to_the_tracking_pages(alice: Person) -> None:
    page = text(logged_in(alice).get("/"))
    assert "Track your time" in page
    assert "your week" in page
    assert "Invite your team" in page
    assert "Create an API token" in page


@pytest.mark.django_db
def test_an_unknown_page_shows_our_404(client: Client) -> None:
    response = client.get("/no/such/page/")
    assert response.status_code == 404
    assert "find that page" in text(response)


@pytest.mark.django_db
def test_the_500_page_shows_the_error_id_it_is_given() -> None:
    response = server_error(RequestFactory().get("/"), error_id="e-1234")
    assert response.status_code == 500
    assert "e-1234" in response.content.decode()
    assert "Something went wrong on our side" in response.content.decode()


def test_every_asset_is_served_by_the_app_itself(alice: Person) -> None:
    page = logged_in(alice).get("/").content.decode()
    assets = re.findall(r'(?:src|href)="([^"]+\.(?:js|css|svg))"', page)
    assert len(assets) >= 3
    for asset in assets:
        assert asset.startswith("/static/"), f"{asset} must be self-hosted"
        response = Client().get(asset)
        assert response.status_code == 200, asset
    assert "htmx" in Client().get("/static/stint/vendor/htmx.min.js").getvalue().decode()[:200]


def test_every_form_carries_a_csrf_token(alice: Person) -> None:
    browser = logged_in(alice)
    for path in ["/", "/settings/users/", "/settings/teams/", "/settings/tokens/", "/settings/profile/"]:
        page = browser.get(path).content.decode()
        forms = re.findall(r'<form[^>]*method="post"[^>]*>(.*?)</form>', page, re.S)
        assert forms, path
        for form in forms:
            assert 'name="csrfmiddlewaretoken"' in form, path
