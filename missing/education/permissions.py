"""Who sees and who works a children-missing-education case.

A case is part of the child's record: visible to those who may see the child. The education
team holding a case is involved with the child (so colleagues can cover the case).
"""

from django.db.models import Exists, OuterRef, Q

from casework.models import AgencyKind
from casework.permissions import is_mash_coordinator

from ..models import EducationCase
from ..permissions import can_change_child, children_visible_to, register_involvement


def _holding_education_team(user):
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
