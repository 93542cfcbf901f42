"""The one confirmation page: what an irreversible action will do, before it is done (works without JavaScript)."""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import render

from stint.web.access import MemberRequest


def confirm_page(request: MemberRequest, *, title: str, points: list[str], button: str, cancel: str) -> HttpResponse:
    return render(request, "web/confirm.html", {"title": title, "points": points, "button": button, "cancel": cancel})
