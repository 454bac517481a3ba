from django.apps import AppConfig


class MissingConfig(AppConfig):
    name = "missing"

    def ready(self):
        # Visibility clauses and signal receivers of the return-interview and education parts.
        from .education import permissions as education_permissions  # noqa: F401
        from .education import services as education_services  # noqa: F401
        from .interviews import permissions as interview_permissions  # noqa: F401
        from .interviews import services as interview_services  # noqa: F401
