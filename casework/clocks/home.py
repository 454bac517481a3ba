"""The clock engine's panels on the home page: duties due today and overdue, and unread notices."""

from urllib.parse import urlencode

from django.urls import reverse

from casework.home import Count, register_home_panel
from casework.models import Role
from casework.permissions import holds_role

from .selectors import DUTIES_DUE_TODAY, OVERDUE_DUTIES, duties_due_counts, inbox_counts

# Those who do duties: the MASH for everything it sees, everyone else for their own subjects.
DUTY_ROLES = (Role.MASH_COORDINATOR, Role.AGENCY_STAFF, Role.PANEL_CHAIR, Role.PANEL_MEMBER)


def _does_duties(user):
    return holds_role(user, *DUTY_ROLES)


def _due_list(when, mine):
    query = {"scope": "mine", "when": when} if mine else {"when": when}
    return f"{reverse('clocks:due_list')}?{urlencode(query)}"


def due_panel(user, now):
    """The MASH counts every duty it can see; anyone else the duties of their own subjects (each
    clock kind's `mine`: for an episode, a child allocated to them)."""
    mine = not holds_role(user, Role.MASH_COORDINATOR)
    counts = duties_due_counts(user, mine=mine, now=now)
    return {
        "mine": mine,
        "counts": [
            Count(counts["overdue"], "duty overdue", "duties overdue", _due_list(OVERDUE_DUTIES, mine)),
            Count(counts["today"], "duty due later today", "duties due later today", _due_list(DUTIES_DUE_TODAY, mine)),
        ],
    }


def inbox_panel(user, now):
    counts = inbox_counts(user)
    inbox = reverse("clocks:inbox")
    shown = [Count(counts["unread"], "unread notice", "unread notices", inbox)]
    if counts["to_acknowledge"]:
        shown.append(
            Count(counts["to_acknowledge"], "notice to acknowledge", "notices to acknowledge", inbox)
        )
    return {"counts": shown}


def register_clock_panels():
    register_home_panel(
        "due", title="Duties due today and overdue", order=200, shows=_does_duties, build=due_panel,
        template="clocks/home/due.html", live=True,
    )
    register_home_panel(
        "inbox", title="Your notices", order=500, shows=lambda user: True, build=inbox_panel,
        template="clocks/home/inbox.html", live=True,
    )
