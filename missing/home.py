"""The missing app's panels on the home page.

The MASH: notifications waiting for triage, children missing now, and today's high-risk episodes
(the closest thing to the daily risk meeting until the meeting itself is in the product). Staff of
the agencies that hold return home interviews: their interviews due. Strategic readers: how timely
return interviews were over the last 90 days.
"""

from datetime import timedelta
from urllib.parse import urlencode

from django.urls import reverse

from casework.calendar import describe_working_age
from casework.home import CHILDREN_SHOWN, Count, register_home_panel
from casework.models import Role
from casework.permissions import holds_role
from casework.services import authority_for

from .interviews.selectors import (
    default_period,
    interview_timeliness_for_days,
    interviews_due_counts,
    interviews_due_for,
)
from .navigation import holds_interviews, works_in_mash
from .selectors import high_risk_episodes_today, missing_now_counts, triage_waiting
from .views import MISSING_NOW

HIGH_RISK_SHOWN = 25
INTERVIEWS_SHOWN = 5


def _in_whole_hours(wait):
    """A wait to the hour: the open page's live panels change when something happens, not every
    minute (a screen reader reads a changed panel out)."""
    hours = wait // timedelta(hours=1)
    return describe_working_age(timedelta(hours=hours)) if hours else "less than an hour"


def triage_panel(user, now):
    waiting = triage_waiting(user, now)
    queue = reverse("missing:triage_queue")
    wait = waiting["oldest_wait"]
    return {
        "counts": [Count(waiting["count"], "notification waiting", "notifications waiting", queue)],
        "high": waiting["high"],
        "oldest_wait": _in_whole_hours(wait) if wait is not None else "",
    }


def missing_now_panel(user, now):
    counts = missing_now_counts(user)
    missing = f"{reverse('missing:child_list')}?{urlencode({'missing': MISSING_NOW})}"
    return {
        "counts": [Count(counts["missing"], "child missing now", "children missing now", missing)],
        "high": counts["missing_high"],
    }


def risk_meeting_panel(user, now):
    """Today's high-risk episodes: open now, or ended today. Counted in full, the first
    HIGH_RISK_SHOWN listed, each linking to the child's record where the episode is worked."""
    today = high_risk_episodes_today(user, now)
    total = today.count()
    episodes = list(today[:HIGH_RISK_SHOWN])
    return {"total": total, "episodes": episodes, CHILDREN_SHOWN: [episode.child_id for episode in episodes]}


def interviews_panel(user, now):
    """My interviews due: every owed interview the user was chosen to hold is counted; the soonest
    INTERVIEWS_SHOWN are listed, each with when it is due rather than a countdown (a live panel
    changes when something happens, not every minute)."""
    counts = interviews_due_counts(user, now=now)
    shown = interviews_due_for(user, now=now, limit=INTERVIEWS_SHOWN)
    due = reverse("interviews:due")
    return {
        "counts": [
            Count(counts["due"], "interview to hold", "interviews to hold", due),
            Count(counts["overdue"], "past its 72 hours", "past their 72 hours", due),
        ],
        "rows": shown,
        "more": counts["due"] > len(shown),
        CHILDREN_SHOWN: [row["interview"].child_id for row in shown],
    }


def timeliness_panel(user, now):
    start, end = default_period(now)
    report = interview_timeliness_for_days(authority_for(user), start, end, now=now)
    query = urlencode({"start": start.isoformat(), "end": end.isoformat()})
    return {"report": report, "href": f"{reverse('interview_reports:timeliness')}?{query}"}


def _reads_reports(user):
    return holds_role(user, Role.STRATEGIC_READER)


def register():
    register_home_panel(
        "triage", title="Notifications waiting for triage", order=100, shows=works_in_mash, build=triage_panel,
        template="missing/home/triage.html", live=True,
    )
    register_home_panel(
        "missing_now", title="Children missing now", order=110, shows=works_in_mash, build=missing_now_panel,
        template="missing/home/missing_now.html", live=True,
    )
    register_home_panel(
        "risk_meeting", title="Daily risk meeting", order=120, shows=works_in_mash, build=risk_meeting_panel,
        template="missing/home/risk_meeting.html", live=True,
    )
    register_home_panel(
        "interviews", title="My interviews", order=300, shows=holds_interviews, build=interviews_panel,
        template="missing/home/interviews.html", live=True,
    )
    register_home_panel(
        "timeliness", title="Return home interviews: the last 90 days", order=700, shows=_reads_reports,
        build=timeliness_panel, template="missing/home/timeliness.html",
    )
