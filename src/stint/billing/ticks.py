"""The billing tick: renewals, trial ends, dunning, reminders; registered with the worker (every 60 s)."""

from stint.billing.services.lifecycle import billing_tick
from stint.core.worker import register_tick

register_tick(billing_tick, every_s=60)
