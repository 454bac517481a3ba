"""The missing episode's clocks (RULES.md §2, T1–T13) plugged into the core's clock engine.

Registered when the app loads (apps.py). The engine asks this module to lock an episode, to say
which deadlines it wants now (rules.deadlines_wanted), who sees its rows (whoever sees the child),
and what to call a row's subject on the screens and in notices (the child, with the episode).
"""

from django.db.models import Q
from django.utils import timezone

from casework.calendar import describe_moment
from casework.clocks.registry import ClockKind, RowFacts, register_clock_kind
from casework.clocks.services import clock_reconcile, deadlines_complete_for_subject
from casework.models import Deadline, DeadlineStatus
from casework.models.clocks import LIVE_STATUSES
from casework.links import url_maker

from ..models import Child, MissingEpisode
from ..permissions import (
    rows_hidden_in_authority,
    rows_of_visible_children,
    rows_of_visible_children_listed,
    rows_of_visible_children_walked,
)
from .rules import RULES, deadlines_wanted

EPISODE = "missing.episode"


def _lock(episode_id):
    return MissingEpisode.objects.select_for_update(of=("self",)).select_related("child").filter(pk=episode_id).first()


def _evaluate(episode, rows, now, protocols):
    child = episode.child
    meeting = rows.get(("T2", ""))
    return deadlines_wanted(
        child=child,
        episode=episode,
        episodes=list(child.episodes.all()),
        protocol=protocols(child.authority_id),
        now=now,
        strategy_meeting_at=meeting.completed_at if meeting and meeting.status == DeadlineStatus.DONE else None,
        reviews_done=sum(1 for d in rows.values() if d.rule == "T13" and d.status == DeadlineStatus.DONE),
    )


def _facts(rows):
    child_url = url_maker("missing:child_detail")  # reversed once for all the rows
    episodes = MissingEpisode.objects.select_related(
        "child", "child__allocated_worker", "child__lead_agency"
    ).in_bulk({row.subject_id for row in rows})
    facts = {}
    for row in rows:
        episode = episodes.get(row.subject_id)
        if episode is None:
            facts[row.pk] = RowFacts(label="A child's record that no longer exists")
            continue
        child = episode.child
        context = f"missing since {describe_moment(episode.started_at)}"
        if episode.returned_at:
            context += f", back since {describe_moment(episode.returned_at)}"
        worker = child.allocated_worker
        facts[row.pk] = RowFacts(
            label=child.full_name,
            context=context,
            url=child_url(child.pk),
            owner=worker,
            owner_role="allocated_worker",
            detail=child.lead_agency.name if child.lead_agency_id else "",
        )
    return facts


def _mine(user):
    return Q(child_id__in=Child.objects.filter(allocated_worker=user).values("pk"))


def _of_agency(agency):
    return Q(child_id__in=Child.objects.filter(lead_agency=agency).values("pk"))


EPISODE_CLOCKS = register_clock_kind(
    ClockKind(
        name=EPISODE,
        api_field="episode",
        rules=RULES,
        lock=_lock,
        evaluate=_evaluate,
        visible=rows_of_visible_children,
        visible_in_list=rows_of_visible_children_listed,
        visible_in_walk=rows_of_visible_children_walked,
        hidden_in_authority=rows_hidden_in_authority,
        facts=_facts,
        mine=_mine,
        of_agency=_of_agency,
    )
)


def episode_clocks_reconcile(*, child, episode=None, now=None):
    """Reconcile `episode` and every episode of the child whose clocks still run: open ones, those
    with a live deadline, and those whose strategy meeting starts monthly reviews (T13). Called by
    the episode and child services inside their transaction, after the facts changed."""
    now = now or timezone.now()
    rows = Deadline.objects.filter(subject_type=EPISODE, child_id=child.pk)
    running = rows.filter(Q(status__in=LIVE_STATUSES) | Q(rule="T2", status=DeadlineStatus.DONE))
    live = Q(returned_at__isnull=True) | Q(pk__in=running.values("subject_id"))
    if episode is not None:
        live |= Q(pk=episode.pk)
    # In the order of their ids, so that any two reconciles lock a child's episodes in one order.
    for episode_id in MissingEpisode.objects.filter(live, child=child).order_by("pk").values_list("pk", flat=True):
        clock_reconcile(subject_type=EPISODE, subject_id=episode_id, now=now)


def episode_deadlines_complete(*, episode, rule, actor, note, completed_at=None):
    """Record the episode's live `rule` deadlines done (T1 when the return interview is recorded)."""
    return deadlines_complete_for_subject(
        subject_type=EPISODE, subject_id=episode.pk, rule=rule, actor=actor, note=note, completed_at=completed_at
    )
