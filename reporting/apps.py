from django.apps import AppConfig


class ReportingConfig(AppConfig):
    name = "reporting"

    def ready(self):
        # The weekly list's clock kind (R1) and the child-level reports' screens.
        from . import weekly  # noqa: F401
        from .navigation import register_child_level_reports

        register_child_level_reports()
