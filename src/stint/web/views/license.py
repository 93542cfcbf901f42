"""Settings / License (admins).

On an on-prem server: the license's status, the request file to download, a license to upload or paste (refusal
reasons next to the field), online activation with a subscription key, refresh and disconnect.
In the cloud: the subscription key that on-prem servers enter (copy, regenerate), and the licenses issued to the
account's servers (download).
"""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render

from stint.billing.models import Subscription
from stint.core.errors import StintError
from stint.licensing.files import MAX_TEXT
from stint.licensing.issuing import subscription_key_regenerate
from stint.licensing.models import LicenseSource
from stint.licensing.online import license_activate, license_disconnect, license_refresh
from stint.licensing.onprem import license_install
from stint.licensing.overview import license_overview
from stint.licensing.selectors import issued_licenses, licensed_servers
from stint.licensing.server import onprem_account, request_build
from stint.web.access import MemberRequest, admin_required
from stint.web.forms import show_error


class LicenseInstallForm(forms.Form):
    license_file = forms.FileField(
        label="License file", required=False, help_text="The file Stint sent you (stint-license.txt)."
    )
    license_text = forms.CharField(
        label="Or paste the license",
        required=False,
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 8, "spellcheck": "false", "class": "monospace"}),
        help_text="Everything from -----BEGIN STINT LICENSE----- to -----END STINT LICENSE-----.",
    )

    def license(self) -> str:
        upload = self.cleaned_data.get("license_file")
        if upload is not None:
            if upload.size > MAX_TEXT:
                self.add_error("license_file", "This file is far larger than a license; choose the license file.")
                return ""
            return upload.read().decode("utf-8", errors="replace")
        text = self.cleaned_data.get("license_text", "")
        if not text.strip():
            self.add_error("license_text", "Choose the license file or paste its text.")
        return text


class ActivateForm(forms.Form):
    subscription_key = forms.CharField(
        label="Subscription key",
        max_length=100,
        help_text="Shown to admins in Stint's cloud, in Settings / License. It starts with sk_.",
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
        error_messages={"required": "Enter the subscription key."},
    )


def _onprem_page(request: MemberRequest) -> HttpResponse:
    server_account = onprem_account()
    if server_account is None or server_account.pk != request.account.pk:
        raise Http404("There is no license for this account on this server.")
    action = request.POST.get("action") if request.method == "POST" else None
    install_form = LicenseInstallForm(request.POST, request.FILES) if action == "install" else LicenseInstallForm()
    activate_form = ActivateForm(request.POST) if action == "activate" else ActivateForm()
    status = 200
    if action == "install" and install_form.is_valid():
        text = install_form.license()
        if not install_form.errors:
            try:
                installed = license_install(text=text, actor=request.user, source=LicenseSource.FILE)
            except StintError as exc:
                install_form.add_error("license_text" if not request.FILES else "license_file", exc.detail)
            else:
                messages.success(
                    request,
                    f"The license is installed: {installed.edition.title()}, {installed.seats} named users, paid up "
                    f"to {installed.expires_at:%Y-%m-%d}.",
                )
                return redirect("license")
        status = 422
    elif action == "activate" and activate_form.is_valid():
        try:
            license_activate(actor=request.user, subscription_key=activate_form.cleaned_data["subscription_key"])
        except StintError as exc:
            show_error(activate_form, exc)
            if exc.field not in activate_form.fields:
                activate_form.add_error("subscription_key", exc.detail)
            status = 422
        else:
            messages.success(request, "The server is activated online; its license is refreshed every day.")
            return redirect("license")
    elif action == "refresh":
        try:
            license_refresh(force=True)
        except StintError as exc:
            messages.error(request, f"The license could not be refreshed: {exc.detail}")
        else:
            messages.success(request, "The license was refreshed from Stint's cloud.")
        return redirect("license")
    elif action == "disconnect":
        license_disconnect()
        messages.success(request, "Online refresh is off; the installed license stays until it expires.")
        return redirect("license")
    elif action is not None:
        status = 422
    context = {
        "overview": license_overview(),
        "install_form": install_form,
        "activate_form": activate_form,
        "server_url": settings.STINT_LICENSE_SERVER_URL,
    }
    return render(request, "web/license/onprem.html", context, status=status)


def _cloud_page(request: MemberRequest) -> HttpResponse:
    if request.method == "POST" and request.POST.get("action") == "regenerate":
        subscription_key_regenerate(account=request.account, actor=request.user)
        messages.success(
            request,
            "A new subscription key was made; the old one no longer works. Enter the new one on servers that "
            "refresh their license online.",
        )
        return redirect("license")
    subscription = Subscription.objects.get(account=request.account)
    context = {
        "subscription": subscription,
        "servers": licensed_servers(account=request.account, include_released=True),
        "licenses": issued_licenses(account=request.account)[:50],
    }
    return render(request, "web/license/cloud.html", context)


@admin_required
def license_page(request: MemberRequest) -> HttpResponse:
    if settings.STINT_MODE == "onprem":
        return _onprem_page(request)
    return _cloud_page(request)


def _text_file(text: str, filename: str) -> HttpResponse:
    response = HttpResponse(text, content_type="text/plain; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response


@admin_required
def license_request_download(request: MemberRequest) -> HttpResponse:
    if settings.STINT_MODE != "onprem" or onprem_account() != request.account:
        raise Http404("Request files are made by on-prem servers.")
    return _text_file(request_build(), "stint-license-request.txt")


@admin_required
def issued_license_download(request: MemberRequest, license_id: int) -> HttpResponse:
    issued = issued_licenses(account=request.account).filter(pk=license_id).first()
    if issued is None:
        raise Http404("There is no such license in this account.")
    return _text_file(issued.text, f"stint-license-{issued.server.server_id}-{issued.serial}.txt")
