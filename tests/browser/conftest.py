"""Browser tests: Playwright driving Debian's Chromium against pytest-django's live server."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright

from tests.billing.stripe.conftest import fake_stripe, stripe_server  # noqa: F401 (the Stripe-shaped server)
from tests.conftest import chromium_path


@pytest.fixture
def browser(monkeypatch: pytest.MonkeyPatch) -> Iterator[Browser]:
    """Chromium for one test.

    Playwright's sync API keeps an event loop running in the test's thread while it is started, and Django refuses
    database calls from such a thread unless DJANGO_ALLOW_ASYNC_UNSAFE is set. So both live only as long as one
    test: set as the environment variable is here (not at import), it does not leak into the other tests or into
    the subprocesses they start (`manage check --deploy` warns about it).
    """
    path = chromium_path()
    if path is None:
        pytest.skip("No Chromium found: install Debian's chromium package or set STINT_CHROMIUM.")
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=path)
        yield browser
        browser.close()


@pytest.fixture
def new_page(browser: Browser) -> Iterator[Callable[[], Page]]:
    """Opens a page in a browser context of its own (own cookies: another person at another computer, e.g. a staff
    member beside the customer); every one is closed when the test ends."""
    contexts: list[BrowserContext] = []

    def open_page() -> Page:
        context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-US")
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context.new_page()

    yield open_page
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_page: Callable[[], Page]) -> Page:
    return new_page()


@pytest.fixture
def screenshots(tmp_path: Path) -> Path:
    """Where screenshots go: $STINT_SCREENSHOTS when set (the docs use them), else a temporary folder."""
    folder = Path(os.environ.get("STINT_SCREENSHOTS") or tmp_path / "screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder
