from django.apps import AppConfig


class CaseworkConfig(AppConfig):
    name = "casework"
    verbose_name = "People, agencies, audit and clocks"

    def ready(self):
        from . import receivers  # noqa: F401  (revokes API tokens on a django-axes lockout)
        from .clocks import admin  # noqa: F401  (registers the protocol and recipients in the admin)
        from . import retention
        from .clocks.home import register_clock_panels
        from .clocks.navigation import register_clock_sections
        from .navigation import Section, register_section
        from .permissions import is_administrator
        from .screens import register_core_screens

        register_core_screens()
        register_clock_sections()
        register_clock_panels()
        retention.register()
        register_section(Section("retention", "Retention", "retention", order=850, shows=is_administrator))
