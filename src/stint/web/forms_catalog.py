"""Forms of the Settings pages for work items, activity types and tracking rules."""

from __future__ import annotations

import re
from typing import Any

from django import forms

from stint.tracking.models import WorkItem
from stint.tracking.services.rules import DAYS_AHEAD_MAX

_ESTIMATE = re.compile(r"^(\d{1,6})(?::([0-5]\d))?$")


class WorkItemForm(forms.Form):
    title = forms.CharField(label="Title", max_length=300, error_messages={"required": "Please enter a title."})
    type = forms.ChoiceField(label="Type", choices=WorkItem.Type.choices, initial=WorkItem.Type.TASK)
    parent_id = forms.TypedChoiceField(
        label="Parent", coerce=int, empty_value=None, required=False, help_text="Leave empty for a top-level item."
    )
    external_ref = forms.CharField(
        label="External reference", max_length=100, required=False, help_text="An issue key like PROJ-42."
    )
    estimate = forms.CharField(
        label="Estimate", max_length=12, required=False, help_text="Hours and minutes, e.g. 4:30."
    )

    def __init__(self, *args: Any, parents: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["parent_id"]
        assert isinstance(field, forms.TypedChoiceField)
        field.choices = [("", "— none (top level) —"), *parents]

    def clean_estimate(self) -> int | None:
        value = self.cleaned_data["estimate"].strip()
        if not value:
            return None
        match = _ESTIMATE.match(value)
        if match is None:
            raise forms.ValidationError("Type the estimate as hours and minutes, like 4:30, or whole hours, like 12.")
        return int(match.group(1)) * 3600 + int(match.group(2) or 0) * 60


class ActivityTypeForm(forms.Form):
    name = forms.CharField(label="Name", max_length=100, error_messages={"required": "Please enter a name."})
    color = forms.RegexField(
        label="Colour",
        regex=r"^#[0-9a-fA-F]{6}$",
        initial="#2b59c3",
        error_messages={"invalid": "Pick a colour."},
        widget=forms.TextInput(attrs={"type": "color"}),
    )


class ActivityTypeCreateForm(ActivityTypeForm):
    is_default = forms.BooleanField(label="Make it the default for new records", required=False)


class TrackingRulesForm(forms.Form):
    max_record_hours = forms.DecimalField(
        label="Longest record (hours)",
        max_digits=6,
        decimal_places=2,
        help_text="From 0.25 (15 minutes) to 168 (7 days). Longer records are refused, and a timer stops there.",
        widget=forms.NumberInput(attrs={"step": "0.25", "min": "0.25", "max": "168"}),
    )
    max_days_ahead = forms.IntegerField(
        label="Days ahead allowed",
        help_text="0 means no time in the future; 1 allows tomorrow, and so on (up to 365).",
        widget=forms.NumberInput(attrs={"min": "0", "max": str(DAYS_AHEAD_MAX)}),
    )
    require_work_item = forms.BooleanField(label="Every record needs a work item", required=False)
    require_activity_type = forms.BooleanField(label="Every record needs an activity type", required=False)
    require_comment = forms.BooleanField(label="Every record needs a comment", required=False)
