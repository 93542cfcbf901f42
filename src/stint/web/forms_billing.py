"""Forms of Settings / My Account: buying a plan, changing it, the payment method, the PO number and document.

They check shape only; the billing services own the rules and their errors are placed next to the field they name
with `show_billing_error`. Card numbers and security codes are never rendered back into a page (a person types them
again after an error); only the brand and the last four digits of what was typed are kept, as a hint.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings

from stint.billing.gateways import ChargeFailed
from stint.billing.gateways.cards import ACCEPTED_BRANDS, card_brand, card_number_normalise
from stint.billing.models import PaymentMethodType
from stint.core.errors import StintError

CARD_FIELDS = ("number", "exp_month", "exp_year", "cvc")


class NotEchoedInput(forms.PasswordInput):
    """A visible text box whose value is never rendered back (as a password box does): card numbers and CVCs."""

    input_type = "text"


def stripe_publishable_key() -> str:
    """With Stripe as the gateway, Stripe's card form (Stripe.js, loaded from js.stripe.com as Stripe requires)
    replaces our card fields: the card's number then goes from the browser to Stripe only, and we receive a payment
    method id (`pm_...`). Empty with the sandbox gateway."""
    return settings.STINT_STRIPE_PUBLISHABLE_KEY if settings.STINT_PAYMENT_GATEWAY == "stripe" else ""


def offer_value(plan: str, interval: str) -> str:
    return f"{plan}:{interval}"


class OfferField(forms.ChoiceField):
    """One choice of plan and billing interval, e.g. "regular:month"; the choices come from the database prices."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(
            label="Plan",
            widget=forms.RadioSelect,
            error_messages={
                "required": "Choose a plan and how often to pay.",
                "invalid_choice": "Choose one of the plans on offer.",
            },
            **kwargs,
        )


class PaymentMethodFields(forms.Form):
    """The payment method as a person gives it: a card, or bank transfer or check (annual plans only)."""

    payment_method = forms.ChoiceField(
        label="Payment method",
        widget=forms.RadioSelect,
        choices=[
            (PaymentMethodType.CARD, "Card"),
            (PaymentMethodType.BANK_TRANSFER, "Bank transfer"),
            (PaymentMethodType.CHECK, "Check"),
        ],
        initial=PaymentMethodType.CARD,
        error_messages={"required": "Choose how to pay."},
    )
    number = forms.CharField(
        label="Card number",
        required=False,
        max_length=30,
        help_text="Visa, MasterCard or American Express.",
        widget=NotEchoedInput(
            attrs={"autocomplete": "cc-number", "inputmode": "numeric", "spellcheck": "false", "data-card-number": ""}
        ),
    )
    exp_month = forms.CharField(
        label="Expiry month",
        required=False,
        max_length=2,
        widget=forms.TextInput(attrs={"autocomplete": "cc-exp-month", "inputmode": "numeric", "placeholder": "MM"}),
    )
    exp_year = forms.CharField(
        label="Expiry year",
        required=False,
        max_length=4,
        widget=forms.TextInput(attrs={"autocomplete": "cc-exp-year", "inputmode": "numeric", "placeholder": "YYYY"}),
    )
    cvc = forms.CharField(
        label="Security code (CVC)",
        required=False,
        max_length=4,
        help_text="3 digits on the back; 4 on the front of an American Express card.",
        widget=NotEchoedInput(
            attrs={"autocomplete": "cc-csc", "inputmode": "numeric", "spellcheck": "false", "data-card-cvc": ""}
        ),
    )

    # Stripe's card form puts its payment method id here (never rendered back: the page's input starts empty).
    token = forms.CharField(required=False, max_length=255, widget=forms.HiddenInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.stripe_key = stripe_publishable_key()
        self.uses_stripe = bool(self.stripe_key)
        for name in CARD_FIELDS if self.uses_stripe else ("token",):
            del self.fields[name]

    def clean(self) -> dict[str, Any] | None:
        cleaned = super().clean()
        card = self.cleaned_data.get("payment_method") == PaymentMethodType.CARD
        if self.uses_stripe and card and not self.cleaned_data.get("token", "").strip():
            self.add_error(
                "token",
                "Enter the card in the card form. It comes from Stripe, our payment processor, and needs "
                "JavaScript and a connection to js.stripe.com.",
            )
        return cleaned

    def payment_method_data(self) -> dict[str, Any]:
        """What the billing services take as `payment_method`: the card's details (or Stripe's payment method id)
        only for a card."""
        kind = self.cleaned_data["payment_method"]
        if kind != PaymentMethodType.CARD:
            return {"type": kind}
        if self.uses_stripe:
            return {"type": kind, "token": self.cleaned_data["token"].strip()}
        return {"type": kind, **{name: self.cleaned_data.get(name, "").strip() for name in CARD_FIELDS}}

    def typed_card_hint(self) -> str:
        """After an error: which card was typed ("Visa ending 0002"), so the person knows what to type again."""
        raw = self.data.get(self.add_prefix("number"), "") if self.is_bound else ""
        digits = card_number_normalise(str(raw)) or ""
        if len(digits) < 4:
            return ""
        brand = card_brand(digits)
        name = ACCEPTED_BRANDS[brand] if brand else "The card"
        return f"{name} ending {digits[-4:]}"


class PurchaseForm(PaymentMethodFields):
    offer = OfferField()
    po_number = forms.CharField(
        label="PO number (optional)",
        required=False,
        max_length=60,
        help_text="Your purchase order number, printed on every invoice.",
    )

    field_order = ["offer", "payment_method", *CARD_FIELDS, "po_number"]

    def __init__(self, *args: Any, offers: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["offer"].choices = offers  # type: ignore[attr-defined]


KEEP_PAYMENT_METHOD = "current"


class PlanChangeForm(PaymentMethodFields):
    """A new plan or interval, and how to pay from now on, in one change: a monthly plan can become annual and paid
    by bank transfer in one step. It shares the page with the payment method form, hence its own element ids."""

    offer = OfferField()
    payment_method = forms.ChoiceField(
        label="Payment method",
        widget=forms.RadioSelect,
        choices=[
            (KEEP_PAYMENT_METHOD, "Keep the current payment method"),
            (PaymentMethodType.CARD, "Card"),
            (PaymentMethodType.BANK_TRANSFER, "Bank transfer"),
            (PaymentMethodType.CHECK, "Check"),
        ],
        initial=KEEP_PAYMENT_METHOD,
        required=False,  # none chosen: the current one stays
    )

    field_order = ["offer", "payment_method", *CARD_FIELDS]

    def __init__(self, *args: Any, offers: list[tuple[str, str]], **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "id_plan_%s")
        super().__init__(*args, **kwargs)
        self.fields["offer"].choices = offers  # type: ignore[attr-defined]

    def keeps_payment_method(self) -> bool:
        return self.cleaned_data["payment_method"] in ("", KEEP_PAYMENT_METHOD)

    def payment_method_change(self) -> dict[str, Any] | None:
        """The new payment method for the billing services, or None to keep the current one."""
        return None if self.keeps_payment_method() else self.payment_method_data()


class PaymentMethodForm(PaymentMethodFields):
    pass


class BuyerForm(forms.Form):
    legal_name = forms.CharField(
        label="Legal name",
        required=False,
        max_length=200,
        help_text="Printed on invoices; else the account name.",
    )
    address = forms.CharField(label="Address", required=False, max_length=500, widget=forms.Textarea(attrs={"rows": 3}))
    country = forms.CharField(label="Country", required=False, max_length=60, help_text="Two letters, e.g. DE or US.")
    vat_id = forms.CharField(
        label="VAT ID", required=False, max_length=40, help_text="For businesses, e.g. DE123456789."
    )


class PoForm(forms.Form):
    po_number = forms.CharField(
        label="PO number",
        required=False,
        max_length=60,
        help_text="Printed on every invoice from now on. Leave empty to print none.",
    )


class PoDocumentForm(forms.Form):
    """The purchase order as a PDF. Only its shape is seen here; the billing service checks that it is a PDF of at
    most 5 MB and that the edition has purchase orders."""

    po_document = forms.FileField(
        label="PO document",
        help_text="The purchase order as a PDF, at most 5 MB.",
        error_messages={
            "required": "Choose the PDF of your purchase order to upload.",
            "empty": "This file is empty; choose the PDF of your purchase order.",
            "invalid": "Choose the PDF of your purchase order to upload.",
        },
        widget=forms.FileInput(attrs={"accept": "application/pdf,.pdf"}),
    )


def offer_parts(form: PurchaseForm | PlanChangeForm) -> tuple[str, str]:
    plan, _, interval = form.cleaned_data["offer"].partition(":")
    return plan, interval


# Where the services' field names land in these forms.
_FIELD_OF = {
    "plan": "offer",
    "interval": "offer",
    "payment_method": "payment_method",
    "payment_method.type": "payment_method",
    **{f"payment_method.{name}": name for name in CARD_FIELDS},
    "payment_method.token": "token",
}


def show_billing_error(form: forms.Form, exc: StintError) -> None:
    """Put a billing service's error next to the field it names. A declined card names no field: its error goes
    next to the card number, the thing to change (or next to the payment method choice when the card charged is
    the one already on file)."""
    field = _FIELD_OF.get(exc.field or "", exc.field)
    if field is None and isinstance(exc, ChargeFailed) and "payment_method" in form.fields:
        typed = form.cleaned_data.get("payment_method") if hasattr(form, "cleaned_data") else None
        card_field = "number" if "number" in form.fields else "token"
        field = card_field if typed == PaymentMethodType.CARD and card_field in form.fields else "payment_method"
    form.add_error(field if field in form.fields else None, exc.detail)
