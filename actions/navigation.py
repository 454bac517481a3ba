"""The actions app's screens in the service navigation, and its link on a child's page."""

from casework.navigation import Section, register_section
from missing.child_page import ChildLink, register_child_link

from .permissions import can_read_tracker


def register():
    register_section(Section("my_actions", "My actions", "actions:mine", order=500, shows=lambda user: bool(
        user.agency_id)))
    register_section(Section("action_tracker", "Action tracker", "actions:tracker", order=510, shows=can_read_tracker))
    register_child_link(ChildLink("Meetings and actions", "actions:child_meetings", order=100))
