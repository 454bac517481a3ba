"""The reports in the service navigation. The child-level reports (the list of children missing now,
the returns) are never for a strategic reader: they name children."""

from casework.models import Role
from casework.navigation import Section, register_section
from casework.permissions import holds_role, is_administrator


def register():
    register_section(Section("currently_missing", "Missing now", "reporting:currently_missing", order=540,
                             shows=lambda user: holds_role(user, Role.MASH_COORDINATOR, Role.PANEL_CHAIR)))
    register_section(Section("returns", "Returns", "reporting:returns", order=560, shows=lambda user: (
        holds_role(user, Role.MASH_COORDINATOR) or is_administrator(user))))
    # By the roles a person holds: the missing hub, the chairs and the board read the dashboard;
    # chairs, members and the board the quarterly reports.
    register_section(Section("dashboard", "Dashboard", "reporting:dashboard", order=570, shows=lambda user: holds_role(
        user, Role.MASH_COORDINATOR, Role.PANEL_CHAIR, Role.STRATEGIC_READER)))
    register_section(Section("quarterly", "Quarterly reports", "reporting:quarterly", order=580,
                             shows=lambda user: holds_role(user, Role.PANEL_CHAIR, Role.PANEL_MEMBER,
                                                           Role.STRATEGIC_READER)))
