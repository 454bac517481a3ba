"""R1's weekly email: a notice row of the clock engine, due the next Wednesday 09:00 (Europe/London)
after the last one fired, sent once a week however often or late the clock runs."""

from datetime import datetime, time, timedelta

import pytest
from django.urls import reverse

from casework.calendar import LONDON
from casework.clocks.services import deadlines_sweep
from casework.models import AuditEvent, Deadline, Escalation, InboxItem, Role
from casework.models import OutgoingEmail
from reporting.models import Weekday, WeeklyListSchedule
from reporting.weekly import WEEKLY_LIST, weekly_list_schedule_save
from tests.factories import UserFactory

from .conftest import MONDAY

WEDNESDAY_9 = datetime(2026, 3, 11, 9, 0, tzinfo=LONDON)


def sendings():
    return OutgoingEmail.objects.filter(subject__contains="missing now")


def r1_rows():
    return {row.key: row for row in Deadline.objects.filter(subject_type=WEEKLY_LIST)}


@pytest.fixture
def scheduled(at_monday, authority, mash, admin_user, strategic, missing_child):
    missing_child(started_at=MONDAY - timedelta(hours=20), update=[(MONDAY, "Believed to be with a friend")])
    # The strategic reader is named by mistake: the list names children, so they are not sent it.
    return weekly_list_schedule_save(
        authority_id=authority.pk, weekday=Weekday.WEDNESDAY, send_at=time(9, 0),
        recipients=[mash, admin_user, strategic], actor=admin_user,
    )


@pytest.mark.django_db
def test_the_list_is_a_clock_row_due_on_wednesday_at_nine(scheduled):
    rows = r1_rows()
    assert list(rows) == ["2026-03-11"]
    assert rows["2026-03-11"].due_at == WEDNESDAY_9 and rows["2026-03-11"].rule == "R1"
    assert AuditEvent.objects.filter(verb="weekly_list.scheduled").count() == 1


@pytest.mark.django_db
def test_it_fires_once_a_week_under_repeated_sweeps(scheduled, at_monday, mash, admin_user):
    deadlines_sweep()
    at_monday.move_to(WEDNESDAY_9 - timedelta(minutes=1), tick=False)
    assert deadlines_sweep().notices == 0
    at_monday.move_to(WEDNESDAY_9, tick=False)
    assert deadlines_sweep().notices == 1
    for minutes in (1, 2, 60, 60 * 24):
        at_monday.move_to(WEDNESDAY_9 + timedelta(minutes=minutes), tick=False)
        assert deadlines_sweep().notices == 0
    message = sendings().get()
    assert message.subject == f"{scheduled.authority.name}: 1 child missing now"
    assert "Believed to be with a friend" in message.body and "for 2 days 19 hours" in message.body
    assert reverse("reporting:currently_missing") in message.body
    assert sorted(message.to) == sorted([mash.email, admin_user.email])
    firing = Escalation.objects.get(deadline__subject_type=WEEKLY_LIST)
    assert {r["username"] for r in firing.recipients} == {mash.username, admin_user.username}
    assert InboxItem.objects.filter(escalation=firing).count() == 2
    assert r1_rows()["2026-03-18"].due_at == WEDNESDAY_9 + timedelta(days=7)
    at_monday.move_to(WEDNESDAY_9 + timedelta(days=7), tick=False)
    assert deadlines_sweep().notices == 1
    assert deadlines_sweep().notices == 0
    assert sendings().count() == 2


@pytest.mark.django_db
def test_a_late_sweep_sends_the_week_once_and_a_long_stop_sends_one_list(scheduled, at_monday):
    deadlines_sweep()
    at_monday.move_to(WEDNESDAY_9 + timedelta(hours=26), tick=False)  # Thursday: the clock was down
    assert deadlines_sweep().notices == 1
    assert deadlines_sweep().notices == 0
    # The next is next Wednesday's, not another within the same week.
    assert [row.key for row in r1_rows().values() if row.status == "open"] == ["2026-03-18"]
    at_monday.move_to(WEDNESDAY_9 + timedelta(days=7 * 3 + 2), tick=False)  # stopped for three weeks
    assert deadlines_sweep().notices == 1
    assert deadlines_sweep().notices == 0
    assert sendings().count() == 2
    assert [row.key for row in r1_rows().values() if row.status == "open"] == ["2026-04-08"]


@pytest.mark.django_db
def test_day_time_and_recipients_are_the_authoritys_own(scheduled, at_monday, authority, admin_user, agencies):
    deadlines_sweep()
    chair = UserFactory(username="chair", agency=admin_user.agency, roles=[Role.PANEL_CHAIR])
    weekly_list_schedule_save(authority_id=authority.pk, weekday=Weekday.FRIDAY, send_at=time(15, 30),
                              recipients=[chair], actor=admin_user)
    rows = r1_rows()
    assert rows["2026-03-11"].status == "cancelled"
    assert rows["2026-03-13"].due_at == datetime(2026, 3, 13, 15, 30, tzinfo=LONDON)
    at_monday.move_to(WEDNESDAY_9 + timedelta(hours=1), tick=False)
    assert deadlines_sweep().notices == 0
    at_monday.move_to(datetime(2026, 3, 13, 15, 30, tzinfo=LONDON), tick=False)
    assert deadlines_sweep().notices == 1
    assert sendings().get().to == [chair.email]
    # Moving the time later on the day it was sent does not send it twice.
    weekly_list_schedule_save(authority_id=authority.pk, weekday=Weekday.FRIDAY, send_at=time(17, 0),
                              recipients=[chair], actor=admin_user)
    at_monday.move_to(datetime(2026, 3, 13, 17, 0, tzinfo=LONDON), tick=False)
    assert deadlines_sweep().notices == 0
    assert r1_rows()["2026-03-20"].due_at == datetime(2026, 3, 20, 17, 0, tzinfo=LONDON)


@pytest.mark.django_db
def test_the_clock_keeps_local_time_across_the_change_to_summer_time(scheduled, at_monday):
    deadlines_sweep()
    at_monday.move_to(WEDNESDAY_9, tick=False)
    deadlines_sweep()
    at_monday.move_to(datetime(2026, 3, 25, 9, 0, tzinfo=LONDON), tick=False)  # before the clocks go forward on 29 March
    deadlines_sweep()
    assert r1_rows()["2026-04-01"].due_at == datetime(2026, 4, 1, 9, 0, tzinfo=LONDON)
    assert r1_rows()["2026-04-01"].due_at.hour == 8  # stored in UTC: 09:00 BST


@pytest.mark.django_db
def test_an_authority_without_a_schedule_has_no_list_row(at_monday, authority):
    assert not WeeklyListSchedule.objects.exists()
    deadlines_sweep()
    assert not r1_rows()


@pytest.mark.django_db
def test_administrators_set_the_schedule_in_the_admin_and_the_clock_follows(at_monday, authority, admin_user,
                                                                           mash, signed_in):
    client = signed_in(admin_user)
    response = client.post(reverse("admin:reporting_weeklylistschedule_add"), {
        "authority": authority.pk, "weekday": Weekday.THURSDAY, "send_at": "10:15", "recipients": [mash.pk],
    })
    assert response.status_code == 302, response.content.decode()[:2000]
    assert r1_rows()["2026-03-12"].due_at == datetime(2026, 3, 12, 10, 15, tzinfo=LONDON)
    assert AuditEvent.objects.filter(verb="weekly_list.scheduled", actor=admin_user).exists()
