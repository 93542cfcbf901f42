from django.apps import AppConfig


class SupportConfig(AppConfig):
    name = "stint.support"
    label = "support"
    verbose_name = "Support"
