"""Billing services: everything that writes plans, subscriptions, documents, the balance and payments."""

from stint.billing.services.lifecycle import (
    RefundPlan,
    billing_tick,
    refund_plan,
    refund_routes,
    refundable_until,
    subscription_refund,
    subscription_tick,
)
from stint.billing.services.seats import SeatChange, seat_add, seat_preview, seat_remove
from stint.billing.services.subscriptions import (
    subscription_cancel,
    subscription_change,
    subscription_payment_method_set,
    subscription_purchase,
    subscription_resume,
    subscription_trial_start,
)

__all__ = [
    "RefundPlan",
    "SeatChange",
    "billing_tick",
    "refund_plan",
    "refund_routes",
    "refundable_until",
    "seat_add",
    "seat_preview",
    "seat_remove",
    "subscription_cancel",
    "subscription_change",
    "subscription_payment_method_set",
    "subscription_purchase",
    "subscription_refund",
    "subscription_resume",
    "subscription_tick",
    "subscription_trial_start",
]
