from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "stint.api"
    label = "api"
