from django.apps import AppConfig


class MissingConfig(AppConfig):
    name = "missing"

    def ready(self):
        # Visibility clauses of the return-interview and education parts, and the episode's clock kind.
        from .clocks import kind  # noqa: F401
        from .placements import clocks as placement_clocks  # noqa: F401
        from .placements import child_data as placement_child_data
        from .placements import navigation as placement_navigation
        from .profiles import clocks as profile_clocks  # noqa: F401
        from .education import permissions as education_permissions  # noqa: F401
        from .interviews import permissions as interview_permissions  # noqa: F401
        from . import child_data, exports, home, merge, navigation, report_months, retention
        from .profiles import child_data as profile_data
        from .profiles.links import child_links_register

        navigation.register()
        placement_navigation.register()
        placement_child_data.register()
        child_links_register()
        home.register()
        child_data.register_parts()
        profile_data.register_parts()
        exports.register()
        retention.register()
        merge.register()
        report_months.register()
