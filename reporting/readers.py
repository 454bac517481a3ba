"""Who reads the dashboard and the board's quarterly reports, and who sees small numbers: decided here, once.

The dashboard is for the missing hub (MASH coordinators), panel chairs, strategic readers and
administrators. A panel's quarterly reports are for its chairs and members (panels_visible_to),
the strategic readers of its authority and its administrators. Neither names a child. A reader
who does not work on cases (a strategic reader) sees counts of 1 to 4 as "fewer than 5".
"""

from casework.models import Role
from casework.permissions import holds_role, is_administrator, is_mash_coordinator
from panels.models import Panel
from panels.permissions import panels_visible_to


def is_strategic_reader(user):
    return holds_role(user, Role.STRATEGIC_READER)


def can_read_dashboard(user):
    return bool(user and user.is_authenticated and user.agency_id) and (
        is_mash_coordinator(user) or holds_role(user, Role.PANEL_CHAIR, Role.STRATEGIC_READER)
    )


def suppresses_small_counts(user):
    """Whoever reads the figures without working on the cases they count."""
    return not (is_mash_coordinator(user) or is_administrator(user) or holds_role(user, Role.PANEL_CHAIR))


def quarterly_panels_for(user):
    """The panels whose quarterly reports `user` may read."""
    if user and user.is_authenticated and user.agency_id and is_strategic_reader(user):
        return Panel.objects.filter(authority_id=user.agency.authority_id)
    return panels_visible_to(user)


def can_write_gaps(user, panel):
    """The chair writes the gaps in provision before the report is generated; administrators may too."""
    return is_administrator(user) or (user.is_authenticated and user.pk in (panel.chair_id, panel.co_chair_id))
