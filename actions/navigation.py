"""The actions app's screens in the service navigation, and its link on a child's page."""

from casework.models import Role
from casework.navigation import Section, register_section
from casework.permissions import holds_role
from missing.child_page import ChildLink, register_child_link

from .permissions import can_read_tracker


def register():
    # By the roles a person holds (the home page's rule): agency staff and panel members own actions;
    # chairs and the MASH follow them on the tracker.
    register_section(Section("my_actions", "My actions", "actions:mine", order=520, shows=lambda user: holds_role(
        user, Role.AGENCY_STAFF, Role.PANEL_MEMBER, Role.PANEL_CHAIR)))
    register_section(Section("action_tracker", "Action tracker", "actions:tracker", order=530, shows=lambda user: (
        holds_role(user, Role.PANEL_CHAIR, Role.MASH_COORDINATOR) and can_read_tracker(user))))
    register_child_link(ChildLink("Meetings and actions", "actions:child_meetings", order=100))
