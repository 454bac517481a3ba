"""The panel screens in the navigation, and the chair's next meeting on the home page."""

from django.db.models import Count as DbCount
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from casework.home import Count, register_home_panel
from casework.models import Role
from casework.navigation import Section, register_section
from casework.permissions import holds_role

from .models import Meeting, MeetingStatus


def _panel_user(user):
    return holds_role(user, Role.PANEL_CHAIR, Role.PANEL_MEMBER, Role.MASH_COORDINATOR)


def next_meeting_panel(user, now):
    """The chair's next meeting: who is listed, the referrals waiting, the agency updates in (P4),
    and how many have agreed to attend so far. A few aggregate queries."""
    meeting = (
        Meeting.objects.filter(Q(panel__chair=user) | Q(panel__co_chair=user), status__in=[
            MeetingStatus.SCHEDULED, MeetingStatus.IN_PROGRESS])
        .select_related("panel")
        .annotate(
            n_listed=DbCount("listed", distinct=True),
            n_updates=DbCount("updates", distinct=True),
            n_pending=DbCount("referrals", filter=Q(referrals__status="pending"), distinct=True),
            n_present=DbCount("attendance", filter=Q(attendance__present=True), distinct=True),
        )
        .order_by("starts_at")
        .first()
    )
    if meeting is None:
        return {"meeting": None, "counts": []}
    agenda = reverse("panels:agenda", args=[meeting.pk])
    return {
        "meeting": meeting,
        "counts": [
            Count(meeting.n_listed, "child listed", "children listed", agenda),
            Count(meeting.n_pending, "referral waiting", "referrals waiting", reverse("panels:referral_queue")),
            Count(meeting.n_updates, "agency update in", "agency updates in", agenda),
        ],
    }


def register():
    register_section(Section("panels", "Panels", "panels:panel_list", order=450, shows=_panel_user,
                             pages=("panels:*",)))
    register_home_panel(
        "next_meeting", title="Your next panel meeting", order=400,
        shows=lambda user: holds_role(user, Role.PANEL_CHAIR),
        build=next_meeting_panel, template="panels/home/next_meeting.html", live=True,
    )
