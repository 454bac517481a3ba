"""The dashboard and the quarterly reports in the service navigation."""

from casework.models import Role
from casework.navigation import Section, register_section
from casework.permissions import holds_role


def register():
    # By the roles a person holds: the missing hub, the chairs and the board read the dashboard;
    # chairs, members and the board the quarterly reports.
    register_section(Section("dashboard", "Dashboard", "reporting:dashboard", order=600, shows=lambda user: holds_role(
        user, Role.MASH_COORDINATOR, Role.PANEL_CHAIR, Role.STRATEGIC_READER)))
    register_section(Section("quarterly", "Quarterly reports", "reporting:quarterly", order=610,
                             shows=lambda user: holds_role(user, Role.PANEL_CHAIR, Role.PANEL_MEMBER,
                                                           Role.STRATEGIC_READER)))
