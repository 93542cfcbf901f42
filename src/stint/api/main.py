from __future__ import annotations

from typing import Any

from django.urls import URLPattern
from ninja import NinjaAPI

import stint
from stint.api import accounts, catalog, tracking, tracking_rules
from stint.api.auth import TokenAuth
from stint.api.errors import install_error_handlers, json_method_not_allowed
from stint.api.parser import JsonParser


class StintAPI(NinjaAPI):
    """Ninja, with its one answer outside the exception handlers (405) in our error shape too."""

    @property
    def urls(self) -> tuple[list[Any], str, str]:
        patterns, app_name, namespace = super().urls
        for pattern in patterns:
            if isinstance(pattern, URLPattern):
                pattern.callback = json_method_not_allowed(pattern.callback)
        return patterns, app_name, namespace


api = StintAPI(
    title="Stint API",
    version="1",
    description="Team time tracking. Every endpoint but sign-up and token creation needs "
    '`Authorization: Bearer <token>`. Errors are `{"detail", "code"}`; lists are '
    '`{"items", "next_cursor"}` with `limit` (max 500) and `cursor`.',
    auth=TokenAuth(),
    parser=JsonParser(),
    urls_namespace="api",
    docs_url="/docs",
    openapi_url="/openapi.json",
    openapi_extra={"info": {"x-stint-version": stint.__version__}},
)
install_error_handlers(api)
api.add_router("", accounts.router)
api.add_router("", catalog.router)
api.add_router("", tracking.router)
api.add_router("", tracking_rules.router)
api.add_router("", "stint.api.billing.router")
api.add_router("", "stint.api.test_clock.router")
api.add_router("", "stint.api.licensing.router")
api.add_router("", "stint.api.support.router")
