from django.apps import AppConfig


class TrackingConfig(AppConfig):
    name = "stint.tracking"
    label = "tracking"

    def ready(self) -> None:
        from stint.core.worker import register_tick
        from stint.tracking.services import timers_stop_overlong

        register_tick(timers_stop_overlong)
