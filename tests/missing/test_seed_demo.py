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


def test_seed_demo_refuses_to_run_twice_on_the_same_database():
    call_command("seed_demo", children=5, stdout=open("/dev/null", "w"))
    with pytest.raises(CommandError, match="already exists"):
        call_command("seed_demo", children=5, stdout=open("/dev/null", "w"))


def test_seed_demo_refuses_a_size_of_nothing():
    with pytest.raises(CommandError, match="at least 1"):
        call_command("seed_demo", children=0)
