from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "stint.web"
    label = "web"
