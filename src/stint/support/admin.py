"""Back-office for support: the bug report queue (priority first) with replies to the reporter, the feature request
board's statuses, comments and merges, and the server errors behind the error ids people quote. Every staff action
goes through the services (which send the emails) and is logged in the object's history."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from stint.core.errors import StintError
from stint.support import services
from stint.support.diagnostics import diagnostics_rows
from stint.support.models import (
    BugReport,
    FeatureComment,
    FeatureRequest,
    FeatureStatus,
    FeatureStatusChange,
    ServerError,
    SupportLevel,
)
from stint.support.scrub import scrub_public
from stint.support.selectors import bug_replies, support_queue

# What the reporter's edition promises, shown to staff beside the reply box.
PROMISES = {
    SupportLevel.COMMUNITY: "Free edition: no email support is promised and answers are not guaranteed. You may still "
    "answer as a courtesy: the reporter sees the reply in the app and gets it by email.",
    SupportLevel.EMAIL: "Email support: the reporter expects an answer by email.",
    SupportLevel.PRIORITY: "Priority support (Enterprise): answer first.",
}


def _staff_text(value: str, *, field: str, label: str, max_length: int = services.TEXT_MAX, required: bool = False,
                one_line: bool = False) -> str:  # fmt: skip
    try:
        return services.text_clean(
            value, field=field, label=label, max_length=max_length, required=required, one_line=one_line
        )
    except StintError as error:
        raise forms.ValidationError(error.detail) from error


class BugReportForm(forms.ModelForm):
    reply = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 6, "cols": 80}),
        required=False,
        help_text="Emailed to the reporter and shown in the app as from “Stint support”, with the report's status: "
        "Answered, unless you choose another one at the same time.",
    )

    class Meta:
        model = BugReport
        fields = ["status"]

    def clean_reply(self) -> str:
        return _staff_text(self.cleaned_data.get("reply", ""), field="reply", label="a reply")


@admin.register(BugReport)
class BugReportAdmin(admin.ModelAdmin):
    form = BugReportForm
    list_display = ("reference", "title", "account", "support_level", "priority", "status", "awaiting_staff",
                    "created_at")  # fmt: skip
    list_filter = ("status", "priority", "support_level", "awaiting_staff")
    search_fields = ("reference", "title", "description", "account__name", "reporter__email")
    list_select_related = ("account", "reporter")
    readonly_fields = ("reference", "account", "reporter", "title", "description_text", "steps_text",
                       "diagnostics_list", "edition", "support_level", "promise", "priority", "awaiting_staff",
                       "created_at", "updated_at", "conversation")  # fmt: skip
    fieldsets = [
        (None, {"fields": ["reference", "account", "reporter", "title", "description_text", "steps_text"]}),
        ("Support", {"fields": ["support_level", "priority", "edition", "created_at", "updated_at"]}),
        ("Diagnostics (as the reporter saw them, secrets removed)", {"fields": ["diagnostics_list"]}),
        ("Conversation", {"fields": ["conversation", "awaiting_staff", "promise", "status", "reply"]}),
    ]

    def get_queryset(self, request: HttpRequest) -> QuerySet[BugReport]:
        return support_queue()

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # customers report bugs in the app or the API

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description="Promised")
    def promise(self, obj: BugReport) -> str:
        return PROMISES.get(SupportLevel(obj.support_level), "")

    @admin.display(description="What happened")
    def description_text(self, obj: BugReport) -> SafeString:
        return format_html('<div style="white-space: pre-wrap">{}</div>', obj.description)

    @admin.display(description="Steps")
    def steps_text(self, obj: BugReport) -> SafeString:
        return format_html('<div style="white-space: pre-wrap">{}</div>', obj.steps or "—")

    @admin.display(description="Diagnostics")
    def diagnostics_list(self, obj: BugReport) -> SafeString:
        rows = diagnostics_rows(obj.diagnostics)
        if not rows:
            return format_html("{}", "The reporter chose not to send diagnostics.")
        errors_url = reverse("admin:support_servererror_changelist")
        ids = format_html_join(
            ", ", '<a href="{}?q={}">{}</a>', ((errors_url, i, i) for i in obj.diagnostics.get("error_ids", []))
        )
        plain = (row for row in rows if row[0] != "Recent error ids")
        items = format_html_join("", "<li><strong>{}</strong>: {}</li>", plain)
        if ids:
            items = format_html("{}<li><strong>Recent error ids</strong>: {}</li>", items, ids)
        return format_html("<ul>{}</ul>", items)

    @admin.display(description="Replies")
    def conversation(self, obj: BugReport) -> SafeString:
        replies = list(bug_replies(report=obj).order_by("created_at", "pk"))
        if not replies:
            return format_html("{}", "No replies yet.")
        rows = (
            (f"Stint support ({r.author.email})" if r.by_staff else r.author.name,
             f"{r.created_at:%Y-%m-%d %H:%M}", r.body)
            for r in replies
        )  # fmt: skip
        message = '<div class="reply"><strong>{}</strong> · {} UTC<div style="white-space: pre-wrap">{}</div></div>'
        return format_html_join("", message, rows)

    def save_model(self, request: HttpRequest, obj: BugReport, form: forms.ModelForm, change: bool) -> None:
        """Not obj.save(): the services answer the reporter, move the status and keep the queue flags right."""
        reply = form.cleaned_data.get("reply", "")
        status = form.cleaned_data["status"] if "status" in form.changed_data else None
        actions = []
        if reply:
            # One step, so that the email states the status the report ends with.
            services.bug_reply_add(report=obj, author=request.user, body=reply, by_staff=True, status=status)  # type: ignore[arg-type]
            actions.append("Replied to the reporter (emailed)")
        elif status:
            services.bug_report_status_set(report=obj, actor=request.user, status=status)  # type: ignore[arg-type]
        if status:
            actions.append(f"status set to {BugReport.Status(status).label}")
        obj.refresh_from_db()
        form._staff_actions = actions  # type: ignore[attr-defined]

    def construct_change_message(self, request: HttpRequest, form: forms.Form, formsets: Any, add: bool = False) -> Any:
        actions = getattr(form, "_staff_actions", [])
        return "; ".join(actions) + "." if actions else "No change."


class FeatureRequestForm(forms.ModelForm):
    note = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3, "cols": 80}),
        required=False,
        help_text="With a new status or a merge: included in the email to the requester and the voters.",
    )
    merge_into = forms.ModelChoiceField(
        queryset=FeatureRequest.objects.none(),
        required=False,
        help_text="A duplicate: its votes move to the request chosen here (one per person) and it leaves the board.",
    )
    comment = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4, "cols": 80}),
        required=False,
        help_text="Shown on the board as from “Stint team”.",
    )

    class Meta:
        model = FeatureRequest
        fields = ["title", "description", "status"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        others = FeatureRequest.objects.filter(merged_into__isnull=True).order_by("-pk")
        if self.instance.pk:
            others = others.exclude(pk=self.instance.pk)
        self.fields["merge_into"].queryset = others  # type: ignore[attr-defined]

    # Staff edits reach the board too: the same rules as for customers' texts.
    def clean_title(self) -> str:
        title = _staff_text(self.cleaned_data.get("title", ""), field="title", label="a title",
                            max_length=services.TITLE_MAX, required=True, one_line=True)  # fmt: skip
        return scrub_public(title)

    def clean_description(self) -> str:
        description = _staff_text(self.cleaned_data.get("description", ""), field="description",
                                  label="a description", required=True)  # fmt: skip
        return scrub_public(description)

    def clean_note(self) -> str:
        return _staff_text(self.cleaned_data.get("note", ""), field="note", label="a note")

    def clean_comment(self) -> str:
        return _staff_text(self.cleaned_data.get("comment", ""), field="comment", label="a comment")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.instance.merged_into_id and ("status" in self.changed_data or data.get("merge_into")):
            raise forms.ValidationError("This request is merged; change the request it was merged into instead.")
        if data.get("merge_into") and "status" in self.changed_data:
            raise forms.ValidationError("Merge, or change the status: one at a time.")
        return data


class FeatureCommentInline(admin.TabularInline):
    model = FeatureComment
    extra = 0
    can_delete = True
    fields = ("created_at", "author", "by_staff", "body")
    readonly_fields = ("created_at", "author", "by_staff", "body")

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class FeatureStatusChangeInline(admin.TabularInline):
    model = FeatureStatusChange
    fk_name = "feature_request"
    extra = 0
    can_delete = False
    fields = ("created_at", "from_status", "to_status", "merged_into", "note", "actor")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(FeatureRequest)
class FeatureRequestAdmin(admin.ModelAdmin):
    form = FeatureRequestForm
    list_display = ("id", "title", "status", "vote_count", "merged_into", "account", "created_at")
    list_filter = ("status", ("merged_into", admin.EmptyFieldListFilter))
    search_fields = ("title", "description")
    readonly_fields = ("requester", "account", "vote_count", "merged_into", "created_at", "updated_at")
    fields = ("title", "description", "status", "note", "merge_into", "comment", "vote_count", "merged_into",
              "requester", "account", "created_at", "updated_at")  # fmt: skip
    inlines = [FeatureCommentInline, FeatureStatusChangeInline]
    ordering = ("-vote_count", "-pk")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # proposed by customers on the board, with their vote

    def save_model(self, request: HttpRequest, obj: FeatureRequest, form: forms.ModelForm, change: bool) -> None:
        data = form.cleaned_data
        actor = request.user
        actions = []
        edited = [name for name in ("title", "description") if name in form.changed_data]
        if edited:
            FeatureRequest.objects.filter(pk=obj.pk).update(**{name: data[name] for name in edited})
            actions.append(f"edited the {' and '.join(edited)}")
        if "status" in form.changed_data:
            services.feature_status_set(feature=obj, actor=actor, status=data["status"], note=data["note"])  # type: ignore[arg-type]
            actions.append(f"status set to {FeatureStatus(data['status']).label} (requester and voters emailed)")
        if data.get("merge_into"):
            target = data["merge_into"]
            services.feature_request_merge(duplicate=obj, target=target, actor=actor, note=data["note"])  # type: ignore[arg-type]
            actions.append(f"merged into #{target.pk} (votes moved; requester and voters emailed)")
        if data.get("comment"):
            services.feature_comment_add(feature=obj, author=actor, body=data["comment"], by_staff=True)  # type: ignore[arg-type]
            actions.append("commented as the Stint team")
        obj.refresh_from_db()
        form._staff_actions = actions  # type: ignore[attr-defined]

    def construct_change_message(self, request: HttpRequest, form: forms.Form, formsets: Any, add: bool = False) -> Any:
        actions = getattr(form, "_staff_actions", [])
        message = "; ".join(actions) + "."
        return message[0].upper() + message[1:] if actions else "No change."


@admin.register(ServerError)
class ServerErrorAdmin(admin.ModelAdmin):
    """The error ids people quote; the traceback is in the log, next to the same id."""

    list_display = ("error_id", "occurred_at", "method", "path", "exception", "user", "account")
    search_fields = ("error_id", "path", "exception")
    list_select_related = ("user", "account")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
