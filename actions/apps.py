from django.apps import AppConfig


class ActionsConfig(AppConfig):
    name = "actions"
    verbose_name = "Meetings and actions"

    def ready(self):
        # The owner agency's involvement with a child, the P15 and digest clock kinds, the screens.
        from . import clocks  # noqa: F401
        from . import permissions  # noqa: F401
        from .navigation import register

        register()
