"""What the tracking browser tests share: logging in through the page."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.conftest import Person


def log_in(page: Page, base: str, person: Person, then: str = "/") -> None:
    page.goto(f"{base}/login/?next={then}")
    page.get_by_label("Email").fill(person.email)
    page.get_by_label("Password").fill(person.password)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("navigation", name="Main")).to_be_visible()
