"""Who sees and who works a children-missing-education case.

A case is part of the child's record: visible to those who may see the child. The education
team holding a case is involved with the child (so colleagues can cover the case).
"""

from django.db.models import Exists, OuterRef, Q

from casework.models import Agency, AgencyKind
from casework.permissions import is_mash_coordinator

from ..models import EducationCase
from ..permissions import can_change_child, children_visible_to, register_involvement


def _holding_education_team(user):
    """The education team holding a case; never the MASH coordinator's agency that opened it for them."""
    if user.agency.kind != AgencyKind.EDUCATION:
        return None
    return Q(Exists(EducationCase.objects.filter(child_id=OuterRef("pk"), agency_id=user.agency_id)))


register_involvement(_holding_education_team)


def cases_visible_to(user):
    return EducationCase.objects.filter(child__in=children_visible_to(user).values("pk"))


def can_open_case(user):
    return is_mash_coordinator(user) or bool(
        user.is_authenticated and user.agency_id and user.agency.kind == AgencyKind.EDUCATION
    )


def can_work_case(user, case):
    return can_change_child(user, case.child) or bool(
        user.is_authenticated and user.agency_id is not None and user.agency_id == case.agency_id
    )


def education_teams_for(user):
    """The education teams a MASH coordinator may open a case for; None when the user is one."""
    if not user.agency_id or user.agency.kind == AgencyKind.EDUCATION:
        return None
    return Agency.objects.filter(kind=AgencyKind.EDUCATION, authority_id=user.agency.authority_id).order_by("name")
