"""The agenda's rules one by one (issue 10): P1 series, P3 publication row, P6 part 1 figures, P9/P11
order of part 2, and the minutes PDF holding actions, ratings and attendance."""

import io
from datetime import UTC, date, datetime, time, timedelta

import pytest
from pypdf import PdfReader

from actions.services import action_create
from casework.models import AgencyKind, Deadline, Role
from missing.models import InterviewState, LegalStatus, ReturnInterview
from panels import selectors, services
from panels.clocks import MEETING
from panels.models import Frequency, Meeting, Panel
from panels.pdf import meeting_pdf

from ..factories import ChildFactory, EpisodeFactory, UserFactory

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # a Monday


@pytest.fixture
def setting(agencies, authority, time_machine):
    time_machine.move_to(NOW, tick=False)
    chair = UserFactory(username="chair", agency=agencies[AgencyKind.CHILDRENS_SOCIAL_CARE], roles=[Role.PANEL_CHAIR])
    panel = services.panel_create(
        actor=chair, authority=authority, name="Weekly exploitation group", frequency=Frequency.WEEKLY,
        member_agencies=[agencies[k] for k in (AgencyKind.CHILDRENS_SOCIAL_CARE, AgencyKind.HEALTH, AgencyKind.POLICE)],
    )
    return chair, panel


def test_p1_a_weekly_series_has_a_meeting_each_week_each_with_its_p2_to_p5_rows(setting):
    chair, panel = setting
    made = services.meeting_series_create(actor=chair, panel=panel, weekday=2, at=time(10), count=3,
                                          start=date(2026, 3, 2))
    days = [m.starts_at.date().isoformat() for m in made]
    assert days == ["2026-03-04", "2026-03-11", "2026-03-18"]
    for meeting in made:
        rules = set(Deadline.objects.filter(subject_type=MEETING, subject_id=meeting.pk).values_list("rule", flat=True))
        assert {"P2", "P3", "P4", "P5"} <= rules
    again = services.meeting_series_create(actor=chair, panel=panel, weekday=2, at=time(10), count=3,
                                           start=date(2026, 3, 2))
    assert again == [] and Meeting.objects.filter(panel=panel).count() == 3  # a series is never doubled


def test_p3_the_list_is_published_two_weeks_ahead(setting):
    chair, panel = setting
    meeting = services.meeting_create(actor=chair, panel=panel, starts_at=NOW + timedelta(days=30))
    row = Deadline.objects.get(subject_type=MEETING, subject_id=meeting.pk, rule="P3")
    assert row.due_at.date() == (meeting.starts_at - timedelta(days=14)).date()


def test_p6_part_1_counts_only_what_happened_since_the_last_meeting(setting, authority, time_machine):
    chair, panel = setting
    time_machine.move_to(NOW - timedelta(days=20), tick=False)
    earlier = services.meeting_create(actor=chair, panel=panel, starts_at=NOW - timedelta(days=7))
    meeting = services.meeting_create(actor=chair, panel=panel, starts_at=NOW + timedelta(days=7))
    time_machine.move_to(NOW, tick=False)
    before = ChildFactory(authority=authority)
    EpisodeFactory(child=before, started_at=NOW - timedelta(days=10), returned_at=NOW - timedelta(days=9))
    since = [ChildFactory(authority=authority) for _ in range(2)]
    EpisodeFactory(child=since[0], started_at=NOW - timedelta(days=3), returned_at=NOW - timedelta(days=2),
                   risk_level="high", found_location="Bus station")
    EpisodeFactory(child=since[0], started_at=NOW - timedelta(days=1), returned_at=NOW - timedelta(hours=20),
                   found_location="Bus station")
    EpisodeFactory(child=since[1], started_at=NOW - timedelta(hours=6))  # still missing
    ReturnInterview.objects.create(child=since[0], state=InterviewState.COMPLETED, offered_at=NOW - timedelta(days=2),
                                   held_at=NOW - timedelta(days=1), push_factors=["conflict_at_home"],
                                   pull_factors=[])
    part1 = selectors.agenda(meeting)["part1"]
    assert selectors.agenda(meeting)["previous"] == earlier
    assert part1["figures"] == {"episodes": 3, "children": 2, "high_risk": 1, "missing_now": 1,
                                "interviews_held": 1}
    assert part1["hotspots"] == [("Bus station", 2)]
    assert [n for _, n in part1["push_themes"]] == [1]


def test_p9_p11_part_2_puts_red_first_then_the_highest_police_risk(setting, authority, agencies):
    chair, panel = setting
    meeting = services.meeting_create(actor=chair, panel=panel, starts_at=NOW + timedelta(days=7))
    low, high, red = (ChildFactory(authority=authority, family_name=name, legal_status=LegalStatus.LOOKED_AFTER)
                      for name in ("Aardvark", "Badger", "Coypu"))
    EpisodeFactory(child=low, started_at=NOW - timedelta(days=2), returned_at=NOW - timedelta(days=1), risk_level="low")
    EpisodeFactory(child=high, started_at=NOW - timedelta(days=2), returned_at=NOW - timedelta(days=1),
                   risk_level="high")
    for child in (low, high, red):
        services.meeting_list_child(actor=chair, meeting=meeting, child=child)
    services.rating_record(actor=chair, meeting=meeting, child=red, rating="red", rationale="Exploited")
    order = [row["child"].family_name for row in selectors.agenda(meeting)["part2"]]
    assert order == ["Coypu", "Badger", "Aardvark"]


def test_the_minutes_pdf_holds_the_actions_the_ratings_and_the_attendance(setting, authority, agencies):
    chair, panel = setting
    meeting = services.meeting_create(actor=chair, panel=panel, starts_at=NOW + timedelta(hours=1))
    child = ChildFactory(authority=authority, given_name="Minuted", legal_status=LegalStatus.LOOKED_AFTER)
    services.meeting_list_child(actor=chair, meeting=meeting, child=child)
    services.attendance_record(actor=chair, meeting=meeting, user=chair, present=True, confidentiality_agreed=True)
    services.rating_record(actor=chair, meeting=meeting, child=child, rating="amber", rationale="Fewer episodes")
    action_create(actor=chair, child=child, owner_agency=agencies[AgencyKind.HEALTH], description="Sexual health review",
                  success_measure="Review held", due_date=date(2026, 3, 30), panel_meeting_id=meeting.pk)
    services.meeting_end(actor=chair, meeting=Meeting.objects.get(pk=meeting.pk))
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(meeting_pdf(meeting, "minutes")[0])).pages)
    assert "Sexual health review" in text and "Fewer episodes" in text
    assert "Amber" in text or "AMBER" in text or "amber" in text
    assert chair.get_full_name() in text or chair.username in text
    assert Panel.objects.get(pk=panel.pk).name in text
