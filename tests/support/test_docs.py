"""The documentation in the app: every page served, every link between pages and every image working, searchable,
and readable with no internet."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.test import Client

from stint.support.docs import doc_pages, docs_dir, docs_search
from tests.conftest import Person
from tests.web.conftest import logged_in, text

DOCS = docs_dir()
MARKDOWN_FILES = sorted(DOCS.rglob("*.md"))
LINK = re.compile(r"(?<!\!)\[[^\]]*\]\(([^)\s]+)\)")
IMAGE = re.compile(r"!\[[^\]]*\]\(([^)\s]+)\)")


def anchors_of(path: Path) -> set[str]:
    page = doc_pages()[path.relative_to(DOCS).with_suffix("").as_posix()]
    return set(re.findall(r'id="([^"]+)"', page.html))


def test_the_docs_folder_holds_the_three_guides() -> None:
    slugs = set(doc_pages())
    assert {"index", "user/tracking", "user/help-and-support", "admin/billing", "operator/install"} <= slugs
    for page in ["operator/install", "operator/postgresql", "operator/email", "operator/configuration",
                 "operator/backups", "operator/upgrades", "operator/scaling"]:  # fmt: skip
        assert page in slugs, page


@pytest.mark.parametrize("path", MARKDOWN_FILES, ids=lambda p: p.relative_to(DOCS).as_posix())
def test_every_relative_link_and_image_in_the_markdown_resolves(path: Path) -> None:
    source = path.read_text(encoding="utf-8")
    source = re.sub(r"```.*?```", "", source, flags=re.S)
    for target in LINK.findall(source) + IMAGE.findall(source):
        parts = urlsplit(target)
        if parts.scheme or target.startswith("/"):
            continue
        resolved = (path.parent / parts.path).resolve() if parts.path else path
        assert resolved.is_file(), f"{path.name}: {target} does not exist"
        if parts.fragment:
            assert resolved.suffix == ".md", target
            where = f"{path.name}: no heading #{parts.fragment} in {resolved.name}"
            assert parts.fragment in anchors_of(resolved), where


@pytest.mark.django_db
def test_every_link_of_every_page_works_in_the_app(client: Client) -> None:
    pages: dict[str, str] = {}
    for page in doc_pages().values():
        response = client.get(page.url)
        assert response.status_code == 200, page.url
        pages[page.url] = response.content.decode()
    checked = 0
    for url, html in pages.items():
        for link in re.findall(r'(?:href|src)="(/help/docs/[^"]*)"', html):
            parts = urlsplit(link)
            if parts.path.startswith("/help/docs/images/"):
                response = client.get(parts.path)
                assert response.status_code == 200 and response["Content-Type"].startswith("image/"), (url, link)
            else:
                assert parts.path in pages, f"{url} links to {link}, which is no page"
                if parts.fragment:
                    assert f'id="{parts.fragment}"' in pages[parts.path], f"{url} links to {link}: no such heading"
            checked += 1
    assert checked > 50


@pytest.mark.django_db
def test_the_docs_need_nothing_from_the_internet(client: Client) -> None:
    html = client.get("/help/docs/admin/billing/").content.decode()
    for asset in re.findall(r'<(?:script|link|img)[^>]+(?:src|href)="([^"]+)"', html):
        assert asset.startswith("/"), asset


@pytest.mark.django_db
def test_docs_are_readable_without_logging_in_and_link_their_guides(client: Client) -> None:
    page = text(client.get("/help/docs/"))
    assert "Stint documentation" in page
    assert "User guide" in page and "Admin guide" in page and "Operator guide" in page


def test_search_finds_the_page_and_section(alice: Person) -> None:
    response = logged_in(alice).get("/help/search/", {"q": "credit notes"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "<mark>" in html
    hits = docs_search("credit notes")
    assert hits and {"admin/billing", "operator/back-office"} & {h.page.slug for h in hits[:3]}
    assert "#" in hits[0].url


def test_search_for_the_help_area_finds_its_own_page() -> None:
    assert docs_search("report a bug error id")[0].page.slug == "user/help-and-support"


@pytest.mark.django_db
def test_a_search_with_no_match_says_so(client: Client) -> None:
    assert "Nothing found" in text(client.get("/help/search/", {"q": "xylophone-quartz"}))
    assert client.get("/help/search/", {"q": "<script>"}).status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url",
    ["/help/docs/no-such-page/", "/help/docs/user/nope/", "/help/docs/images/nope.png", "/help/docs/images/..%2Fx.png",
     "/help/docs/images/index.md", "/help/docs/../settings.py"],
)  # fmt: skip
def test_unknown_pages_and_files_are_not_found(client: Client, url: str) -> None:
    assert client.get(url).status_code == 404
