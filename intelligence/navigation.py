"""The intelligence screens in the navigation: for the panels' own people only. No link is added
to a child's page: intelligence is never shown there."""

from casework.models import Role
from casework.navigation import Section, register_section
from casework.permissions import holds_role


def register():
    register_section(Section("intelligence", "Intelligence", "intelligence:index", order=460,
                             shows=lambda user: holds_role(user, Role.PANEL_CHAIR, Role.PANEL_MEMBER),
                             pages=("intelligence:*",)))
