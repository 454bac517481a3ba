from django.apps import AppConfig


class IntelligenceConfig(AppConfig):
    name = "intelligence"
    verbose_name = "Panel intelligence"

    def ready(self):
        # The screens in the navigation, and the intelligence part of a subject access export.
        from . import child_data
        from .navigation import register

        register()
        child_data.register()
