from django.apps import AppConfig


class CaseworkConfig(AppConfig):
    name = "casework"
    verbose_name = "People, agencies, audit and clocks"

    def ready(self):
        from . import receivers  # noqa: F401  (revokes API tokens on a django-axes lockout)
        from .clocks import admin  # noqa: F401  (registers the protocol and recipients in the admin)
        from .clocks.home import register_clock_panels
        from .clocks.navigation import register_clock_sections
        from .screens import register_core_screens

        register_core_screens()
        register_clock_sections()
        register_clock_panels()
