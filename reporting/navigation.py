"""The child-level reports in the service navigation: never for a strategic reader (they name children)."""

from casework.models import Role
from casework.navigation import Section, register_section
from casework.permissions import holds_role, is_administrator


def register_child_level_reports():
    register_section(Section("currently_missing", "Missing now", "reporting:currently_missing", order=540,
                             shows=lambda user: holds_role(user, Role.MASH_COORDINATOR, Role.PANEL_CHAIR)))
    register_section(Section("returns", "Returns", "reporting:returns", order=560, shows=lambda user: (
        holds_role(user, Role.MASH_COORDINATOR) or is_administrator(user))))
