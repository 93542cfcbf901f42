"""Helpers for the page tests: a logged-in browser per person, and reading what a page says."""

from __future__ import annotations

import html
import re
from email.message import EmailMessage
from urllib.parse import urlparse

from django.http import HttpResponse
from django.test import Client

from tests.conftest import Person, body_text


def logged_in(person: Person) -> Client:
    """A fresh browser session, logged in as this person."""
    client = Client()
    client.force_login(person.user)
    return client


def text(response: HttpResponse) -> str:
    """The page's visible text, roughly: tags stripped, entities decoded, whitespace collapsed."""
    without_tags = re.sub(r"<[^>]+>", " ", response.content.decode())
    return " ".join(html.unescape(without_tags).split())


def field_error(response: HttpResponse, field: str) -> str:
    """The error shown next to a form field ('' when there is none)."""
    match = re.search(rf'<ul class="errorlist" id="id_{field}_error">(.*?)</ul>', response.content.decode(), re.S)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", match.group(1))).split()) if match else ""


def link_path(message: EmailMessage, fragment: str) -> str:
    """The path of the first link in an email's text that contains `fragment`."""
    for url in re.findall(r"https?://\S+", body_text(message)):
        if fragment in url:
            return urlparse(url).path
    raise AssertionError(f"No link with {fragment!r} in: {body_text(message)}")
