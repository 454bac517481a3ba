"""The panel screens that read a POST without a form (a reason, an apology, the decisions, a person's
id): text PostgreSQL cannot store and an id that is not one are told to the chair, never a 500, and
nothing is saved (found by fuzzing every form)."""

from datetime import UTC, datetime, timedelta

import pytest

from casework.models import AgencyKind, Role
from panels import services
from panels.models import Attendance, MeetingChild, PanelListEntry
from referrals.models import Referral
from referrals.services import referral_create

from ..factories import ChildFactory, UserFactory

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
NUL = "Seen at the\x00station"


@pytest.fixture
def setting(time_machine, agencies, authority):
    time_machine.move_to(NOW, tick=False)
    chair = UserFactory(agency=agencies[AgencyKind.CHILDRENS_SOCIAL_CARE], roles=[Role.PANEL_CHAIR])
    panel = services.panel_create(actor=chair, authority=authority, name="Group", frequency="monthly",
                                  member_agencies=[agencies[AgencyKind.CHILDRENS_SOCIAL_CARE]])
    meeting = services.meeting_create(actor=chair, panel=panel, starts_at=NOW + timedelta(hours=1))
    child = ChildFactory(authority=authority)
    services.meeting_list_child(actor=chair, meeting=meeting, child=child)
    services.attendance_record(actor=chair, meeting=meeting, user=chair, confidentiality_agreed=True)
    return chair, panel, meeting, child


def _said(response):
    return [str(message) for message in response.context["messages"]] if response.context else []


def _saved(row_counts):
    """Every casework and missing table's rows, but the access log that the pages shown after each
    refusal write (they show the child's record) and the users' history a sign-in writes."""
    return {table: n for table, n in row_counts().items()
            if table not in {"casework.RecordAccess", "casework.HistoricalUser"}}


def test_a_null_character_in_a_reason_or_the_decisions_is_refused_and_nothing_is_saved(
        signed_in, setting, mash, authority, row_counts):
    chair, panel, meeting, child = setting
    services.meeting_create(actor=chair, panel=panel, starts_at=NOW + timedelta(days=35))  # open to referrals
    referral = referral_create(actor=mash, child=ChildFactory(authority=authority), panel=panel, reason="Risk")
    browser = signed_in(chair)
    before = _saved(row_counts)
    posts = [
        (f"/panels/{panel.pk}/children/{child.pk}/remove/", {"reason": NUL}),
        (f"/panels/meetings/{meeting.pk}/children/{child.pk}/decisions/", {"decisions": NUL}),
        (f"/panels/meetings/{meeting.pk}/attendance/",
         {"user": str(chair.pk), "present": "no", "apology_update": NUL}),
    ]
    for path, body in posts:
        response = browser.post(path, body, follow=True)
        assert response.status_code == 200, path
        assert "Remove the null character from this text: it cannot be stored." in _said(response), path
    response = signed_in(mash).post(f"/panels/referrals/{referral.pk}/decide/",
                                    {"decision": "decline", "reason": NUL}, follow=True)
    assert response.status_code == 200
    assert "Remove the null character from this text: it cannot be stored." in _said(response)
    assert _saved(row_counts) == before
    assert PanelListEntry.objects.get(panel=panel, child=child).removed_at is None
    assert MeetingChild.objects.get(meeting=meeting, child=child).decisions == ""
    assert Attendance.objects.get(meeting=meeting, user=chair).present is True
    assert Referral.objects.get(pk=referral.pk).status == "pending"


@pytest.mark.parametrize("user", ["not-a-uuid", "", "\x00", "1" * 300])
def test_attendance_for_an_id_that_is_not_one_asks_for_a_member(signed_in, setting, row_counts, user):
    chair, _panel, meeting, _child = setting
    browser = signed_in(chair)
    before = _saved(row_counts)
    response = browser.post(f"/panels/meetings/{meeting.pk}/attendance/", {"user": user}, follow=True)
    assert response.status_code == 200
    assert "Choose an active member of the panel." in _said(response)
    assert _saved(row_counts) == before


def test_the_same_text_without_the_null_character_is_saved(signed_in, setting):
    chair, panel, meeting, child = setting
    browser = signed_in(chair)
    browser.post(f"/panels/meetings/{meeting.pk}/children/{child.pk}/decisions/", {"decisions": "Seen at the station"})
    assert MeetingChild.objects.get(meeting=meeting, child=child).decisions == "Seen at the station"
    browser.post(f"/panels/{panel.pk}/children/{child.pk}/remove/", {"reason": "Moved away"})
    assert PanelListEntry.objects.get(panel=panel, child=child).removed_at is not None
