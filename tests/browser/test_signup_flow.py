from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer

from tests.conftest import PASSWORD, Mailbox, deliver

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("transactional_db")]


def test_an_owner_signs_up_adds_bob_and_sees_the_event_and_the_emails(
    page: Page, live_server: LiveServer, mailbox: Mailbox, screenshots: Path
) -> None:
    base = live_server.url
    page.goto(f"{base}/signup/")
    page.get_by_label("Account name").fill("Acme")
    page.get_by_label("Your name").fill("Alice Archer")
    page.get_by_label("Email").fill("alice@example.com")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_role("heading", name="Welcome, Alice Archer")).to_be_visible()
    expect(page.get_by_text("Your edition: Trial")).to_be_visible()

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Settings").click()
    expect(page.get_by_role("heading", name="Users", exact=True)).to_be_visible()
    page.get_by_label("Name", exact=True).fill("Bob Baker")
    page.get_by_label("Email", exact=True).fill("bob@example.com")
    page.get_by_role("button", name="Add user").click()
    expect(page.get_by_text("Bob Baker is now a named user (member).")).to_be_visible()
    bob_row = page.get_by_role("row").filter(has_text="bob@example.com")
    expect(bob_row).to_contain_text("Bob Baker")
    expect(bob_row).to_contain_text("Invitation pending")
    expect(page.get_by_text("2 named users")).to_be_visible()
    page.screenshot(path=str(screenshots / "settings-users.png"), full_page=True)

    deliver()
    page.get_by_role("navigation", name="Settings").get_by_role("link", name="My Account").click()
    event_row = page.get_by_role("row").filter(has_text="user.added")
    expect(event_row).to_contain_text("Alice Archer added Bob Baker <bob@example.com> as member.")
    expect(event_row).to_contain_text(re.compile(r"\bsent\b"))
    page.screenshot(path=str(screenshots / "settings-my-account.png"), full_page=True)

    assert "Bob Baker was added to Acme" in mailbox.subjects("alice@example.com")
    assert "Alice Archer invited you to Acme on Stint" in mailbox.subjects("bob@example.com")
