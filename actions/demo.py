"""Demo meetings and actions for `seed_demo`: a strategy meeting with its support plan, actions in
every state, one escalated once and one stuck (escalated twice). Made through the services, then
backdated where the story needs the past, so the P15 chain runs as it does in real use."""

from datetime import timedelta

from django.db import transaction

from casework.calendar import local_date
from casework.clocks.services import clock_reconcile, deadlines_sweep

from .clocks import ACTION
from .models import Action, ActionStatus, MeetingKind
from .services import action_create, action_update, meeting_record


def _backdate(action, *, due, agreed):
    """Move an action into the past (the service refuses a past due date, as it should)."""
    Action.objects.filter(pk=action.pk).update(due_date=due, created_at=agreed)
    clock_reconcile(subject_type=ACTION, subject_id=action.pk)


@transaction.atomic
def demo_actions(*, chair, police_user, health_user, health_manager, csc, police, health, education, children, now):
    """Six actions over four children; answers them by the state they show."""
    today = local_date(now)
    first, second, third, fourth = children[:4]
    meeting = meeting_record(
        actor=chair, child=first, kind=MeetingKind.STRATEGY, held_at=now - timedelta(days=25),
        attendees=[
            {"name": "Casey Chair", "role": "team manager (chair)", "agency": csc.name},
            {"name": "Parker Officer", "role": "missing persons officer", "agency": police.name},
            {"name": "Harper Nurse", "role": "school nurse", "agency": health.name},
        ],
        harm_level="high", exploitation_risks=["sexual_exploitation", "person_posing_risk"],
        risk_summary="Seen twice with older men near the station; phone contact with an adult not known to the family.",
        decisions="Section 47 enquiry starts. Referral to the exploitation service. Disruption notice considered.",
        section_47=True, review_date=today + timedelta(days=5),
    )

    def agree(child, agency, owner, description, measure, days, meeting=None):
        return action_create(
            actor=chair, child=child, owner_agency=agency, owner=owner, description=description,
            success_measure=measure, due_date=today + timedelta(days=days), meeting=meeting,
        )

    stuck = agree(first, health, health_user, "Sexual health appointment and CSE screening",
                  "Appointment attended and screening recorded", 1, meeting)
    _backdate(stuck, due=today - timedelta(days=20), agreed=now - timedelta(days=25))
    late = agree(first, police, None, "Serve a child abduction warning notice on the adult seen with the child",
                 "Notice served and recorded on the police system", 1, meeting)
    _backdate(late, due=today - timedelta(days=2), agreed=now - timedelta(days=25))
    done = agree(second, education, None, "Arrange a reduced timetable and a mentor at school",
                 "Timetable agreed with the family and attendance above 80% for two weeks", 7)
    action_update(actor=chair, action=done, status=ActionStatus.DONE, text="Timetable in place; attendance 86%.")
    cancelled = agree(third, health, health_manager, "CAMHS assessment",
                      "Assessment held and the outcome shared with the social worker", 10)
    action_update(actor=health_manager, action=cancelled, status=ActionStatus.CANCELLED,
                  text="The family moved out of the area; the case was transferred.")
    open_soon = agree(fourth, health, health_user, "Share the health chronology with the social worker",
                      "Chronology received by the allocated social worker", 3)
    action_update(actor=health_user, action=open_soon, text="Chronology drafted; awaiting sign-off.")
    open_later = agree(fourth, police, police_user, "Return home interview intelligence checked against known associates",
                       "Check recorded and outcome fed back to the MASH", 12)
    # The clock catches up: P15 fires for the late action, and twice for the stuck one.
    deadlines_sweep()
    deadlines_sweep()
    return {"stuck": stuck, "late": late, "done": done, "cancelled": cancelled, "open": [open_soon, open_later]}
