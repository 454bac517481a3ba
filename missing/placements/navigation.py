"""The placement screens in the service navigation: the MASH's placed in and out page (with the
providers and the letter of concern), and the administrators' contacts of other councils."""

from casework.models import Role
from casework.navigation import Section, register_section
from casework.permissions import holds_role, is_administrator


def register():
    register_section(
        Section("placements", "Placed in and out", "placements:placed", order=250,
                shows=lambda user: holds_role(user, Role.MASH_COORDINATOR),
                pages=("placements:*",))
    )
    register_section(
        Section("authority_contacts", "Other councils", "placements:contact_list", order=810, shows=is_administrator)
    )
