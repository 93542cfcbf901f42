"""The documentation of docs/, served in the app (Help / Documentation) and searchable, with no internet needed.

Each Markdown file is one page at /help/docs/<path without .md>/ (docs/index.md is /help/docs/). Relative links
between the files are rewritten to those addresses, images to /help/docs/images/<name>. Pages are rendered once
and kept until their file changes. Search is a plain full-text search over the pages' sections, which is plenty
for a few dozen pages.
"""

from __future__ import annotations

import os
import posixpath
import re
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from xml.etree.ElementTree import Element

import markdown
from markdown.extensions import Extension
from markdown.treeprocessors import Treeprocessor

import stint

DOCS_URL = "/help/docs/"
IMAGE_SUFFIXES = {".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".svg": "image/svg+xml"}
GROUPS = [("", "Start"), ("user", "User guide"), ("admin", "Admin guide"), ("operator", "Operator guide")]
_SLUG = re.compile(r"^(?:[a-z0-9][a-z0-9-]*/)?[a-z0-9][a-z0-9-]*$")
_IMAGE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")


def docs_dir() -> Path:
    """STINT_DOCS_DIR, or the docs/ folder beside src/ in a checkout."""
    configured = os.environ.get("STINT_DOCS_DIR", "").strip()
    return Path(configured) if configured else Path(stint.__file__).resolve().parents[2] / "docs"


@dataclass
class Section:
    anchor: str
    heading: str
    text: str


@dataclass
class Page:
    slug: str  # "user/tracking"; "index" for the start page
    title: str
    html: str
    sections: list[Section]
    links: list[str] = field(default_factory=list)  # every in-app address the page links to

    @property
    def url(self) -> str:
        return DOCS_URL if self.slug == "index" else f"{DOCS_URL}{self.slug}/"

    @property
    def group(self) -> str:
        return self.slug.split("/", 1)[0] if "/" in self.slug else ""


# --- rendering ---


def doc_url(target: str, *, base_slug: str) -> str | None:
    """The in-app address of a relative link in the page `base_slug`, or None when it is not one of ours."""
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or target.startswith(("/", "#")) or not parts.path:
        return None
    folder = posixpath.dirname(base_slug)
    resolved = posixpath.normpath(posixpath.join(folder, parts.path))
    fragment = f"#{parts.fragment}" if parts.fragment else ""
    if resolved.endswith(".md"):
        slug = resolved[: -len(".md")]
        return (DOCS_URL if slug == "index" else f"{DOCS_URL}{slug}/") + fragment
    if resolved.startswith("images/"):
        return f"{DOCS_URL}{resolved}"
    return None


class _LinkRewriter(Treeprocessor):
    def __init__(self, md: markdown.Markdown, slug: str, links: list[str]) -> None:
        super().__init__(md)
        self.slug = slug
        self.links = links

    def run(self, root: Element) -> None:
        for element in root.iter():
            attribute = {"a": "href", "img": "src"}.get(element.tag)
            if attribute is None or not element.get(attribute):
                continue
            url = doc_url(element.get(attribute, ""), base_slug=self.slug)
            if url is not None:
                element.set(attribute, url)
                self.links.append(url)
            if element.tag == "img":
                element.set("loading", "lazy")
            elif element.get("href", "").startswith(("http://", "https://")):
                element.set("rel", "noopener")


class _LinkExtension(Extension):
    def __init__(self, slug: str, links: list[str]) -> None:
        super().__init__()
        self.slug = slug
        self.links = links

    def extendMarkdown(self, md: markdown.Markdown) -> None:
        md.treeprocessors.register(_LinkRewriter(md, self.slug, self.links), "stint_links", 1)


def _plain(markdown_text: str) -> str:
    text = re.sub(r"!\[([^\]]*)\]\([^)]*\)", r"\1", markdown_text)
    text = re.sub(r"\[([^\]]+)\]\([^)]*\)", r"\1", text)
    text = re.sub(r"[`*|>#]+|(?<!\w)_+|_+(?!\w)|-{3,}|:-+:?", " ", text)
    return " ".join(text.split())


def _sections(source: str, toc_tokens: list[dict[str, Any]]) -> list[Section]:
    """The page cut at its headings (code blocks skipped), each with the anchor the toc extension gave it."""
    flat: list[dict[str, Any]] = []

    def walk(tokens: list[dict[str, Any]]) -> None:
        for token in tokens:
            flat.append(token)
            walk(token.get("children", []))

    walk(toc_tokens)
    chunks: list[tuple[str, list[str]]] = [("", [])]
    fenced = False
    for line in source.splitlines():
        if line.startswith("```"):
            fenced = not fenced
        if not fenced and re.match(r"^#{1,6} ", line):
            chunks.append((line.lstrip("#").strip(), []))
        else:
            chunks[-1][1].append(line)
    headed = chunks[1:]
    anchors = [t["id"] for t in flat] if len(flat) == len(headed) else [""] * len(headed)
    sections = [Section("", "", _plain("\n".join(chunks[0][1])))] if "".join(chunks[0][1]).strip() else []
    for (heading, lines), anchor in zip(headed, anchors, strict=True):
        sections.append(Section(anchor, _plain(heading), _plain("\n".join(lines))))
    return sections


def _render(slug: str, source: str) -> Page:
    links: list[str] = []
    md = markdown.Markdown(
        extensions=["extra", "sane_lists", "toc", _LinkExtension(slug, links)],
        extension_configs={"toc": {"toc_depth": "1-4"}},
        output_format="html",
    )
    html = md.convert(source)
    tokens: list[dict[str, Any]] = md.toc_tokens
    title = next((line.lstrip("#").strip() for line in source.splitlines() if line.startswith("# ")), slug)
    return Page(slug=slug, title=_plain(title), html=html, sections=_sections(source, tokens), links=links)


# --- the library: every page, re-read when its file changes ---


class _Library:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._pages: dict[str, tuple[float, Page]] = {}

    def pages(self) -> dict[str, Page]:
        root = docs_dir()
        found: dict[str, Page] = {}
        with self._lock:
            for path in sorted(root.rglob("*.md")):
                slug = path.relative_to(root).with_suffix("").as_posix()
                if not _SLUG.match(slug):
                    continue
                mtime = path.stat().st_mtime
                cached = self._pages.get(slug)
                if cached is None or cached[0] != mtime:
                    cached = (mtime, _render(slug, path.read_text(encoding="utf-8")))
                    self._pages[slug] = cached
                found[slug] = cached[1]
            for gone in set(self._pages) - set(found):
                del self._pages[gone]
        return found


_library = _Library()


def doc_pages() -> dict[str, Page]:
    return _library.pages()


def doc_page(slug: str) -> Page | None:
    return doc_pages().get(slug or "index")


def doc_image(name: str) -> tuple[Path, str] | None:
    """The file and content type of docs/images/<name>, or None (names are plain file names: no traversal)."""
    suffix = Path(name).suffix.lower()
    if not _IMAGE.match(name) or suffix not in IMAGE_SUFFIXES:
        return None
    path = docs_dir() / "images" / name
    return (path, IMAGE_SUFFIXES[suffix]) if path.is_file() else None


def doc_navigation() -> list[tuple[str, list[Page]]]:
    """The pages by guide, in the order the start page lists them (then by title)."""
    pages = doc_pages()
    index = pages.get("index")
    order = {url: n for n, url in enumerate(index.links)} if index else {}
    groups = []
    for key, label in GROUPS:
        members = [p for p in pages.values() if p.group == key]
        members.sort(key=lambda p: (p.slug != "index", order.get(p.url, len(order)), p.title))
        if members:
            groups.append((label, members))
    return groups


# --- search ---


@dataclass
class Hit:
    page: Page
    section: Section
    score: int
    snippet: list[tuple[str, bool]]  # (text, is a match): the template escapes and marks

    @property
    def url(self) -> str:
        return f"{self.page.url}#{self.section.anchor}" if self.section.anchor else self.page.url


def _terms(query: str) -> list[str]:
    words = re.findall(r"[\w.@-]+", query.lower())[:10]
    terms = []
    for word in words:
        word = word.strip(".-")
        if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
            word = word[:-1]  # "invoices" finds "invoice"
        if len(word) >= 2 and word not in terms:
            terms.append(word)
    return terms


def _snippet(text: str, terms: list[str], width: int = 220) -> list[tuple[str, bool]]:
    lower = text.lower()
    positions = [lower.find(t) for t in terms if t in lower]
    start = max(0, min(positions) - 60) if positions else 0
    excerpt = text[start : start + width]
    prefix, suffix = ("… " if start else ""), (" …" if start + width < len(text) else "")
    pattern = re.compile("|".join(re.escape(t) for t in sorted(terms, key=len, reverse=True)), re.IGNORECASE)
    parts: list[tuple[str, bool]] = [(prefix, False)] if prefix else []
    cursor = 0
    for match in pattern.finditer(excerpt):
        parts.append((excerpt[cursor : match.start()], False))
        parts.append((match.group(0), True))
        cursor = match.end()
    parts.append((excerpt[cursor:] + suffix, False))
    return [part for part in parts if part[0]]


def docs_search(query: str, *, limit: int = 20) -> list[Hit]:
    """Pages holding every word of the query, best first; each answered by its best section."""
    terms = _terms(query)
    if not terms:
        return []
    hits: list[Hit] = []
    for page in doc_pages().values():
        whole = (page.title + " " + " ".join(s.heading + " " + s.text for s in page.sections)).lower()
        if not all(t in whole for t in terms):
            continue
        best: tuple[int, Section] | None = None
        for section in page.sections:
            heading, text = section.heading.lower(), section.text.lower()
            score = sum(10 * heading.count(t) + min(text.count(t), 10) for t in terms)
            score += 5 * sum(t in heading for t in terms) * len([t for t in terms if t in heading or t in text])
            if best is None or score > best[0]:
                best = (score, section)
        if best is None:
            continue
        title_bonus = sum(20 for t in terms if t in page.title.lower())
        section = best[1]
        hits.append(Hit(page, section, best[0] + title_bonus, _snippet(section.text or section.heading, terms)))
    hits.sort(key=lambda h: (-h.score, h.page.title))
    return hits[:limit]
