from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from stint.core.test_clock import offset_clock_refresh


class TestClockMiddleware:
    """With STINT_TEST_CLOCK=1: every request starts by reading the test clock's offset, which another process may
    have moved (one query). Without the flag it does nothing."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        offset_clock_refresh()
        return self.get_response(request)
