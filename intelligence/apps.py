from django.apps import AppConfig


class IntelligenceConfig(AppConfig):
    name = "intelligence"
    verbose_name = "Panel intelligence"

    def ready(self):
        # The screens in the navigation, the intelligence part of a subject access export, and the
        # episodes counted at each place kept in step with where children were found.
        from missing.found import register_found_listener

        from . import child_data, found
        from .navigation import register

        register()
        child_data.register()
        register_found_listener(found.episodes_refresh)
