"""Who may complete deadlines. Who may see them is the child's visibility rule, applied once by the
lists and lookups (clocks/selectors.py, missing/permissions.py); this is only the role test."""

from casework.models import Role
from casework.permissions import is_mash_coordinator

# Roles that do the work the duties stand for; a strategic reader only reads.
COMPLETING_ROLES = {Role.AGENCY_STAFF, Role.PANEL_CHAIR, Role.PANEL_MEMBER}


def can_complete_deadlines_of(user, child):
    """Whether the user records the duties of `child` done: MASH coordinators, the allocated worker
    and anyone who works with children. `child` must already be known visible to the user (it came
    through deadlines_visible_to or child_get_visible); no query is made."""
    return (
        is_mash_coordinator(user)
        or child.allocated_worker_id == user.pk
        or bool(COMPLETING_ROLES & set(user.roles or []))
    )
