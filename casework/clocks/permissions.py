"""Who may record a duty done. Who may see a deadline is its clock kind's rule, applied once by the
lists and lookups (selectors.py); this is only the test of who does the work each rule stands for
(ClockRule.completed_by, owner_may_complete)."""

from casework.models import Role
from casework.permissions import is_administrator, is_mash_coordinator

from .registry import clock_rule

# Roles that do the work the duties stand for; a strategic reader only reads.
COMPLETING_ROLES = {Role.AGENCY_STAFF, Role.PANEL_CHAIR, Role.PANEL_MEMBER}


def can_complete_deadline(user, deadline, facts):
    """Whether the user records this duty done: an administrator, a MASH coordinator of its
    authority, the subject's owner where the rule allows, or staff of an agency that does the rule's
    work. `deadline` must already be known visible to the user; `facts` are its RowFacts."""
    if is_administrator(user):
        return True
    if is_mash_coordinator(user) and user.agency_id and user.agency.authority_id == deadline.authority_id:
        return True
    rule = clock_rule(deadline.subject_type, deadline.rule)
    if rule is None:
        return False
    owner = facts.owner
    if rule.owner_may_complete and owner is not None and owner.pk == user.pk:
        return True
    return bool(user.agency_id and user.agency.kind in rule.completed_by and COMPLETING_ROLES & set(user.roles or []))
