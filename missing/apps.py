from django.apps import AppConfig


class MissingConfig(AppConfig):
    name = "missing"
