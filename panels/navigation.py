from casework.models import Role
from casework.navigation import Landing, Section, register_landing, register_section
from casework.permissions import is_administrator, is_mash_coordinator

from .permissions import PANEL_ROLES


def _panel_user(user):
    return is_administrator(user) or is_mash_coordinator(user) or bool(PANEL_ROLES & set(user.roles or []))


def register():
    register_section(Section("panels", "Panels", "panels:panel_list", order=500, shows=_panel_user))
    register_landing(Landing("panels:panel_list", priority=20,
                             applies=lambda user: user.has_role(Role.PANEL_CHAIR) and not is_mash_coordinator(user)))
