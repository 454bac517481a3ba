"""R1's weekly email ("the Wednesday list") through the one clock engine.

The subject is the local authority (its WeeklyListSchedule row, keyed by the authority). Each
sending is a notice row of rule R1 keyed by its local date, due on the configured weekday and time
(default Wednesday 09:00 Europe/London), the first such moment after the last sending fired (or
after the schedule was set up). It does not depend on when the clock runs: a repeated sweep finds
the row done, a late sweep still sends the week's list once, and a clock stopped for weeks sends one
list when it restarts, not one per missed week. When it fires, each recipient is sent the list as it
stands then (ClockKind.addressees).
"""

from django.db import transaction
from django.db.models import Q
from django.urls import reverse

from casework.audit import audit_event_record
from casework.calendar import local_date, weekly_moment_after
from casework.clocks.registry import (
    NOTICE,
    ClockKind,
    ClockRule,
    RowFacts,
    SubjectClocks,
    WantedDeadline,
    register_clock_kind,
)
from casework.clocks.services import clock_reconcile
from casework.models import DeadlineStatus
from casework.permissions import is_administrator

from .currently_missing import missing_now_in_authority, missing_now_text
from .models import WeeklyListSchedule
from .permissions import can_read_currently_missing

WEEKLY_LIST = "reporting.weekly_list"
R1 = "R1"
R1_RULES = {R1: ClockRule(R1, NOTICE, tell_owner=False, source="002")}


def next_sending(schedule, rows):
    """When the next list is due: the first configured moment after the last one that fired, on a
    later day than it (so moving the time on the day it was sent does not send it twice)."""
    fired = [row for row in rows.values() if row.rule == R1 and row.status == DeadlineStatus.DONE]
    last = max(fired, key=lambda row: row.completed_at, default=None)
    after = last.completed_at if last is not None else schedule.created_at
    moment = weekly_moment_after(after, schedule.weekday, schedule.send_at)
    if last is not None and local_date(moment) <= local_date(last.due_at):
        moment = weekly_moment_after(moment, schedule.weekday, schedule.send_at)
    return moment


def _evaluate(schedule, rows, now, protocols):
    due = next_sending(schedule, rows)
    row = WantedDeadline(
        rule=R1, key=local_date(due).isoformat(), kind=NOTICE, title="Children missing now (the weekly list)",
        counts_from=schedule.created_at, due_at=due,
        basis=f"every {schedule.get_weekday_display()} at {schedule.send_at:%H:%M}", source="002",
    )
    return SubjectClocks(authority_id=schedule.authority_id, child_id=None, deadlines=[row], recheck_at=None)


def weekly_list_messages(row, now):
    """[(user, subject, body)]: the same list to every configured recipient who may still read it."""
    schedule = WeeklyListSchedule.objects.filter(pk=row.subject_id).select_related("authority").first()
    if schedule is None:
        return []
    recipients = [user for user in schedule.recipients.select_related("agency") if user.is_active
                  and user.authority_id == schedule.authority_id and can_read_currently_missing(user)]
    if not recipients:
        return []
    rows = missing_now_in_authority(schedule.authority_id, now)
    subject = f"{schedule.authority.name}: {len(rows)} child{'' if len(rows) == 1 else 'ren'} missing now"
    body = missing_now_text(rows, now) + f"\n\nThe list as it stands: {reverse('reporting:currently_missing')}"
    return [(user, subject, body) for user in recipients]


WEEKLY_LIST_CLOCKS = register_clock_kind(
    ClockKind(
        name=WEEKLY_LIST,
        api_field="weekly_list",
        rules=R1_RULES,
        lock=lambda pk: WeeklyListSchedule.objects.select_for_update().filter(pk=pk).first(),
        evaluate=_evaluate,
        visible=lambda user: Q(authority_id=user.authority_id) if is_administrator(user) else None,
        facts=lambda rows: {
            row.pk: RowFacts(label="the list of children missing now", url=reverse("reporting:currently_missing"))
            for row in rows
        },
        addressees=weekly_list_messages,
    )
)


def weekly_list_schedule_changed(*, schedule, actor=None):
    """After an administrator changed the day, time or recipients: the clock moves the next sending
    at once, and the change is audited."""
    clock_reconcile(subject_type=WEEKLY_LIST, subject_id=schedule.pk)
    audit_event_record(
        actor=actor, verb="weekly_list.scheduled", obj=schedule, child_id=None,
        data={"weekday": schedule.weekday, "send_at": schedule.send_at.strftime("%H:%M"),
              "recipients": sorted(str(pk) for pk in schedule.recipients.values_list("pk", flat=True))},
    )


@transaction.atomic
def weekly_list_schedule_save(*, authority_id, weekday, send_at, recipients, actor=None):
    """Set an authority's R1 day, time and recipients."""
    schedule, _ = WeeklyListSchedule.objects.get_or_create(authority_id=authority_id)
    schedule.weekday, schedule.send_at = weekday, send_at
    schedule.full_clean()
    schedule.save()
    schedule.recipients.set(recipients)
    weekly_list_schedule_changed(schedule=schedule, actor=actor)
    return schedule
