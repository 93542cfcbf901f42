from typing import Any

from django.apps import AppConfig
from django.conf import settings
from django.db.models.signals import post_migrate


def _server_identity_ensure(sender: AppConfig, **kwargs: Any) -> None:
    """An on-prem server gets its id and key pair at its first start (`stint serve` migrates first), not only at
    the first request that needs them."""
    if settings.STINT_MODE != "onprem" or kwargs.get("using", "default") != "default":
        return
    from stint.licensing.server import server_identity

    server_identity()


class LicensingConfig(AppConfig):
    name = "stint.licensing"
    label = "licensing"
    verbose_name = "Licensing"

    def ready(self) -> None:
        from stint.licensing import ticks  # noqa: F401  (registers the licensing tick with the worker)

        post_migrate.connect(_server_identity_ensure, sender=self, dispatch_uid="licensing_server_identity")
