"""API.md "Subscription and billing": plans, the subscription, seat previews, invoices and credit notes (+ PDFs).

Who may do what (DESIGN.md: admins do "everything, incl. billing"):
- GET /plans: anyone signed in; it is the public price list.
- GET /subscription: anyone signed in sees the edition, plan, status, seats and period (they decide what the app
  allows, e.g. the Free banner); the billing fields (`subscription_key`, `payment_method`, `credit_balance_minor`,
  `po_number`, `refundable_until`) are null unless the caller is an admin.
- Everything else (writes, the seat preview, invoices, credit notes and their PDFs): admins only, 403 `admin_only`
  for managers and members. Another account's invoice or credit note: 404.

The writes that cost money (POST and PATCH /subscription, PUT /subscription/payment-method, POST
/subscription/refund) accept an `Idempotency-Key` header (see stint.api.idempotency).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from django.http import HttpResponse
from ninja import Query, Router, Schema
from pydantic import Field

from stint.api.auth import ApiRequest, require_admin
from stint.api.idempotency import HEADER, Answer, idempotently
from stint.api.schemas import errors
from stint.billing import selectors, services
from stint.billing.models import CreditNote, Invoice, InvoiceLine, PaymentMethodType, Plan, Subscription
from stint.core.pagination import paginate_newest

router = Router(tags=["Subscription and billing"])

PDF = "application/pdf"
IDEMPOTENCY = f"Send an `{HEADER}` header (e.g. a UUID) to make a retry safe: the same key answers the first response."
IDEMPOTENT = {
    "parameters": [
        {
            "in": "header",
            "name": HEADER,
            "required": False,
            "description": "Up to 255 printable ASCII characters, unique per intended write (e.g. a UUID). Repeated "
            "with the same request, the first answer is replayed (`Idempotent-Replayed: true`); with another "
            "request: 422 `idempotency_key_reused`; while the first is still running: 409 "
            "`idempotency_key_in_progress`.",
            "schema": {"type": "string", "minLength": 1, "maxLength": 255},
        }
    ]
}


# --- schemas ---


class PriceOut(Schema):
    interval: Literal["month", "year"]
    unit_amount_minor: int = Field(description="Per named user and interval.")
    currency: str


class PlanOut(Schema):
    code: str
    name: str
    edition: str
    max_users: int | None = Field(description="null: unlimited.")
    max_visible_time_records: int | None = Field(description="null: all.")
    prices: list[PriceOut] = Field(description="Empty for `free`.")


class PlanPage(Schema):
    items: list[PlanOut]
    next_cursor: str | None


class PaymentMethodOut(Schema):
    type: Literal["none", "card", "bank_transfer", "check"] = Field(description="`none` until one is given.")
    brand: str | None = Field(description="Cards only: `visa`, `mastercard` or `amex`.")
    last4: str | None
    exp_month: int | None
    exp_year: int | None


class SubscriptionOut(Schema):
    id: int
    subscription_key: str | None = Field(
        description="Admins only (null for others): what an on-prem server enters for online activation."
    )
    edition: Literal["trial", "free", "regular", "enterprise"]
    plan: str | None = Field(description="The plan's code; null while trialing.")
    interval: Literal["month", "year"] | None
    status: Literal["trialing", "active", "past_due", "canceled", "free"]
    seats: int = Field(description="Named users paid for in the current period (0 outside a paid period).")
    current_period_start: datetime | None
    current_period_end: datetime | None
    trial_ends_at: datetime | None
    cancel_at_period_end: bool
    credit_balance_minor: int | None = Field(description="Admins only. Positive: owed to the customer.")
    currency: str
    payment_method: PaymentMethodOut | None = Field(description="Admins only.")
    po_number: str | None = Field(description="Admins only; empty when none.")
    refundable_until: datetime | None = Field(
        description="Admins only: until when POST /subscription/refund cancels the purchase; null if nothing is."
    )


class LineOut(Schema):
    description: str
    quantity: int
    unit_amount_minor: int
    amount_minor: int
    period_start: datetime
    period_end: datetime
    proration: str = Field(description='The share of the period billed: "1", or a fraction such as "14/28".')


class InvoiceOut(Schema):
    id: int
    number: str
    status: Literal["open", "paid", "void"]
    billing_reason: Literal["purchase", "seat_change", "plan_change", "renewal"]
    issued_at: datetime
    due_at: datetime
    currency: str
    subtotal_minor: int
    tax_minor: int
    total_minor: int
    balance_applied_minor: int
    amount_due_minor: int
    amount_paid_minor: int
    amount_carried_minor: int = Field(
        description="Under the 0.50 minimum charge: not charged, carried to the balance and collected next time."
    )
    amount_credited_minor: int = Field(description="Taken off by credit notes issued while the invoice was unpaid.")
    po_number: str
    lines: list[LineOut]
    period_start: datetime
    period_end: datetime
    paid_at: datetime | None
    voided_at: datetime | None


class InvoicePage(Schema):
    items: list[InvoiceOut]
    next_cursor: str | None


class CreditNoteOut(Schema):
    id: int
    number: str
    invoice_id: int
    invoice_number: str
    reason: Literal["seat_removed", "plan_change", "refund", "adjustment"]
    currency: str
    total_minor: int
    refund_minor: int = Field(description="Paid back (to the card, or out of band for bank transfer and check).")
    credit_minor: int = Field(description="Added to the account's credit balance.")
    applied_minor: int = Field(
        description="Taken off what was still owed on the invoice (a credit on an unpaid invoice lowers that bill "
        "instead of becoming credit)."
    )
    issued_at: datetime
    memo: str
    lines: list[LineOut]


class CreditNotePage(Schema):
    items: list[CreditNoteOut]
    next_cursor: str | None


class PaymentMethodIn(Schema):
    type: str = Field(description="`card`, `bank_transfer` or `check` (annual plans only).")
    number: str | None = Field(None, description="Card number (sandbox gateway).")
    exp_month: int | None = None
    exp_year: int | None = None
    cvc: str | None = None
    token: str | None = Field(None, description="With Stripe: the token from Stripe.js instead of the number.")

    def as_dict(self) -> dict[str, Any]:
        return self.model_dump(exclude_none=True)


class PurchaseIn(Schema):
    plan: str = Field(description="A plan's code: `regular` or `enterprise`.")
    interval: str = Field(description="`month` or `year`.")
    payment_method: PaymentMethodIn
    po_number: str = Field("", description="Printed on every invoice (Regular and Enterprise).")
    seats: int | None = Field(
        None,
        description="Seats to buy when more than the account's active named users: what an on-prem server buying "
        "through the cloud needs for its own users.",
    )


class ChangeIn(Schema):
    plan: str | None = None
    interval: str | None = None
    payment_method: PaymentMethodIn | None = None
    po_number: str | None = Field(None, description='"" removes it.')


class PurchaseOut(Schema):
    subscription: SubscriptionOut
    invoice: InvoiceOut


class ChangeOut(Schema):
    subscription: SubscriptionOut
    invoice: InvoiceOut | None = Field(description="The charge of a plan or interval change.")
    credit_note: CreditNoteOut | None = Field(description="The credit for the unused part of the old plan.")
    credit_notes: list[CreditNoteOut] = Field(
        description="Every credit note of the change (the credit goes against several invoices when one cannot "
        "hold it); `credit_note` is the first of them."
    )


class RefundOut(Schema):
    credit_notes: list[CreditNoteOut]
    subscription: SubscriptionOut


class PreviewQuery(Schema):
    users_delta: Annotated[int, Field(ge=-100_000, le=100_000)] = Field(
        description="How many named users would be added (negative: removed)."
    )


class PreviewOut(Schema):
    amount_minor: int = Field(description="Charged now; negative: credited to the balance.")
    currency: str
    period_end: datetime | None = Field(description="Until when the change is billed; null outside a paid period.")


# --- shaping ---


def subscription_out(subscription: Subscription, *, admin: bool) -> dict[str, Any]:
    plan: Plan | None = subscription.plan
    shown = {
        "id": subscription.pk,
        "edition": subscription.edition,
        "plan": plan.code if plan else None,
        "interval": subscription.interval or None,
        "status": subscription.status,
        "seats": subscription.seats,
        "current_period_start": subscription.current_period_start,
        "current_period_end": subscription.current_period_end,
        "trial_ends_at": subscription.trial_ends_at,
        "cancel_at_period_end": subscription.cancel_at_period_end,
        "currency": subscription.currency,
    }
    if not admin:
        hidden = ("subscription_key", "credit_balance_minor", "payment_method", "po_number", "refundable_until")
        return shown | dict.fromkeys(hidden)
    is_card = subscription.payment_method_type == PaymentMethodType.CARD
    return shown | {
        "subscription_key": subscription.subscription_key,
        "credit_balance_minor": subscription.credit_balance_minor,
        "payment_method": {
            "type": subscription.payment_method_type or "none",
            "brand": subscription.card_brand if is_card else None,
            "last4": subscription.card_last4 if is_card else None,
            "exp_month": subscription.card_exp_month if is_card else None,
            "exp_year": subscription.card_exp_year if is_card else None,
        },
        "po_number": subscription.po_number,
        "refundable_until": services.refundable_until(subscription),
    }


def _lines(lines: Any) -> list[dict[str, Any]]:
    return [
        {
            "description": line.description,
            "quantity": line.quantity,
            "unit_amount_minor": line.unit_amount_minor,
            "amount_minor": line.amount_minor,
            "period_start": line.period_start,
            "period_end": line.period_end,
            "proration": line.proration,
        }
        for line in lines
    ]


def invoice_out(invoice: Invoice) -> dict[str, Any]:
    lines: list[InvoiceLine] = list(invoice.lines.all())
    return {
        "id": invoice.pk,
        "number": invoice.number,
        "status": invoice.status,
        "billing_reason": invoice.billing_reason,
        "issued_at": invoice.issued_at,
        "due_at": invoice.due_at,
        "currency": invoice.currency,
        "subtotal_minor": invoice.subtotal_minor,
        "tax_minor": invoice.tax_minor,
        "total_minor": invoice.total_minor,
        "balance_applied_minor": invoice.balance_applied_minor,
        "amount_due_minor": invoice.amount_due_minor,
        "amount_paid_minor": invoice.amount_paid_minor,
        "amount_carried_minor": invoice.amount_carried_minor,
        "amount_credited_minor": invoice.amount_credited_minor,
        "po_number": invoice.po_number,
        "lines": _lines(lines),
        "period_start": invoice.period_start,
        "period_end": invoice.period_end,
        "paid_at": invoice.paid_at,
        "voided_at": invoice.voided_at,
    }


def credit_note_out(note: CreditNote) -> dict[str, Any]:
    return {
        "id": note.pk,
        "number": note.number,
        "invoice_id": note.invoice_id,
        "invoice_number": note.invoice.number,
        "reason": note.reason,
        "currency": note.currency,
        "total_minor": note.total_minor,
        "refund_minor": note.refund_minor,
        "credit_minor": note.credit_minor,
        "applied_minor": note.applied_minor,
        "issued_at": note.issued_at,
        "memo": note.memo,
        "lines": _lines(note.lines.all()),
    }


def _pdf(content: bytes, number: str) -> HttpResponse:
    response = HttpResponse(content, content_type=PDF)
    response["Content-Disposition"] = f'attachment; filename="{number}.pdf"'
    return response


PDF_RESPONSE = {
    "responses": {
        200: {
            "description": "The document as PDF.",
            "content": {PDF: {"schema": {"type": "string", "format": "binary"}}},
        }
    }
}


# --- plans and the subscription ---


@router.get("/plans", response={200: PlanPage, **errors(401)})
def plan_list(request: ApiRequest):
    """What can be bought, `free` included (without prices). Open to everyone in the account."""
    return {"items": list(selectors.plans_offered()), "next_cursor": None}


@router.get("/subscription", response={200: SubscriptionOut, **errors(401)})
def subscription_get(request: ApiRequest):
    """The account's subscription; billing fields (key, payment method, balance, PO, refund window) for admins."""
    subscription = selectors.subscription_of(account=request.account)
    return subscription_out(subscription, admin=request.membership.is_admin)


@router.post(
    "/subscription",
    openapi_extra=IDEMPOTENT,
    response={201: PurchaseOut, **errors(400, 401, 402, 403, 409, 422)},
    description="Buy a plan for the account's named users (admins). The invoice is charged at once (402 if the "
    "card is declined: nothing changes but a voided invoice); bank transfer and check (annual only) leave it open "
    "with 30-day terms. " + IDEMPOTENCY,
)
def subscription_buy(request: ApiRequest, payload: PurchaseIn):
    require_admin(request)

    def write() -> Answer:
        subscription, invoice = services.subscription_purchase(
            account=request.account,
            actor=request.user,
            plan=payload.plan,
            interval=payload.interval,
            payment_method=payload.payment_method.as_dict(),
            po_number=payload.po_number,
            seats=payload.seats,
        )
        return 201, {"subscription": subscription_out(subscription, admin=True), "invoice": invoice_out(invoice)}

    return idempotently(request, write)


@router.patch(
    "/subscription",
    openapi_extra=IDEMPOTENT,
    response={200: ChangeOut, **errors(400, 401, 402, 403, 409, 422)},
    description="Change plan, interval, payment method or PO number, in one go and at once (admins): the unused "
    "part of the old plan is credited and the new one charged from now. 402 if the charge fails: nothing of the "
    "change stays. " + IDEMPOTENCY,
)
def subscription_update(request: ApiRequest, payload: ChangeIn):
    require_admin(request)
    changes = payload.dict(exclude_unset=True)
    if payload.payment_method is not None:
        changes["payment_method"] = payload.payment_method.as_dict()

    def write() -> Answer:
        subscription, invoice, notes = services.subscription_change(
            account=request.account, actor=request.user, **changes
        )
        shaped = [credit_note_out(note) for note in notes]
        return 200, {
            "subscription": subscription_out(subscription, admin=True),
            "invoice": invoice_out(invoice) if invoice else None,
            "credit_note": shaped[0] if shaped else None,
            "credit_notes": shaped,
        }

    return idempotently(request, write)


@router.put(
    "/subscription/payment-method",
    openapi_extra=IDEMPOTENT,
    response={200: SubscriptionOut, **errors(400, 401, 402, 403, 409, 422)},
    description="Replace the payment method (admins); the body is the payment method itself. Errors name the "
    "field as in POST /subscription, e.g. `payment_method.number`. " + IDEMPOTENCY,
)
def payment_method_set(request: ApiRequest, payload: PaymentMethodIn):
    require_admin(request)

    def write() -> Answer:
        subscription = services.subscription_payment_method_set(
            account=request.account, actor=request.user, payment_method=payload.as_dict()
        )
        return 200, subscription_out(subscription, admin=True)

    return idempotently(request, write)


@router.get("/subscription/preview", response={200: PreviewOut, **errors(400, 401, 403)})
def seat_preview(request: ApiRequest, query: Query[PreviewQuery]):
    """What adding (or removing) that many named users would charge (or credit, negative) now (admins)."""
    require_admin(request)
    amount, currency, period_end = services.seat_preview(account=request.account, users_delta=query.users_delta)
    return {"amount_minor": amount, "currency": currency, "period_end": period_end}


@router.post("/subscription/cancel", response={200: SubscriptionOut, **errors(401, 403, 409)})
def subscription_cancel(request: ApiRequest):
    """Cancel at the end of the period (admins); the account is on Free after it. Undo with /resume until then."""
    require_admin(request)
    subscription = services.subscription_cancel(account=request.account, actor=request.user)
    return subscription_out(subscription, admin=True)


@router.post("/subscription/resume", response={200: SubscriptionOut, **errors(401, 403, 409)})
def subscription_resume(request: ApiRequest):
    """Undo a cancellation before the period ends (admins)."""
    require_admin(request)
    subscription = services.subscription_resume(account=request.account, actor=request.user)
    return subscription_out(subscription, admin=True)


@router.post(
    "/subscription/refund",
    openapi_extra=IDEMPOTENT,
    response={200: RefundOut, **errors(400, 401, 403, 409)},
    description="Within 30 days of a purchase, plan change or renewal, cancel the purchase (admins): everything "
    "paid for the current period is refunded, unpaid invoices of the period are voided, and the account is on "
    "Free at once. 409 `nothing_refundable` otherwise. " + IDEMPOTENCY,
)
def subscription_refund(request: ApiRequest):
    require_admin(request)

    def write() -> Answer:
        notes = services.subscription_refund(account=request.account, actor=request.user)
        subscription = selectors.subscription_of(account=request.account)
        return 200, {
            "credit_notes": [credit_note_out(note) for note in notes],
            "subscription": subscription_out(subscription, admin=True),
        }

    return idempotently(request, write)


# --- documents ---


@router.get("/invoices", response={200: InvoicePage, **errors(400, 401, 403)})
def invoice_list(request: ApiRequest, limit: int | None = None, cursor: str | None = None):
    """The account's invoices, newest first (admins)."""
    require_admin(request)
    rows, next_cursor = paginate_newest(
        selectors.invoices(account=request.account), field="issued_at", limit=limit, cursor=cursor
    )
    return {"items": [invoice_out(invoice) for invoice in rows], "next_cursor": next_cursor}


@router.get("/invoices/{invoice_id}", response={200: InvoiceOut, **errors(400, 401, 403, 404)})
def invoice_get(request: ApiRequest, invoice_id: int):
    require_admin(request)
    return invoice_out(selectors.invoice_get(account=request.account, invoice_id=invoice_id))


@router.get("/invoices/{invoice_id}/pdf", response=errors(400, 401, 403, 404), openapi_extra=PDF_RESPONSE)
def invoice_pdf(request: ApiRequest, invoice_id: int):
    """The invoice as PDF, as filed by a finance team (admins)."""
    require_admin(request)
    invoice = selectors.invoice_get(account=request.account, invoice_id=invoice_id)
    from stint.billing.pdf import invoice_pdf as render  # WeasyPrint loads only when a PDF is asked for

    return _pdf(render(invoice), invoice.number)


@router.get("/credit-notes", response={200: CreditNotePage, **errors(400, 401, 403)})
def credit_note_list(request: ApiRequest, limit: int | None = None, cursor: str | None = None):
    """The account's credit notes, newest first (admins)."""
    require_admin(request)
    rows, next_cursor = paginate_newest(
        selectors.credit_notes(account=request.account), field="issued_at", limit=limit, cursor=cursor
    )
    return {"items": [credit_note_out(note) for note in rows], "next_cursor": next_cursor}


@router.get("/credit-notes/{credit_note_id}", response={200: CreditNoteOut, **errors(400, 401, 403, 404)})
def credit_note_get(request: ApiRequest, credit_note_id: int):
    require_admin(request)
    return credit_note_out(selectors.credit_note_get(account=request.account, credit_note_id=credit_note_id))


@router.get("/credit-notes/{credit_note_id}/pdf", response=errors(400, 401, 403, 404), openapi_extra=PDF_RESPONSE)
def credit_note_pdf(request: ApiRequest, credit_note_id: int):
    """The credit note as PDF (admins)."""
    require_admin(request)
    note = selectors.credit_note_get(account=request.account, credit_note_id=credit_note_id)
    from stint.billing.pdf import credit_note_pdf as render

    return _pdf(render(note), note.number)
