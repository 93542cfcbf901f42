from django.apps import AppConfig
from django.conf import settings


class CoreConfig(AppConfig):
    name = "stint.core"
    label = "core"

    def ready(self) -> None:
        if settings.STINT_TEST_CLOCK:
            from stint.core.test_clock import offset_clock_install

            offset_clock_install()
