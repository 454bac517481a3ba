"""Actions (P10), their timeline, the owner agency's involvement, and the P15 chain with frozen time."""

from datetime import date, datetime, timedelta

import pytest
from django.core.exceptions import ValidationError

from actions.clocks import ACTION
from actions.models import ActionStatus
from actions.services import action_update
from casework.calendar import LONDON
from casework.clocks.services import deadlines_sweep
from casework.models import Deadline, Escalation, InboxItem, LocalProtocol, OutgoingEmail
from missing.permissions import child_is_visible


pytestmark = pytest.mark.django_db

THURSDAY = datetime(2026, 3, 5, 9, 0, tzinfo=LONDON)  # the day after the due date
NEXT_WEDNESDAY_NOON = datetime(2026, 3, 11, 12, 0, tzinfo=LONDON)  # the second step is due at its end
NEXT_THURSDAY = datetime(2026, 3, 12, 9, 0, tzinfo=LONDON)


def chain(action):
    return {d.key: d for d in Deadline.objects.filter(subject_type=ACTION, subject_id=action.pk, rule="P15")}


def usernames(escalation):
    return {r["username"] for r in escalation.recipients}


@pytest.mark.parametrize(
    "change, field",
    [
        ({"description": ""}, "description"),
        ({"description": "   "}, "description"),
        ({"success_measure": ""}, "success_measure"),
        ({"due_date": None}, "due_date"),
        ({"due_date": date(2026, 3, 1)}, "due_date"),
        ({"owner_agency": None}, "owner_agency"),
    ],
)
def test_an_action_is_smart_or_refused_with_nothing_saved(at_monday, make_action, row_counts, change, field):
    before = row_counts()
    with pytest.raises(ValidationError) as error:
        make_action(**change)
    assert field in error.value.message_dict
    assert row_counts() == before


def test_the_named_owner_works_in_the_owner_agency(at_monday, make_action, people):
    with pytest.raises(ValidationError) as error:
        make_action(owner=people["outsider"])
    assert "owner" in error.value.message_dict


def test_a_due_date_of_today_is_allowed(at_monday, make_action):
    assert make_action(due_date=date(2026, 3, 2)).status == ActionStatus.OPEN


def test_the_owner_agency_becomes_involved_with_the_child(at_monday, make_action, child, people):
    assert not child_is_visible(people["worker"], child)
    make_action()
    assert child_is_visible(people["worker"], child)
    assert child_is_visible(people["colleague"], child)
    assert not child_is_visible(people["outsider"], child)


def test_every_update_is_kept_with_author_time_and_status(action, people):
    action_update(actor=people["worker"], action=action, text="Called the clinic.")
    action_update(actor=people["colleague"], action=action, status=ActionStatus.DONE, text="Booked for Friday.")
    updates = list(action.updates.all())
    assert [(u.by, u.status, u.text) for u in updates] == [
        (people["worker"], "open", "Called the clinic."),
        (people["colleague"], "done", "Booked for Friday."),
    ]
    action.refresh_from_db()
    assert action.status == "done" and action.completed_at is not None


def test_an_empty_update_and_a_closed_actions_status_are_refused(action, people):
    with pytest.raises(ValidationError):
        action_update(actor=people["worker"], action=action, text="  ")
    action_update(actor=people["worker"], action=action, status=ActionStatus.CANCELLED, text="No longer needed.")
    with pytest.raises(ValidationError) as error:
        action_update(actor=people["worker"], action=action, status=ActionStatus.OPEN)
    assert "status" in error.value.message_dict


def test_p15_first_step_goes_once_to_the_owners_line_manager(action, people, at_monday):
    assert set(chain(action)) == {"1"}
    assert chain(action)["1"].due_at == datetime(2026, 3, 4, 23, 59, 59, tzinfo=LONDON)
    at_monday.move_to(THURSDAY, tick=False)
    assert deadlines_sweep().overdue == 1
    assert deadlines_sweep().overdue == 0
    first = Escalation.objects.get(deadline=chain(action)["1"])
    assert first.rule == "P15" and first.step == "overdue"
    assert usernames(first) == {"worker", "manager"}
    assert {r["role"] for r in first.recipients} == {"action_owner", "owner_manager"}
    assert InboxItem.objects.filter(escalation=first, user=people["manager"]).exists()
    assert OutgoingEmail.objects.filter(to__contains=["manager@example.test"]).count() == 1
    assert set(chain(action)) == {"1", "2"}
    assert chain(action)["2"].due_at == datetime(2026, 3, 11, 23, 59, 59, tzinfo=LONDON)


def test_p15_second_step_goes_once_to_the_managers_manager_five_working_days_later(action, at_monday):
    at_monday.move_to(THURSDAY, tick=False)
    deadlines_sweep()
    at_monday.move_to(NEXT_WEDNESDAY_NOON, tick=False)
    assert deadlines_sweep().overdue == 0
    at_monday.move_to(NEXT_THURSDAY, tick=False)
    assert deadlines_sweep().overdue == 1
    for _ in range(3):
        deadlines_sweep()
    escalations = Escalation.objects.filter(deadline__subject_id=action.pk).order_by("fired_at")
    assert [e.rule for e in escalations] == ["P15", "P15"]
    assert usernames(escalations[1]) == {"worker", "director"}


def test_completing_the_action_stops_the_chain(action, people, at_monday):
    at_monday.move_to(THURSDAY, tick=False)
    deadlines_sweep()
    action_update(actor=people["worker"], action=action, status=ActionStatus.DONE, text="Done at last.")
    assert {d.status for d in chain(action).values()} == {"done"}
    at_monday.move_to(NEXT_THURSDAY, tick=False)
    deadlines_sweep()
    assert Escalation.objects.filter(deadline__subject_id=action.pk).count() == 1


def test_cancelling_before_the_due_date_means_no_escalation(action, people, at_monday):
    action_update(actor=people["chair"], action=action, status=ActionStatus.CANCELLED, text="Child moved away.")
    assert {d.status for d in chain(action).values()} == {"cancelled"}
    at_monday.move_to(NEXT_THURSDAY, tick=False)
    deadlines_sweep()
    assert not Escalation.objects.filter(deadline__subject_id=action.pk).exists()


def test_without_a_named_owner_the_agencys_designated_manager_is_told(at_monday, make_action, people):
    people["health"].designated_manager = people["manager"]
    people["health"].save()
    action = make_action(owner=None)
    at_monday.move_to(THURSDAY, tick=False)
    deadlines_sweep()
    at_monday.move_to(NEXT_THURSDAY, tick=False)
    deadlines_sweep()
    first, second = Escalation.objects.filter(deadline__subject_id=action.pk).order_by("fired_at")
    assert usernames(first) == {"manager"}
    assert usernames(second) == {"director"}


def test_the_second_step_waits_the_authoritys_number_of_working_days(authority, at_monday, make_action):
    LocalProtocol.objects.create(authority=authority, p15_second_step_working_days=2)
    action = make_action()
    at_monday.move_to(THURSDAY, tick=False)
    deadlines_sweep()
    assert chain(action)["2"].due_at == datetime(2026, 3, 6, 23, 59, 59, tzinfo=LONDON)


def test_a_panels_own_number_overrides_the_authoritys(at_monday, make_action):
    action = make_action(second_step_working_days=1, panel_meeting_id="5d0c1b1e-0000-4000-8000-000000000001")
    at_monday.move_to(THURSDAY, tick=False)
    deadlines_sweep()
    assert chain(action)["2"].due_at == datetime(2026, 3, 5, 23, 59, 59, tzinfo=LONDON)
    assert action.agreed_at_reference is not None


def test_p15_rows_cannot_be_recorded_done_by_the_owner(action, people):
    from casework.clocks.permissions import can_complete_deadline
    from casework.clocks.services import row_facts

    row = chain(action)["1"]
    assert not can_complete_deadline(people["worker"], row, row_facts([row])[row.pk])


def test_an_action_made_elsewhere_is_refused_for_another_authoritys_agency(at_monday, make_action):
    from casework.models import LocalAuthority
    from tests.factories import AgencyFactory

    foreign = AgencyFactory(authority=LocalAuthority.objects.create(name="Elsewhere"), kind="health")
    with pytest.raises(ValidationError) as error:
        make_action(owner_agency=foreign, owner=None)
    assert "owner_agency" in error.value.message_dict


def test_an_action_is_due_at_the_end_of_its_day_whatever_the_clock_change(at_monday, make_action):
    action = make_action(due_date=date(2026, 3, 29))  # British Summer Time starts that day
    assert chain(action)["1"].due_at == datetime(2026, 3, 29, 23, 59, 59, tzinfo=LONDON)
    assert chain(action)["1"].due_at - chain(action)["1"].counts_from > timedelta(days=27)
