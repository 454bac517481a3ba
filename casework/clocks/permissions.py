"""Who may see and complete deadlines. Visibility follows the child's (missing/permissions.py)."""

from casework.models import Role
from casework.permissions import is_mash_coordinator
from missing.permissions import children_visible_to

# Roles that do the work the duties stand for; a strategic reader only reads.
COMPLETING_ROLES = {Role.AGENCY_STAFF, Role.PANEL_CHAIR, Role.PANEL_MEMBER}


def can_complete_deadline(user, deadline):
    """Anyone who may see the child and works with children records a duty done."""
    if not children_visible_to(user).filter(pk=deadline.child_id).exists():
        return False
    return (
        is_mash_coordinator(user)
        or deadline.child.allocated_worker_id == user.pk
        or bool(COMPLETING_ROLES & set(user.roles or []))
    )
