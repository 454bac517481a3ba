"""Who sees a panel and what is recorded at its meetings: decided here, once.

Panels, meetings, agendas, minutes and ratings are seen only by the panel's members — users of a
member agency who hold a panel role (chair or member), the chair and co-chair — and by
administrators of its authority; anyone else gets 404. Listing a child on a panel does not open the
child's case record to the member agencies. Part 2 (the children) is shown at a meeting only to
those who agreed to the confidentiality statement at that meeting (P7).
"""

from django.db.models import Q

from casework.models import Role
from casework.permissions import is_administrator, is_mash_coordinator

from .models import Attendance, Meeting, Panel

PANEL_ROLES = {Role.PANEL_CHAIR, Role.PANEL_MEMBER}


def panels_visible_to(user):
    if not user or not user.is_authenticated:
        return Panel.objects.none()
    if user.is_superuser:
        return Panel.objects.all()
    if not user.agency_id:
        return Panel.objects.none()
    in_authority = Panel.objects.filter(authority_id=user.agency.authority_id)
    if is_administrator(user):
        return in_authority
    member = Q(chair=user) | Q(co_chair=user)
    if PANEL_ROLES & set(user.roles or []):
        member |= Q(members__agency_id=user.agency_id)
    return in_authority.filter(member).distinct()


def meetings_visible_to(user):
    return Meeting.objects.filter(panel__in=panels_visible_to(user).values("pk"))


def can_create_panels(user):
    return is_administrator(user) or bool(user.is_authenticated and user.has_role(Role.PANEL_CHAIR))


def chairs(user, panel):
    return is_administrator(user) or (user.is_authenticated and user.pk in (panel.chair_id, panel.co_chair_id))


def can_coordinate_referrals(user, panel):
    """The MASH coordinator (seed 000: 'the MASH missing coordinator') and the chairs."""
    return chairs(user, panel) or (
        is_mash_coordinator(user) and user.agency_id and user.agency.authority_id == panel.authority_id
    )


def agreed_confidentiality(user, meeting, *, attendance=None):
    """Whether the user agreed to the confidentiality statement at this meeting (P7). `attendance`:
    the meeting's attendance rows when the caller has read them already."""
    if attendance is not None:
        return any(row.user_id == user.pk and row.confidentiality_agreed_at is not None for row in attendance)
    return Attendance.objects.filter(
        meeting=meeting, user=user, confidentiality_agreed_at__isnull=False
    ).exists()
