from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import include, path, re_path

from stint.api.main import api
from stint.billing.webhooks import stripe_webhook


def healthz(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [
    path("api/v1/", api.urls),
    # Unknown API paths answer the API's JSON error, also with debug on (where Django would show an HTML page).
    re_path(r"^api/", lambda request: handler404(request)),
    path("backoffice/", admin.site.urls),
    path("healthz", healthz, name="healthz"),
    path("webhooks/stripe/", stripe_webhook, name="stripe_webhook"),
    path("", include("stint.web.urls")),
]


def handler404(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": f"There is no API endpoint at {request.path}.", "code": "not_found"}, status=404)
    from stint.web.views import not_found

    return not_found(request, exception)


def handler500(request: HttpRequest) -> HttpResponse:
    # The id was given by ErrorIdMiddleware when a view failed; an error outside views gets one here.
    from stint.support.errors import error_id_assign

    error_id = error_id_assign(request=request, exception=None)
    if request.path.startswith("/api/"):
        body = {
            "detail": f"Something went wrong on our side. Please report error id {error_id}.",
            "code": "server_error",
            "error_id": error_id,
        }
        return JsonResponse(body, status=500)
    from stint.web.views import server_error

    return server_error(request, error_id=error_id)
