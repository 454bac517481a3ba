"""A panel meeting's clocks (RULES.md §5: P2-P5 before it, P12-P14 after it) on the core engine."""

from django.db.models import Q
from django.urls import reverse

from casework.calendar import describe_moment
from casework.clocks.registry import ClockKind, RowFacts, register_clock_kind
from casework.clocks.services import clock_reconcile, deadlines_complete_for_subject
from casework.selectors import one_of

from .models import Meeting
from .permissions import meetings_visible_to
from .rules import RULES, meeting_deadlines, panel_protocol

MEETING = "panels.meeting"


def _lock(meeting_id):
    return Meeting.objects.select_for_update(of=("self",)).select_related("panel").filter(pk=meeting_id).first()


def _evaluate(meeting, rows, now, protocols):
    protocol = panel_protocol(meeting.panel, protocols(meeting.panel.authority_id))
    child_ids = list(meeting.listed.values_list("child_id", flat=True)) if meeting.ended_at else []
    return meeting_deadlines(
        meeting, child_ids=child_ids, protocol=protocol, authority_id=meeting.panel.authority_id, now=now
    )


def _facts(rows):
    meetings = Meeting.objects.select_related("panel", "panel__chair").in_bulk({r.subject_id for r in rows})
    facts = {}
    for row in rows:
        meeting = meetings.get(row.subject_id)
        if meeting is None:
            facts[row.pk] = RowFacts(label="A meeting that no longer exists")
            continue
        when = describe_moment(meeting.starts_at)
        facts[row.pk] = RowFacts(
            label=f"{meeting.panel.name}, {when}",
            context=f"meeting on {when}",
            url=reverse("panels:agenda", args=[meeting.pk]),
            owner=meeting.panel.chair,
            owner_role="panel_chair",
            detail=meeting.panel.name,
        )
    return facts


def _visible(user):
    return Q(one_of("subject_id", meetings_visible_to(user).values("pk")))


def _mine(user):
    return Q(subject_id__in=Meeting.objects.filter(Q(panel__chair=user) | Q(panel__co_chair=user)).values("pk"))


MEETING_CLOCKS = register_clock_kind(
    ClockKind(
        name=MEETING,
        api_field="meeting",
        rules=RULES,
        lock=_lock,
        evaluate=_evaluate,
        visible=_visible,
        facts=_facts,
        mine=_mine,
    )
)


def meeting_clocks_reconcile(meeting, now=None):
    clock_reconcile(subject_type=MEETING, subject_id=meeting.pk, now=now)


def meeting_deadlines_complete(meeting, rule, *, actor, note, key=None):
    return deadlines_complete_for_subject(
        subject_type=MEETING, subject_id=meeting.pk, rule=rule, actor=actor, note=note, key=key
    )
