from django.apps import AppConfig


class PanelsConfig(AppConfig):
    name = "panels"

    def ready(self):
        # The meeting's clock kind (P2-P5, P12-P14) and the panel screens in the navigation.
        from . import actions_link, clocks, merge  # noqa: F401
        from .navigation import register

        register()
        actions_link.register()
        merge.register()
