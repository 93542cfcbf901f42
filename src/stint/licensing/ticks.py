"""The licensing tick (on-prem servers): registered with the worker, every 60 s."""

from stint.core.worker import register_tick
from stint.licensing.online import licensing_tick

register_tick(licensing_tick, every_s=60)
