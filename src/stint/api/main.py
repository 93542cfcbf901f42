from __future__ import annotations

from ninja import NinjaAPI

import stint
from stint.api import accounts
from stint.api.auth import TokenAuth
from stint.api.errors import install_error_handlers

api = NinjaAPI(
    title="Stint API",
    version="1",
    description="Team time tracking. Every endpoint but sign-up and token creation needs "
    "`Authorization: Bearer <token>`. Errors are `{\"detail\", \"code\"}`; lists are "
    "`{\"items\", \"next_cursor\"}` with `limit` (max 500) and `cursor`.",
    auth=TokenAuth(),
    urls_namespace="api",
    docs_url="/docs",
    openapi_url="/openapi.json",
    openapi_extra={"info": {"x-stint-version": stint.__version__}},
)
install_error_handlers(api)
api.add_router("", accounts.router)
