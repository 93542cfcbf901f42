"""Forms of the tracking pages. They check shape only; the record services own the rules."""

from __future__ import annotations

from typing import Any

from django import forms

from stint.accounts.models import Account
from stint.tracking import selectors
from stint.tracking.models import TimeRecord


class DayField(forms.DateField):
    """A day within the years a record may have (1900 to 9000): anything else is an error next to the field,
    not an overflow deeper down."""

    def to_python(self, value: Any) -> Any:
        day = super().to_python(value)
        if day is not None and not 1900 <= day.year <= 9000:
            raise forms.ValidationError("Choose a day between the years 1900 and 9000.", code="out_of_range")
        return day


class ShapeForm(forms.Form):
    def first_error(self) -> str:
        for errors in self.errors.values():
            return str(errors[0])
        return "Please check the form."


class TimerStartForm(ShapeForm):
    work_item = forms.IntegerField(required=False)
    activity_type = forms.IntegerField(required=False)
    comment = forms.CharField(required=False, max_length=5000)


class CellForm(ShapeForm):
    date = DayField(error_messages={"required": "Which day?", "invalid": "The day must be YYYY-MM-DD."})
    work_item = forms.IntegerField(required=False)
    activity_type = forms.IntegerField(required=False)
    duration = forms.CharField(required=False, max_length=30)


def _set_choices(form: forms.Form, name: str, choices: Any) -> None:
    field = form.fields[name]
    assert isinstance(field, forms.ChoiceField)
    field.choices = choices


class OpenWorkItemField(forms.TypedChoiceField):
    """A work item picked by id. The page may offer only some items (the recent ones, what a search found), and an
    account may have thousands: any open item of the account is valid, checked with one query for the submitted id
    rather than by listing every item (which cost the explorer ~70 ms per request at 4,500 items)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(coerce=int, empty_value=None, **kwargs)
        self.account: Account | None = None

    def valid_value(self, value: Any) -> bool:
        if super().valid_value(value):
            return True
        text = str(value)
        return (
            self.account is not None
            and text.isdigit()
            and len(text) < 19
            and selectors.work_items(account=self.account).filter(state="open", pk=int(text)).exists()
        )


def _item_field_bind(form: forms.Form, name: str, account: Account, choices: Any) -> None:
    field = form.fields[name]
    assert isinstance(field, OpenWorkItemField)
    field.account = account
    field.choices = choices


def _open_item_choices(account: Account) -> list[tuple[str, str]]:
    """Every open item, as plain values: a select of all of them (the month's record form)."""
    rows = selectors.work_items(account=account).filter(state="open").order_by("title")
    return [(str(pk), f"{ref} {title}".strip()) for pk, ref, title in rows.values_list("pk", "external_ref", "title")]


def _activity_choices(account: Account) -> list[tuple[str, str]]:
    return [
        (str(pk), name)
        for pk, name in selectors.activity_types(account=account).order_by("name").values_list("pk", "name")
    ]


class RecordForm(ShapeForm):
    date = DayField(label="Day", widget=forms.DateInput(attrs={"type": "date"}))
    start = forms.TimeField(label="From", widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"))
    end = forms.TimeField(label="To", widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"))
    work_item_id = OpenWorkItemField(label="Work item", required=False)
    activity_type_id = forms.TypedChoiceField(label="Activity", required=False, coerce=int, empty_value=None)
    billable = forms.BooleanField(label="Billable", required=False, initial=True)
    comment = forms.CharField(label="Comment", required=False, max_length=5000, widget=forms.TextInput())

    def __init__(self, *args: Any, account: Account, current: TimeRecord | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        items = [("", "No work item"), *_open_item_choices(account)]
        types = [("", "Default activity"), *_activity_choices(account)]
        # A record keeps its closed item or archived activity when edited: offer them, marked, so saving a
        # corrected comment does not silently drop them.
        if current is not None and current.work_item is not None and str(current.work_item_id) not in dict(items):
            items.append((str(current.work_item_id), f"{current.work_item} (closed)"))
        if (
            current is not None
            and current.activity_type is not None
            and str(current.activity_type_id) not in dict(types)
        ):
            types.append((str(current.activity_type_id), f"{current.activity_type.name} (archived)"))
        _item_field_bind(self, "work_item_id", account, items)
        _set_choices(self, "activity_type_id", types)


class RecordFilterForm(ShapeForm):
    start = DayField(label="From", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    end = DayField(label="To", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    user = forms.TypedChoiceField(label="Person", required=False, coerce=int, empty_value=None)
    team = forms.TypedChoiceField(label="Team", required=False, coerce=int, empty_value=None)
    work_item = OpenWorkItemField(label="Work item", required=False)
    activity = forms.TypedChoiceField(label="Activity", required=False, coerce=int, empty_value=None)
    billable = forms.ChoiceField(
        label="Billable", required=False, choices=[("", "Any"), ("yes", "Billable"), ("no", "Not billable")]
    )
    sort = forms.ChoiceField(
        required=False,
        choices=[
            ("-start", "Newest first"),
            ("start", "Oldest first"),
            ("-duration", "Longest first"),
            ("duration", "Shortest first"),
            ("user", "Person"),
        ],
    )

    def __init__(self, *args: Any, account: Account, people: list[tuple[int, str]], teams: list[tuple[int, str]],
                 **kwargs: Any) -> None:  # fmt: skip
        super().__init__(*args, **kwargs)
        # The page lists the items itself (recent ones or a search: `work_item_choices`); the form checks the one sent.
        _item_field_bind(self, "work_item", account, [("", "Any")])
        _set_choices(self, "activity", [("", "Any"), *_activity_choices(account)])
        _set_choices(self, "user", [("", "Everyone"), *((str(k), v) for k, v in people)])
        _set_choices(self, "team", [("", "Any"), *((str(k), v) for k, v in teams)])


class BulkEditForm(ShapeForm):
    billable = forms.ChoiceField(
        label="Billable", required=False, choices=[("", "Keep"), ("yes", "Billable"), ("no", "Not billable")]
    )
    activity_type_id = forms.TypedChoiceField(label="Activity", required=False, coerce=int, empty_value=None)
    work_item_id = OpenWorkItemField(label="Work item", required=False)

    def __init__(self, *args: Any, account: Account, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _item_field_bind(self, "work_item_id", account, [("", "Keep")])
        _set_choices(self, "activity_type_id", [("", "Keep"), *_activity_choices(account)])


class ImportForm(ShapeForm):
    file = forms.FileField(
        label="CSV or XLSX file",
        help_text="The columns of the export: date, start, end, user email, work item, activity, ...",
        error_messages={"required": "Please choose a file."},
    )
