"""Who reads which of this app's reports. R1, the 903 return and the inspection lists name children:
strategic readers, who read only figures, never get them (the API answers 403, the screens too)."""

from casework.models import Role
from casework.permissions import holds_role, is_administrator, is_mash_coordinator


def can_read_currently_missing(user):
    """R1: the MASH (administrators included), and panel chairs, who prepare for the children at risk."""
    return is_mash_coordinator(user) or holds_role(user, Role.PANEL_CHAIR)


def can_read_ssda903(user):
    """The return is compiled by the MASH or an administrator of the authority."""
    return is_mash_coordinator(user)


def can_read_inspection_lists(user):
    return is_administrator(user)
