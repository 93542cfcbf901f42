"""The back-office (staff only): accounts and the people in them. Changes go through the services elsewhere;
these pages are for looking things up."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.http import HttpRequest

from stint.accounts.models import Account, ApiToken, Membership, Team, User


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
    readonly_fields = ("account", "user", "added_at", "added_by", "invitation_token_hash", "invited_at")


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ("name", "account", "created_at")
    search_fields = ("name", "account__name")


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ("label", "prefix", "user", "account", "created_at", "last_used_at", "revoked_at")
    search_fields = ("label", "prefix", "user__email")
    readonly_fields = ("account", "user", "prefix", "token_hash", "created_at", "last_used_at")
