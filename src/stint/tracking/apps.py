from django.apps import AppConfig


class TrackingConfig(AppConfig):
    name = "stint.tracking"
    label = "tracking"

    def ready(self) -> None:
        from stint.core.worker import register_tick
        from stint.tracking.services import timers_stop_overlong

        # The record ends at the limit whenever the sweep finds the timer, so twice a minute is plenty.
        register_tick(timers_stop_overlong, every_s=30)
