"""Settings / License: the on-prem server's license, or in the cloud the subscription key and issued licenses."""

from django.urls import URLPattern, URLResolver, path

from stint.web.views import license

urlpatterns: list[URLPattern | URLResolver] = [
    path("", license.license_page, name="license"),
    path("request/", license.license_request_download, name="license_request"),
    path("issued/<int:license_id>/", license.issued_license_download, name="license_issued_download"),
]
