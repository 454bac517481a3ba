"""The panel records its actions through the actions app (issue 10 builds on issue 9): the
agenda's outstanding actions (P11) and the F3 list read the open actions of each listed child, and
the action API accepts a panel meeting as where an action was agreed."""


from django.utils import timezone

from actions.meeting_sources import register_meeting_source
from actions.models import Action, ActionStatus

from .hooks import register_child_actions
from .models import MeetingChild
from .permissions import meetings_visible_to


def open_actions_of(child_ids, panel):
    today = timezone.localdate()
    found = {}
    for action in Action.objects.filter(child_id__in=child_ids, status=ActionStatus.OPEN).select_related(
        "owner_agency", "owner").order_by("due_date"):
        action.overdue = action.due_date < today
        found.setdefault(action.child_id, []).append(action)
    return found


def resolve_panel_meeting(user, meeting_id, child):
    meeting = meetings_visible_to(user).filter(pk=meeting_id).first()
    if meeting is None or not MeetingChild.objects.filter(meeting=meeting, child=child).exists():
        return None
    return meeting.pk


def register():
    register_child_actions(open_actions_of)
    register_meeting_source(resolve_panel_meeting)


