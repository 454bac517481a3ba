from django.apps import AppConfig


class ReportingConfig(AppConfig):
    name = "reporting"

    def ready(self):
        # The weekly list's clock kind (R1), the reports' screens, and the task that generates the
        # quarterly reports.
        from . import navigation, quarterly_tasks, weekly  # noqa: F401

        navigation.register()
