"""The MASH's daily risk management meeting (seed 002 §8.4)."""

from datetime import date, datetime, timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from casework.clocks.services import clock_reconcile
from casework.models import AuditEvent
from missing.clocks.kind import EPISODE
from missing.daily.selectors import out_of_hours, window_start
from missing.models import DailyRiskDiscussion, RiskLevel

from ..factories import ChildFactory, EpisodeFactory, NotificationFactory

pytestmark = pytest.mark.django_db

MONDAY = datetime.fromisoformat("2026-03-09T09:30:00+00:00")
FRIDAY = MONDAY - timedelta(days=3)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(MONDAY, tick=False) as traveller:
        yield traveller


def test_the_window_opens_at_the_start_of_the_last_working_day():
    assert window_start(date(2026, 3, 9)).date() == date(2026, 3, 6)  # Monday looks back to Friday
    assert window_start(date(2026, 4, 7)).date() == date(2026, 4, 2)  # after Good Friday and Easter Monday
    assert out_of_hours(datetime.fromisoformat("2026-03-07T14:00:00+00:00"))  # a Saturday afternoon
    assert out_of_hours(datetime.fromisoformat("2026-03-06T22:00:00+00:00"))  # Friday night
    assert not out_of_hours(datetime.fromisoformat("2026-03-06T11:00:00+00:00"))


def scenario(authority, n=1):
    children = []
    for _ in range(n):
        linked = ChildFactory(authority=authority)
        NotificationFactory(authority=authority, risk_level=RiskLevel.HIGH, received_at=FRIDAY + timedelta(hours=1),
                            child=linked)
        NotificationFactory(authority=authority, risk_level=RiskLevel.HIGH, received_at=FRIDAY - timedelta(days=1))
        NotificationFactory(authority=authority, risk_level=RiskLevel.LOW, received_at=FRIDAY + timedelta(hours=2))
        weekend = ChildFactory(authority=authority)
        EpisodeFactory(child=weekend, started_at=FRIDAY + timedelta(days=1), reported_at=FRIDAY + timedelta(days=1))
        office = ChildFactory(authority=authority)
        EpisodeFactory(child=office, started_at=FRIDAY + timedelta(hours=1), reported_at=FRIDAY + timedelta(hours=2),
                       returned_at=FRIDAY + timedelta(hours=3))
        harmed = ChildFactory(authority=authority)
        episode = EpisodeFactory(child=harmed, started_at=FRIDAY + timedelta(hours=3),
                                 reported_at=FRIDAY + timedelta(hours=4), significant_harm=True,
                                 returned_at=FRIDAY + timedelta(hours=5))
        clock_reconcile(subject_type=EPISODE, subject_id=episode.pk)
        children.append({"linked": linked, "weekend": weekend, "office": office, "harmed": harmed})
    return children


def test_the_page_lists_what_came_in_since_the_last_working_day(signed_in, mash, authority):
    (people,) = scenario(authority)
    response = signed_in(mash).get("/mash/daily-risk-meeting/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "New high-risk notifications (1)" in page and people["linked"].full_name in page
    assert "Children who crossed a strategy threshold (1)" in page and people["harmed"].full_name in page
    assert "Episodes overnight and at weekends (1)" in page and people["weekend"].full_name in page
    assert people["office"].full_name not in page


def test_recording_who_was_discussed_and_the_decision(signed_in, mash, authority):
    (people,) = scenario(authority)
    client = signed_in(mash)
    data = {"child": str(people["harmed"].pk), "outcome": "strategy_meeting", "decision": "Strategy meeting today"}
    assert client.post("/mash/daily-risk-meeting/", data).status_code == 302
    discussion = DailyRiskDiscussion.objects.get()
    assert discussion.recorded_by == mash and discussion.meeting.held_on == date(2026, 3, 9)
    assert AuditEvent.objects.filter(verb="daily_meeting.discussed", child_id=people["harmed"].pk).exists()
    again = client.post("/mash/daily-risk-meeting/", data)
    assert again.status_code == 400 and "already recorded as discussed" in again.content.decode()
    empty = client.post("/mash/daily-risk-meeting/", {**data, "child": str(people["weekend"].pk), "decision": " "})
    assert empty.status_code == 400 and DailyRiskDiscussion.objects.count() == 1
    unlisted = client.post("/mash/daily-risk-meeting/", {**data, "child": str(people["office"].pk)})
    assert unlisted.status_code == 400 and DailyRiskDiscussion.objects.count() == 1
    page = client.get("/mash/daily-risk-meeting/?date=2026-03-09").content.decode()
    assert "Discussed and decided (1)" in page and "Strategy meeting today" in page


@pytest.mark.parametrize("day", ["0001-01-01", "1999-12-31"])
def test_a_day_before_the_first_meeting_day_is_a_form_error_showing_today(signed_in, mash, authority, day):
    """1 January of year 1 has no working day before it: the page answered 500."""
    response = signed_in(mash).get(f"/mash/daily-risk-meeting/?date={day}")
    assert response.status_code == 200
    page = response.content.decode()
    assert "Choose a day from 1 January 2000." in page
    assert response.context["is_today"] is True


def test_the_first_meeting_day_and_a_future_day_are_accepted(signed_in, mash, authority):
    client = signed_in(mash)
    first = client.get("/mash/daily-risk-meeting/?date=2000-01-01")
    assert first.status_code == 200 and first.context["is_today"] is False
    future = client.get("/mash/daily-risk-meeting/?date=9999-12-31")
    assert future.status_code == 200 and future.context["is_today"] is True  # a later day shows today


def test_only_the_mash_has_the_page(signed_in, police, health_worker):
    assert signed_in(police).get("/mash/daily-risk-meeting/").status_code == 404
    assert signed_in(health_worker).get("/mash/daily-risk-meeting/").status_code == 404


def test_the_query_count_does_not_grow_with_the_data(signed_in, mash, authority):
    client = signed_in(mash)
    scenario(authority, n=1)
    client.get("/mash/daily-risk-meeting/")
    with CaptureQueriesContext(connection) as small:
        assert client.get("/mash/daily-risk-meeting/").status_code == 200
    scenario(authority, n=4)
    with CaptureQueriesContext(connection) as large:
        assert client.get("/mash/daily-risk-meeting/").status_code == 200
    assert len(large) == len(small)


def test_the_demo_data_has_profiles_updates_and_a_daily_meeting(frozen):
    from django.core.management import call_command

    from casework.models import Deadline, DeadlineStatus
    from missing.models import MissingChildUpdate, MissingPersonProfile
    from missing.profiles.clocks import PROFILE

    call_command("seed_demo", children=60, notifications=8, seed=7, stdout=open("/dev/null", "w"))
    assert MissingPersonProfile.objects.filter(photo_content_type="image/png").count() >= 2
    assert Deadline.objects.filter(subject_type=PROFILE, status=DeadlineStatus.OVERDUE).count() == 1
    assert MissingChildUpdate.objects.exists()
    assert DailyRiskDiscussion.objects.filter(meeting__held_on=date(2026, 3, 9)).exists()
