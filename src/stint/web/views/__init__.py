"""Page views, one module per area. `not_found` and `server_error` are the project's error handlers."""

from stint.web.views.pages import not_found, server_error

__all__ = ["not_found", "server_error"]
