"""Browser tests: Playwright driving Debian's Chromium against pytest-django's live server."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

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
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-US")
    context.set_default_timeout(10_000)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def screenshots(tmp_path: Path) -> Path:
    """Where screenshots go: $STINT_SCREENSHOTS when set (the docs use them), else a temporary folder."""
    folder = Path(os.environ.get("STINT_SCREENSHOTS") or tmp_path / "screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder
