"""Payment gateways: the one place where money leaves or enters through a card network.

`gateway()` answers the configured one (`STINT_PAYMENT_GATEWAY`: `sandbox`, the default, or `stripe`).
"""

from __future__ import annotations

from django.conf import settings

from stint.billing.gateways.base import (
    CardDetails,
    CardRefused,
    ChargeFailed,
    ChargeResult,
    Gateway,
    RefundResult,
    SavedCard,
)

__all__ = ["CardDetails", "CardRefused", "ChargeFailed", "ChargeResult", "Gateway", "RefundResult", "SavedCard"]


def gateway() -> Gateway:
    name = settings.STINT_PAYMENT_GATEWAY
    if name == "sandbox":
        from stint.billing.gateways.sandbox import SandboxGateway

        return SandboxGateway()
    if name == "stripe":
        from stint.billing.gateways.stripe import StripeGateway

        return StripeGateway()
    raise RuntimeError(f"STINT_PAYMENT_GATEWAY={name!r} is not available; use 'sandbox' or 'stripe'.")
