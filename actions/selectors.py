"""Reads for actions and child meetings: "My actions", the tracker with its filters, figures per
agency and the stuck list, and the tracker's CSV. Every list starts from actions_visible_to."""

import csv
import io
from dataclasses import dataclass

from django.db.models import BooleanField, Exists, ExpressionWrapper, OuterRef, Prefetch, Q
from django.utils import timezone

from casework.calendar import local_date
from casework.models import Agency, Escalation, EscalationStep, User
from casework.selectors import visible_row
from casework.spreadsheets import csv_safe

from .clocks import ACTION, P15
from .models import Action, ActionEvidence, ActionStatus, ActionUpdate
from .permissions import actions_visible_to, meetings_visible_to


def action_get_visible(user, action_id, *, with_people=True):
    """The action with its timeline and evidence, or None when the user may not see it.
    `with_people=False` for the API, which shows the child, owner, meeting and uploader by id: the
    action's own row and its timeline, without joining each of them (issue 13)."""
    updates = Prefetch("updates", queryset=ActionUpdate.objects.select_related("by").prefetch_related("evidence"))
    if with_people:
        loaded = Action.objects.select_related(
            "child", "owner", "owner_agency", "meeting", "created_by", "return_interview"
        ).prefetch_related(updates, Prefetch("evidence", queryset=ActionEvidence.objects.select_related("uploaded_by")))
    else:
        loaded = Action.objects.prefetch_related(updates, "evidence")
    return visible_row(actions_visible_to(user), loaded, action_id)


def evidence_get_visible(user, action_id, evidence_id):
    try:
        return (
            ActionEvidence.objects.filter(action__in=actions_visible_to(user).values("pk"))
            .select_related("action")
            .filter(pk=evidence_id, action_id=action_id)
            .first()
        )
    except (ValueError, TypeError):
        return None


def meeting_get_visible(user, meeting_id):
    try:
        return meetings_visible_to(user).select_related("child", "recorded_by").filter(pk=meeting_id).first()
    except (ValueError, TypeError):
        return None


def meetings_of_child(child):
    return child.meetings.select_related("recorded_by").prefetch_related("actions").order_by("-held_at")


def owner_candidates(agency):
    return User.objects.filter(agency=agency, is_active=True).order_by("last_name", "first_name", "username")


def _escalations(step_key=None):
    rows = Escalation.objects.filter(
        deadline__subject_type=ACTION, rule=P15, step=EscalationStep.OVERDUE
    )
    if step_key is not None:
        rows = rows.filter(deadline__key=step_key)
    return rows


def is_overdue(today):
    return Q(status=ActionStatus.OPEN, due_date__lt=today)


def mine_filter(user):
    """The actions I own and those my agency owns."""
    return Q(owner_id=user.pk) | Q(owner_agency_id=user.agency_id) if user.agency_id else Q(owner_id=user.pk)


def actions_mine(user):
    """My actions: the open actions I own and those of my agency, due soonest first."""
    actions = actions_visible_to(user).filter(mine_filter(user), status=ActionStatus.OPEN)
    return actions.select_related("child", "owner", "owner_agency", "meeting").order_by("due_date", "created_at")


@dataclass(frozen=True)
class TrackerFilters:
    agency: object = None
    status: str = ""
    overdue: bool | None = None
    child: object = None
    meeting: object = None  # a child meeting's or a panel meeting's id
    panel_meeting_ids: tuple | None = None  # the meetings of one panel, for the tracker per panel


# What a row of an action list shows besides the action: its child, owner and owner agency.
ROW_JOINS = ("child", "owner", "owner_agency")


def actions_tracker(user, filters=TrackerFilters(), now=None):
    """The actions the user may see, filtered, soonest due first: the actions' own rows (a list that
    shows them adds ROW_JOINS; the figures and the API, which name people by id, do not)."""
    today = local_date(now or timezone.now())
    actions = actions_visible_to(user)
    if filters.agency is not None:
        actions = actions.filter(owner_agency=filters.agency)
    if filters.status:
        actions = actions.filter(status=filters.status)
    if filters.overdue is True:
        actions = actions.filter(is_overdue(today))
    elif filters.overdue is False:
        actions = actions.exclude(is_overdue(today))
    if filters.child is not None:
        actions = actions.filter(child_id=filters.child)
    if filters.meeting is not None:
        actions = actions.filter(Q(meeting_id=filters.meeting) | Q(panel_meeting_id=filters.meeting))
    if filters.panel_meeting_ids is not None:
        actions = actions.filter(panel_meeting_id__in=filters.panel_meeting_ids)
    return actions.order_by("due_date", "created_at", "id")


def stuck_filter(today):
    """Overdue actions already escalated twice (P15 step 2 fired): the cases chairs report upward."""
    return is_overdue(today) & Q(
        Exists(_escalations("2").filter(deadline__subject_id=OuterRef("pk")))
    )


def days_overdue(action, today):
    """How many days past its due date an action was done, or is now while still open; 0 if not late."""
    if action.status == ActionStatus.DONE and action.completed_at is not None:
        end = local_date(action.completed_at)
    elif action.status == ActionStatus.OPEN:
        end = today
    else:
        return 0
    return max((end - action.due_date).days, 0)


@dataclass(frozen=True)
class _ActionFacts:
    """What days_overdue reads of an action."""

    status: str
    due_date: object
    completed_at: object


@dataclass(frozen=True)
class TrackerSummary:
    """Per owner agency: how many actions, open, done, overdue now; the on-time completion rate (done
    by the due date, out of the actions done or past their due date; cancelled ones do not count)
    and the average days overdue of the late ones (done late, or open past due)."""

    figures: list
    ids: list  # every action summed, in the order of the actions given (actions_tracker's)
    stuck_ids: list  # those of them that are stuck (stuck_filter), in the same order


def tracker_summary(actions, now=None):
    """The tracker's figures per owner agency, the order of `actions` and which of them are stuck,
    from one read of the columns the figures and the order need and a stuck flag. The tracker's page
    and stuck list then load their rows by id (actions_listed), with no second and third query
    through the visibility rule (issue 13); the figures read every action anyway."""
    today = local_date(now or timezone.now())
    rows, ids, stuck_ids = {}, [], []
    # Only these columns, in the order of `actions`: no join to the children or agencies.
    facts = actions.annotate(
        is_stuck=ExpressionWrapper(stuck_filter(today), output_field=BooleanField())
    ).values_list("pk", "owner_agency_id", "status", "due_date", "completed_at", "is_stuck")
    for pk, agency_id, status, due_date, completed_at, is_stuck in facts:
        ids.append(pk)
        if is_stuck:
            stuck_ids.append(pk)
        action = _ActionFacts(status=status, due_date=due_date, completed_at=completed_at)
        row = rows.setdefault(
            agency_id,
            {"agency": agency_id, "total": 0, "open": 0, "done": 0, "cancelled": 0, "overdue": 0,
             "on_time": 0, "counted": 0, "late_days": []},
        )
        row["total"] += 1
        row[action.status] += 1
        if action.status == ActionStatus.CANCELLED:
            continue
        late = days_overdue(action, today)
        if action.status == ActionStatus.OPEN and late:
            row["overdue"] += 1
        if action.status == ActionStatus.DONE or action.due_date < today:
            row["counted"] += 1
            if action.status == ActionStatus.DONE and not late:
                row["on_time"] += 1
        if late:
            row["late_days"].append(late)
    agencies = Agency.objects.in_bulk(list(rows))
    for row in rows.values():
        row["agency"] = agencies[row["agency"]]
    figures = []
    for row in sorted(rows.values(), key=lambda r: r["agency"].name):
        late_days = row.pop("late_days")
        row["on_time_rate"] = round(100 * row["on_time"] / row["counted"]) if row["counted"] else None
        row["average_days_overdue"] = round(sum(late_days) / len(late_days), 1) if late_days else None
        figures.append(row)
    return TrackerSummary(figures=figures, ids=ids, stuck_ids=stuck_ids)


TRACKER_ROW_FIELDS = (
    "id", "authority_id", "child_id", "owner_id", "owner_agency_id", "description", "status", "due_date",
    "completed_at", "created_at", "child__given_name", "child__family_name", "owner__first_name",
    "owner__last_name", "owner__username", "owner_agency__name",
)


def actions_listed(action_ids):
    """{id: action} of actions already known visible (their ids came from a read through
    actions_visible_to), with only the columns a row of the tracker shows (TRACKER_ROW_FIELDS): not
    every column of the child, its owner and agency for each row."""
    return Action.objects.select_related(*ROW_JOINS).only(*TRACKER_ROW_FIELDS).in_bulk(
        list(action_ids)
    )


def escalation_steps(action_ids):
    """{action id: highest P15 step fired} for these actions."""
    steps = {}
    for subject_id, key in _escalations().filter(deadline__subject_id__in=list(action_ids)).values_list(
        "deadline__subject_id", "deadline__key"
    ):
        steps[subject_id] = max(steps.get(subject_id, 0), int(key or 0))
    return steps


# The CSV export ----------------------------------------------------------------------------------

CSV_COLUMNS = [
    "action_id", "child", "child_id", "description", "success_measure", "owner_agency", "owner", "due_date",
    "status", "days_overdue", "escalations", "agreed_at", "completed_at", "last_update",
]


def _agreed_at(action):
    if action.meeting_id:
        return f"{action.meeting.get_kind_display()} {timezone.localtime(action.meeting.held_at):%d/%m/%Y}"
    if action.panel_meeting_id:
        return f"Panel meeting {action.panel_meeting_id}"
    if action.return_interview_id:
        return "Return home interview"
    return ""


def tracker_csv(actions, now=None):
    today = local_date(now or timezone.now())
    actions = list(actions.select_related(*ROW_JOINS, "meeting").prefetch_related(
        Prefetch("updates", queryset=ActionUpdate.objects.order_by("number"))
    ))
    steps = escalation_steps(a.pk for a in actions)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_COLUMNS)
    for action in actions:
        updates = list(action.updates.all())
        owner = action.owner.get_full_name() or action.owner.get_username() if action.owner else ""
        writer.writerow(
            csv_safe(value)
            for value in (
                action.pk, action.child.full_name, action.child_id, action.description, action.success_measure,
                action.owner_agency.name, owner, action.due_date.isoformat(), action.status,
                days_overdue(action, today), steps.get(action.pk, 0), _agreed_at(action),
                timezone.localtime(action.completed_at).isoformat() if action.completed_at else "",
                updates[-1].text if updates else "",
            )
        )
    return buffer.getvalue()
