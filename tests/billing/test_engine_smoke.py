from __future__ import annotations

from datetime import timedelta
from fractions import Fraction

from stint.accounts.services import named_user_add, named_user_deactivate
from stint.billing.models import BalanceEntry, CreditNote, Invoice, Subscription
from stint.billing.services import billing_tick, subscription_purchase
from stint.core.clock import FrozenClock
from tests.billing.conftest import VISA
from tests.conftest import Person


def test_a_month_of_seat_changes_adds_up(frozen: FrozenClock, alice: Person) -> None:
    subscription, invoice = subscription_purchase(
        account=alice.account, actor=alice.user, plan="regular", interval="month", payment_method=VISA
    )
    assert (invoice.number, invoice.total_minor, invoice.status) == ("INV-2026-000001", 900, "paid")
    assert subscription.current_period_end == frozen.now().replace(month=2, day=28)
    frozen.advance(14 * 86400)
    bob = named_user_add(account=alice.account, actor=alice.user, email="bob@example.com", name="Bob")
    seat_invoice = Invoice.objects.get(billing_reason="seat_change")
    length = 28 * 86400
    assert seat_invoice.total_minor == round(Fraction(900 * 14 * 86400, length)) == 450
    frozen.advance(7 * 86400)
    named_user_deactivate(account=alice.account, actor=alice.user, membership=bob)
    note = CreditNote.objects.get()
    assert note.total_minor == 225 and note.invoice == seat_invoice
    subscription.refresh_from_db()
    assert subscription.credit_balance_minor == 225 == sum(e.amount_minor for e in BalanceEntry.objects.all())
    frozen.advance(7 * 86400)
    billing_tick()
    billing_tick()
    renewal = Invoice.objects.get(billing_reason="renewal")
    assert (renewal.total_minor, renewal.balance_applied_minor, renewal.amount_due_minor) == (900, 225, 675)
    assert renewal.status == "paid"
    subscription.refresh_from_db()
    assert subscription.credit_balance_minor == 0 and subscription.status == Subscription.Status.ACTIVE
    assert subscription.current_period_end == frozen.now().replace(month=3, day=31) - timedelta(0)
