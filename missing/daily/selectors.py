"""What the daily risk management meeting looks at, for one authority and one meeting day.

The window opens at the start of the last working day before the meeting (casework.calendar: a
Monday meeting looks back to Friday, over the weekend and any bank holiday) and runs to now:
- new high-risk police notifications received in it;
- children who crossed a strategy-meeting threshold in it: the T2 rows the clock made, which
  count from the moment the first of S1–S6 held (missing.clocks.rules);
- episodes reported overnight or at a weekend or bank holiday: outside OFFICE_HOURS on a working day.
Each list is one query whatever the number of rows (the children come with their rows).
"""

from datetime import datetime, time

from django.utils import timezone

from casework.calendar import LONDON, add_working_days, is_working_day
from casework.models import Deadline

from ..clocks.kind import EPISODE
from ..models import Child, DailyRiskDiscussion, DailyRiskMeeting, MissingEpisode, PoliceNotification, RiskLevel

OFFICE_HOURS = (time(9, 0), time(17, 0))


def window_start(held_on):
    """The start of the last working day before the meeting day."""
    return datetime.combine(add_working_days(held_on, -1), time(0, 0), tzinfo=LONDON)


def out_of_hours(moment):
    local = moment.astimezone(LONDON)
    opens, closes = OFFICE_HOURS
    return not is_working_day(local.date()) or not (opens <= local.time() < closes)


def high_risk_notifications(authority_id, since, until):
    return (
        PoliceNotification.objects.filter(
            authority_id=authority_id, risk_level=RiskLevel.HIGH, received_at__gte=since, received_at__lte=until
        )
        .select_related("child")
        .order_by("received_at")
    )


def threshold_crossings(authority_id, since, until):
    """[(T2 row, child)]: children who crossed a strategy threshold in the window, with the reason."""
    rows = list(
        Deadline.objects.filter(
            authority_id=authority_id, subject_type=EPISODE, rule="T2", counts_from__gte=since, counts_from__lte=until
        ).order_by("counts_from")
    )
    children = Child.objects.in_bulk({row.child_id for row in rows})
    return [(row, children[row.child_id]) for row in rows if row.child_id in children]


def out_of_hours_episodes(authority_id, since, until):
    episodes = MissingEpisode.objects.filter(
        authority_id=authority_id, reported_at__gte=since, reported_at__lte=until
    ).select_related("child").order_by("reported_at")
    return [episode for episode in episodes if out_of_hours(episode.reported_at)]


def daily_meeting_of(authority_id, held_on):
    return DailyRiskMeeting.objects.filter(authority_id=authority_id, held_on=held_on).first()


def discussions_of(meeting):
    if meeting is None:
        return DailyRiskDiscussion.objects.none()
    return meeting.discussions.select_related("child", "recorded_by")


def daily_meeting_agenda(authority_id, held_on, now=None):
    """Everything the page shows for one meeting day."""
    now = now or timezone.now()
    since = window_start(held_on)
    until = min(now, datetime.combine(held_on, time(23, 59, 59), tzinfo=LONDON))
    notifications = list(high_risk_notifications(authority_id, since, until))
    crossings = threshold_crossings(authority_id, since, until)
    episodes = out_of_hours_episodes(authority_id, since, until)
    meeting = daily_meeting_of(authority_id, held_on)
    candidates = {}
    for child in [n.child for n in notifications] + [c for _, c in crossings] + [e.child for e in episodes]:
        if child is not None:
            candidates[child.pk] = child
    return {
        "held_on": held_on,
        "since": since,
        "notifications": notifications,
        "crossings": crossings,
        "episodes": episodes,
        "meeting": meeting,
        "discussions": list(discussions_of(meeting)),
        "candidates": sorted(candidates.values(), key=lambda c: (c.family_name, c.given_name)),
    }
