"""Who sees and who may change safe-and-well checks and return interviews.

Both are part of the child's record: they are visible to exactly those who may see the child
(missing.permissions), never more. The interviewer a child chose is involved with that child,
personally: a colleague in the same return interview service is not.
"""

from django.db.models import Exists, OuterRef, Q

from casework.models import AgencyKind, Role
from casework.permissions import is_mash_coordinator

from ..models import ReturnInterview, SafeAndWellCheck
from ..permissions import can_change_child, children_visible_to, register_involvement, rows_of_visible_children


def _assigned_interviewer(user):
    return Q(Exists(ReturnInterview.objects.filter(child_id=OuterRef("pk"), interviewer_id=user.pk)))


register_involvement(_assigned_interviewer)


def interviews_visible_to(user, *, listing=False):
    """`listing=True` for a list: decided by the interview's own authority and child columns
    (rows_of_visible_children), so the list walks the (authority, first return) index in order."""
    if listing:
        return ReturnInterview.objects.filter(rows_of_visible_children(user, listing=True))
    return ReturnInterview.objects.filter(child__in=children_visible_to(user).values("pk"))


def checks_visible_to(user):
    return SafeAndWellCheck.objects.filter(episode__child__in=children_visible_to(user).values("pk"))


def _coordinates_child(user, child):
    return can_change_child(user, child) or bool(user.is_authenticated and child.allocated_worker_id == user.pk)


def can_arrange_interview(user, interview):
    """Offer, assign and re-offer: the MASH coordinators, the allocated worker and the referrer."""
    return _coordinates_child(user, interview.child) or bool(
        user.is_authenticated and interview.referrer_id == user.pk
    )


def can_record_interview(user, interview):
    """Record what happened: the chosen interviewer, or whoever arranges the interview."""
    return bool(user.is_authenticated and interview.interviewer_id == user.pk) or can_arrange_interview(
        user, interview
    )


def can_record_check(user, child):
    """The police carry out the check; MASH keys it in from the found notification (§9)."""
    if can_change_child(user, child):
        return True
    return bool(user.is_authenticated and user.agency_id and user.agency.kind == AgencyKind.POLICE)


def can_read_timeliness(user):
    """Timeliness is an aggregate without children's details: MASH and the strategic readers."""
    return is_mash_coordinator(user) or bool(
        user.is_authenticated and user.has_role(Role.STRATEGIC_READER)
    )
