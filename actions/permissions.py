"""Who sees and who may change actions and child meetings.

Both are part of the child's record: visible to exactly those who may see the child
(missing.permissions), never more; anyone else gets 404. An agency given an action on a child is
involved with that child from then on, so its staff can see the record the action is about. Only
the owner agency's staff and the panel chair change an action (API §1); others who see it get 403.
"""

from django.db.models import Exists, OuterRef, Q

from casework.clocks.permissions import COMPLETING_ROLES
from casework.clocks.registry import clock_rule
from casework.models import Agency, Role
from casework.permissions import is_administrator, is_mash_coordinator
from missing.clocks.kind import EPISODE
from missing.permissions import children_visible_to, register_involvement, rows_of_visible_children

from .models import MEETING_RULES, Action, ChildMeeting

# Roles that work an action; a strategic reader of the owner agency only reads.
ACTION_WORKING_ROLES = COMPLETING_ROLES | {Role.MASH_COORDINATOR}


def _owner_agency(user):
    return Q(Exists(Action.objects.filter(child_id=OuterRef("pk"), owner_agency_id=user.agency_id)))


register_involvement(_owner_agency)


def actions_visible_to(user):
    """The actions of the children the user may see. An action carries its child's authority (set
    from the child, which never changes authority; a merge keeps to one authority), so the lists
    start from the authority's own actions in the order of the (authority, due) index and ask about
    each row's child, instead of joining every child of the country first (issue 13)."""
    return Action.objects.filter(rows_of_visible_children(user))


def meetings_visible_to(user):
    return ChildMeeting.objects.filter(child__in=children_visible_to(user).values("pk"))


def _in_authority(user, authority_id):
    return bool(user.agency_id and user.agency.authority_id == authority_id)


def is_panel_chair(user, authority_id):
    return bool(user.is_authenticated and user.has_role(Role.PANEL_CHAIR) and _in_authority(user, authority_id))


def can_change_action(user, action):
    """Update, complete or cancel: the owner agency's staff and the panel chair (and administrators).
    `action` must already be known visible to the user."""
    if is_administrator(user) or is_panel_chair(user, action.authority_id):
        return True
    return bool(user.agency_id == action.owner_agency_id and ACTION_WORKING_ROLES & set(user.roles or []))


def _coordinates(user, child):
    return is_administrator(user) or (is_mash_coordinator(user) and _in_authority(user, child.authority_id)) or (
        child.allocated_worker_id is not None and child.allocated_worker_id == user.pk
    )


def can_record_meeting(user, child, kind):
    """Record a meeting of `kind`: whoever may record its deadline done (the agencies that do that
    rule's work, the allocated worker, the MASH, administrators)."""
    if _coordinates(user, child):
        return True
    rule = clock_rule(EPISODE, MEETING_RULES[kind])
    return bool(
        rule and user.agency_id and user.agency.kind in rule.completed_by and COMPLETING_ROLES & set(user.roles or [])
    )


def can_create_action(user, child, meeting=None):
    """Agree an action: the panel chair, the MASH, the allocated worker, and whoever recorded the
    kind of meeting it comes from."""
    if _coordinates(user, child) or is_panel_chair(user, child.authority_id):
        return True
    return meeting is not None and can_record_meeting(user, child, meeting.kind)


def is_manager(user):
    """Someone's line manager, or the designated manager of an agency (P15 tells them)."""
    return bool(
        user.is_authenticated
        and (user.reports.filter(is_active=True).exists() or Agency.objects.filter(designated_manager=user).exists())
    )


def can_read_tracker(user):
    """The tracker is for chairs and managers (and the MASH and administrators). It names children, so
    strategic readers, who see aggregates and never a child, do not read it."""
    if not user.is_authenticated:
        return False
    if is_mash_coordinator(user) or user.has_role(Role.PANEL_CHAIR):
        return True
    return is_manager(user)
