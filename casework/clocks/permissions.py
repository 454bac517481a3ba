"""Who may record a duty done. Who may see a deadline is the child's visibility rule, applied once
by the lists and lookups (clocks/selectors.py, missing/permissions.py); this is only the test of
who does the work each rule stands for (RULE_COMPLETED_BY)."""

from casework.models import Role
from casework.permissions import is_administrator, is_mash_coordinator

from .rules import ALLOCATED_WORKER_MAY_NOT, RULE_COMPLETED_BY

# Roles that do the work the duties stand for; a strategic reader only reads.
COMPLETING_ROLES = {Role.AGENCY_STAFF, Role.PANEL_CHAIR, Role.PANEL_MEMBER}


def _coordinates(user, child):
    return is_administrator(user) or (
        is_mash_coordinator(user) and user.agency_id is not None and user.agency.authority_id == child.authority_id
    )


def can_complete_deadline(user, deadline):
    """Whether the user records this duty done: the MASH, the administrator, the child's allocated
    worker (not T1), or staff of an agency that does the rule's work. `deadline.child` must already
    be known visible to the user; no query is made beyond what is loaded."""
    child = deadline.child
    if _coordinates(user, child):
        return True
    if child.allocated_worker_id == user.pk and deadline.rule not in ALLOCATED_WORKER_MAY_NOT:
        return True
    kinds = RULE_COMPLETED_BY.get(deadline.rule, set())
    return bool(
        user.agency_id
        and user.agency.kind in kinds
        and COMPLETING_ROLES & set(user.roles or [])
    )
