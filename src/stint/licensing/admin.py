"""Back-office for licensing (cloud): issue a license from a request file, see what was issued, release a server.
Every staff action is logged in the admin's history."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import URLPattern, path, reverse

from stint.accounts.models import Account, User
from stint.core.errors import StintError
from stint.licensing.files import MAX_TEXT
from stint.licensing.issuing import license_issue, licensed_server_release
from stint.licensing.models import IssuedLicense, LicensedServer


class _ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return [f.name for f in self.model._meta.fields]


class IssueForm(forms.Form):
    account = forms.ModelChoiceField(
        queryset=Account.objects.order_by("name"), help_text="Whose subscription pays for the license"
    )
    request_file = forms.FileField(label="Request file", required=False)
    request_text = forms.CharField(
        label="Or paste the request",
        required=False,
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 10, "cols": 80, "style": "font-family:monospace"}),
    )
    seats = forms.IntegerField(
        required=False,
        min_value=1,
        max_value=100_000,
        help_text="Optional: buy seats up to this number first (charged or invoiced like any seat change)",
    )

    def request(self) -> str:
        upload = self.cleaned_data.get("request_file")
        if upload is not None:
            return str(upload.read(MAX_TEXT + 1).decode("utf-8", errors="replace"))
        text = str(self.cleaned_data.get("request_text") or "")
        if not text.strip():
            self.add_error("request_text", "Upload the server's request file or paste it.")
        return text


@admin.register(IssuedLicense)
class IssuedLicenseAdmin(_ReadOnly):
    list_display = ("issued_at", "account", "server", "serial", "edition", "seats", "expires_at", "via", "issued_by")
    list_filter = ("edition", "via")
    search_fields = ("account__name", "server__server_id", "server__fingerprint")
    list_select_related = ("account", "server", "issued_by")
    change_list_template = "admin/licensing/issuedlicense/change_list.html"

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return bool(request.user.is_staff and request.user.has_perm("licensing.view_issuedlicense"))

    def get_urls(self) -> list[URLPattern]:
        issue = self.admin_site.admin_view(self.issue_view)
        return [path("issue/", issue, name="licensing_issuedlicense_issue"), *super().get_urls()]

    def issue_view(self, request: HttpRequest) -> HttpResponse:
        """Paste or upload a server's request for an account; the answer is the license file to download."""
        if not request.user.has_perm("licensing.add_issuedlicense") and not request.user.is_superuser:
            raise PermissionDenied
        initial = {"account": request.GET.get("account")} if request.GET.get("account") else None
        form = IssueForm(request.POST or None, request.FILES or None, initial=initial)
        if request.method == "POST" and form.is_valid():
            text = form.request()
            if not form.errors:
                try:
                    issued = license_issue(
                        account=form.cleaned_data["account"],
                        request_text=text,
                        actor=request.user if isinstance(request.user, User) else None,
                        via=IssuedLicense.Via.BACKOFFICE,
                        seats=form.cleaned_data.get("seats"),
                    )
                except StintError as error:
                    form.add_error("request_text" if not request.FILES else "request_file", error.detail)
                else:
                    self.log_addition(
                        request,
                        issued,
                        f"Issued serial {issued.serial} for server {issued.server.server_id}: {issued.edition}, "
                        f"{issued.seats} seats, paid up to {issued.expires_at:%Y-%m-%d}.",
                    )
                    response = HttpResponse(issued.text, content_type="text/plain; charset=utf-8")
                    response["Content-Disposition"] = (
                        f'attachment; filename="stint-license-{issued.server.server_id}-{issued.serial}.txt"'
                    )
                    return response
        context = {
            **self.admin_site.each_context(request),
            "title": "Issue a license from a request file",
            "form": form,
            "opts": self.model._meta,
            "back_url": reverse("admin:licensing_issuedlicense_changelist"),
            "back_label": "Issued licenses",
            "button": "Issue and download the license",
            "intro": [
                "Upload or paste the request file the customer's server made (Settings / License, or stint license "
                "request). The license is signed for that server on the account's subscription (Regular or "
                "Enterprise, paid) and downloaded at once; the account owner gets the license issued email. The "
                "same request may be answered again: each answer has a higher serial."
            ],
        }
        return render(request, "admin/billing/staff_form.html", context)


@admin.register(LicensedServer)
class LicensedServerAdmin(_ReadOnly):
    list_display = (
        "server_id",
        "account",
        "fingerprint",
        "name",
        "reported_active_users",
        "last_request_at",
        "released_at",
    )
    list_filter = ("released_at",)
    search_fields = ("account__name", "server_id", "fingerprint", "name")
    actions = ["release"]

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return bool(request.user.is_staff and request.user.has_perm("licensing.change_licensedserver"))

    @admin.action(description="Release (no longer counts against the subscription's servers)", permissions=["change"])
    def release(self, request: HttpRequest, queryset: QuerySet[LicensedServer]) -> None:
        for server in queryset.filter(released_at__isnull=True):
            try:
                licensed_server_release(server=server, actor=request.user)  # type: ignore[arg-type]
            except StintError as error:
                self.message_user(request, f"{server}: {error.detail}", level=messages.ERROR)
            else:
                self.log_change(request, server, "Released at the customer's request")
                self.message_user(request, f"{server} released.")
