"""The back-office (staff only): accounts and the people in them. Changes go through the services elsewhere;
these pages are for looking things up."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import URLPattern, path, reverse

from stint.accounts import services
from stint.accounts.models import Account, ApiToken, Membership, Team, User
from stint.core.errors import StintError


class MembershipInline(admin.TabularInline):
    model = Membership
    fk_name = "account"
    extra = 0
    fields = ("user", "role", "active", "added_at", "accepted_at", "deactivated_at")
    readonly_fields = fields
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Account)
class AccountAdmin(admin.ModelAdmin):
    list_display = ("id", "name", "owner", "edition", "trial_ends_at", "created_at")
    list_filter = ("edition",)
    search_fields = ("name", "legal_name", "owner__email")
    # The edition and trial end are the subscription's (billing moves them); editing them here would put the account
    # out of step with what it pays for.
    readonly_fields = ("owner", "created_at", "edition", "trial_ends_at")
    inlines = [MembershipInline]
    change_form_template = "admin/accounts/account/change_form.html"

    def get_urls(self) -> list[URLPattern]:
        owner = self.admin_site.admin_view(self.owner_view)
        return [path("<int:pk>/owner/", owner, name="accounts_account_owner"), *super().get_urls()]

    def owner_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        """Change the owner when a customer asks by mail (the old owner left, say); logged in the history."""
        account = get_object_or_404(Account, pk=pk)
        if not self.has_change_permission(request, account):
            raise PermissionDenied
        candidates = Membership.objects.filter(account=account, active=True, accepted_at__isnull=False).exclude(
            user_id=account.owner_id
        )
        form = OwnerForm(request.POST or None, candidates=candidates)
        if request.method == "POST" and form.is_valid():
            membership = form.cleaned_data["membership"]
            try:
                services.ownership_transfer(
                    account=account,
                    actor=request.user,  # type: ignore[arg-type]
                    membership=membership,
                    by_staff=True,
                )
            except StintError as error:
                form.add_error("membership", error.detail)
            else:
                message = f"Owner changed to {membership.user.email} at the customer's request."
                self.log_change(request, account, message)
                self.message_user(request, message)
                return redirect("admin:accounts_account_change", account.pk)
        context = {
            **self.admin_site.each_context(request),
            "title": f"Change the owner of {account}",
            "form": form,
            "button": "Make them the owner",
            "intro": [
                f"The owner now is {account.owner.email}. The new owner becomes an admin; both get an email.",
            ],
            "opts": self.model._meta,
            "back_url": reverse("admin:accounts_account_change", args=[account.pk]),
            "back_label": str(account),
        }
        return render(request, "admin/billing/staff_form.html", context)


class OwnerForm(forms.Form):
    membership = forms.ModelChoiceField(queryset=Membership.objects.none(), label="New owner")

    def __init__(self, *args: Any, candidates: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["membership"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = candidates.select_related("user")
        field.label_from_instance = lambda m: f"{m.user.name} <{m.user.email}> ({m.role})"  # type: ignore[method-assign,assignment]


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    ordering = ("email",)
    list_display = ("email", "name", "is_staff", "is_active", "date_joined")
    search_fields = ("email", "name")
    fieldsets = (
        (None, {"fields": ("email", "name", "password")}),
        ("Preferences", {"fields": ("timezone", "week_start")}),
        ("Back-office access", {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "name", "password1", "password2")}),)
    readonly_fields = ("date_joined",)


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ("user", "account", "role", "active", "added_at", "accepted_at")
    list_filter = ("role", "active")
    search_fields = ("user__email", "account__name")
    # Adding, removing and licensing people charges, credits and emails: that goes through the account's own pages
    # (or the services), never through a field edited here.
    readonly_fields = (
        "account", "user", "role", "active", "licensed", "added_at", "added_by", "deactivated_at",
        "invitation_token_hash", "invited_at", "accepted_at", "last_seen_at",
    )  # fmt: skip


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ("name", "account", "created_at")
    search_fields = ("name", "account__name")


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ("label", "prefix", "user", "account", "created_at", "last_used_at", "revoked_at")
    search_fields = ("label", "prefix", "user__email")
    readonly_fields = ("account", "user", "prefix", "token_hash", "created_at", "last_used_at")
