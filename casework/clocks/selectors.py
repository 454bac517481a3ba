"""Reads for the clocks. Every list goes through the child's visibility rule first."""

from django.utils import timezone

from casework.calendar import describe_span

from casework.models import Deadline, DeadlineStatus, Escalation, InboxItem
from casework.models.clocks import LIVE_STATUSES
from missing.permissions import children_visible_to

from .rules import source_display


def deadlines_visible_to(user):
    return Deadline.objects.filter(child__in=children_visible_to(user).values("pk"))


def escalations_visible_to(user):
    return Escalation.objects.filter(deadline__child__in=children_visible_to(user).values("pk"))


def deadline_describe(deadline, now=None):
    """Give a deadline the words the screens show: its countdown and where its numbers came from.
    ("Return home interview offered and held due Mon 14:00 — T1, 72 hours from the return,
    Waltham Forest practice guidance §9")."""
    now = now or timezone.now()
    deadline.is_late = deadline.status == DeadlineStatus.OVERDUE or (
        deadline.status == DeadlineStatus.OPEN and deadline.due_at <= now
    )
    if deadline.is_late:
        deadline.countdown = f"overdue by {describe_span(now - deadline.due_at)}"
    elif deadline.status == DeadlineStatus.OPEN:
        deadline.countdown = f"due in {describe_span(deadline.due_at - now)}"
    else:
        deadline.countdown = deadline.get_status_display().lower()
    deadline.source_text = source_display(deadline.source)
    deadline.explanation = ", ".join(part for part in (deadline.rule, deadline.basis, deadline.source_text) if part)
    return deadline


def deadlines_due_for(user, *, mine=False, rule="", agency=None):
    """'Due and overdue': the live deadlines the user may see, soonest first. `mine` keeps those
    of children allocated to the user; `agency` those of children the agency leads."""
    deadlines = deadlines_visible_to(user).filter(status__in=LIVE_STATUSES)
    if mine:
        deadlines = deadlines.filter(child__allocated_worker=user)
    if rule:
        deadlines = deadlines.filter(rule=rule)
    if agency is not None:
        deadlines = deadlines.filter(child__lead_agency=agency)
    return deadlines.select_related("child", "child__lead_agency").order_by("due_at", "rule")


def deadlines_of_visible_child(child, now=None):
    """The deadline chips of a child's page: live deadlines, soonest first. The caller has already
    found `child` visible to the user (child_get_visible), so visibility is not decided again."""
    now = now or timezone.now()
    live = Deadline.objects.filter(child=child, status__in=LIVE_STATUSES).order_by("due_at", "rule")
    return [deadline_describe(d, now) for d in live]


def inbox_for(user):
    return InboxItem.objects.filter(user=user).select_related("escalation__deadline__child").order_by("-created_at")


def inbox_unread_count(user):
    return InboxItem.objects.filter(user=user, read_at__isnull=True).count()
