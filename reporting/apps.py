from django.apps import AppConfig


class ReportingConfig(AppConfig):
    name = "reporting"

    def ready(self):
        # The dashboard's and the quarterly reports' screens, and the task that generates the reports.
        from . import navigation, quarterly_tasks  # noqa: F401

        navigation.register()
