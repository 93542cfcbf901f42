"""The Help pages' forms. They check shape only; the services own the rules (and the scrubbing)."""

from __future__ import annotations

from django import forms


def _required(message: str) -> dict[str, str]:
    return {"required": message}


class BugReportForm(forms.Form):
    title = forms.CharField(
        label="Title",
        max_length=150,
        help_text="In a few words, e.g. “The week page shows Monday twice”.",
        error_messages=_required("Please enter a title."),
    )
    description = forms.CharField(
        label="What happened",
        max_length=10_000,
        help_text="What you saw, and what you expected instead. Never paste a password, an API token or a card "
        "number: anything that looks like one is removed.",
        widget=forms.Textarea(attrs={"rows": 6}),
        error_messages=_required("Please say what happened."),
    )
    steps = forms.CharField(
        label="Steps to make it happen again",
        required=False,
        max_length=10_000,
        help_text="Optional: 1. Open …, 2. Select …",
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    include_diagnostics = forms.BooleanField(label="Attach these diagnostics", required=False, initial=True)
    # Filled by the page (and by help.js for the time zone); shown in the preview list before sending. Nobody can
    # correct a hidden field, so these are never invalid: support.diagnostics keeps what is valid in them and the
    # form says what it left out.
    diag_page = forms.CharField(required=False, widget=forms.HiddenInput)
    diag_time_zone = forms.CharField(required=False, widget=forms.HiddenInput)
    diag_error_ids = forms.CharField(required=False, widget=forms.HiddenInput)


class ReplyForm(forms.Form):
    body = forms.CharField(
        label="Add to this report",
        max_length=10_000,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages=_required("Please write something first."),
    )


class FeatureRequestForm(forms.Form):
    title = forms.CharField(
        label="Title",
        max_length=150,
        help_text="What you would like Stint to do, e.g. “Export the month as PDF”.",
        error_messages=_required("Please enter a title."),
    )
    description = forms.CharField(
        label="Description",
        max_length=10_000,
        help_text="Why you need it and how you work today.",
        widget=forms.Textarea(attrs={"rows": 6}),
        error_messages=_required("Please describe the feature."),
    )


class CommentForm(forms.Form):
    body = forms.CharField(
        label="Comment",
        max_length=10_000,
        help_text="Shown to every reader of the board as from “A Stint user”.",
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages=_required("Please write a comment first."),
    )


class VoteForm(forms.Form):
    action = forms.ChoiceField(choices=[("vote", "Vote"), ("unvote", "Remove my vote")])
