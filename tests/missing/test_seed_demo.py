"""The demo data command: a believable synthetic authority of the size asked for."""

import pytest
from django.core.management import CommandError, call_command

from casework.models import Deadline, LocalAuthority, Role, User
from missing.models import Child, NotificationStatus, PoliceNotification, ReturnInterview

pytestmark = pytest.mark.django_db


def test_seed_demo_makes_an_authority_of_the_size_asked_for():
    call_command("seed_demo", children=40, notifications=7, seed=7, stdout=open("/dev/null", "w"))
    authority = LocalAuthority.objects.get(name="Demo Borough Council")
    assert Child.objects.filter(authority=authority).count() == 40
    assert PoliceNotification.objects.filter(authority=authority).count() == 7
    assert PoliceNotification.objects.filter(status=NotificationStatus.PENDING).exists()
    users = {u.username: u for u in User.objects.all()}
    assert {"mash", "police", "health", "rhi", "education", "chair", "board", "admin"} <= set(users)
    assert users["mash"].has_role(Role.MASH_COORDINATOR) and users["admin"].is_superuser
    assert users["mash"].check_password("demo-password-2026")
    assert Deadline.objects.filter(authority=authority).exists()
    assert ReturnInterview.objects.filter(interviewer=users["rhi"]).exists()
    ages = {c.date_of_birth.year for c in Child.objects.all()}
    assert len(ages) > 3


def test_seed_demo_has_actions_in_every_state_and_one_stuck():
    from actions.clocks import ACTION
    from actions.models import Action, ChildMeeting
    from casework.models import Escalation

    call_command("seed_demo", children=40, notifications=3, seed=7, stdout=open("/dev/null", "w"))
    states = set(Action.objects.values_list("status", flat=True))
    assert states == {"open", "done", "cancelled"}
    second_steps = Escalation.objects.filter(deadline__subject_type=ACTION, rule="P15", deadline__key="2")
    assert second_steps.count() == 1
    stuck = Action.objects.get(pk=second_steps.get().deadline.subject_id)
    assert stuck.status == "open" and stuck.meeting is not None
    assert {r["username"] for r in second_steps.get().recipients} >= {"healthhead"}
    assert ChildMeeting.objects.filter(kind="strategy").count() == 1
    assert User.objects.get(username="health").line_manager.username == "healthlead"


def test_seed_demo_refuses_to_run_twice_on_the_same_database():
    call_command("seed_demo", children=5, stdout=open("/dev/null", "w"))
    with pytest.raises(CommandError, match="already exists"):
        call_command("seed_demo", children=5, stdout=open("/dev/null", "w"))


def test_seed_demo_refuses_a_size_of_nothing():
    with pytest.raises(CommandError, match="at least 1"):
        call_command("seed_demo", children=0)
