"""The inspection list: children missing in a period, with episodes, interviews and meetings, as CSV,
for administrators only."""

import csv
import io
from datetime import datetime, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from actions.models import ChildMeeting
from casework.calendar import LONDON
from casework.models import RecordAccess
from missing.interviews.services import interviews_first_return_keep
from missing.models import ReturnInterview
from tests.factories import ChildFactory, EpisodeFactory

URL = reverse("reporting:inspection_download")


@pytest.fixture
def period_data(authority, time_machine):
    time_machine.move_to(datetime(2026, 10, 5, 12, 0, tzinfo=LONDON), tick=False)
    child = ChildFactory(authority=authority, given_name="=cmd|' /C calc'!A0", family_name="Sample")
    inside = EpisodeFactory(child=child, started_at=datetime(2026, 6, 3, 22, 0, tzinfo=LONDON),
                            returned_at=datetime(2026, 6, 4, 9, 0, tzinfo=LONDON), found_location="A friend's flat")
    interview = ReturnInterview.objects.create(child=child, offered_at=inside.returned_at, state="completed",
                                               held_at=datetime(2026, 6, 5, 15, 0, tzinfo=LONDON))
    interview.episodes.add(inside)
    interviews_first_return_keep([interview])  # as the services keep it
    ChildMeeting.objects.create(child=child, kind="strategy", held_at=datetime(2026, 6, 4, 11, 0, tzinfo=LONDON),
                                decisions="Refer to the exploitation service.")
    EpisodeFactory(child=child, started_at=datetime(2026, 1, 3, 9, 0, tzinfo=LONDON),
                   returned_at=datetime(2026, 1, 3, 19, 0, tzinfo=LONDON))  # before the period
    other = ChildFactory(authority=authority)
    EpisodeFactory(child=other, started_at=timezone.now() - timedelta(hours=4))  # still missing
    return child, other


@pytest.mark.django_db
def test_administrators_download_the_children_missing_in_a_period(period_data, admin_user, signed_in):
    child, other = period_data
    response = signed_in(admin_user).get(URL, {"period_from": "2026-04-01", "period_to": "2026-10-31"})
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="missing-children-2026-04-01-to-2026-10-31.csv"'
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert [r["child_id"] for r in rows] == [str(child.pk), str(other.pk)]  # by family name
    mine = next(r for r in rows if r["child_id"] == str(child.pk))
    assert mine["child"].startswith("'=cmd")  # a formula is never run
    assert mine["return_interview"] == "Completed" and mine["return_interview_held_at"].startswith("2026-06-05T15:00")
    assert mine["meetings_in_period"] == "Missing strategy meeting 04/06/2026"
    assert mine["duration"] == "11 hours" and mine["found_location"] == "A friend's flat"
    still = next(r for r in rows if r["child_id"] == str(other.pk))
    assert still["duration"] == "4 hours (still missing)" and still["return_interview"] == "none offered"
    assert set(RecordAccess.objects.filter(user=admin_user).values_list("child_id", flat=True)) == {child.pk, other.pk}


@pytest.mark.django_db
def test_the_list_is_for_administrators_only(period_data, mash, strategic, signed_in, client):
    for user in (mash, strategic):
        assert signed_in(user).get(URL, {"period_from": "2026-04-01", "period_to": "2026-10-31"}).status_code == 403
    assert signed_in(strategic).get(reverse("reporting:returns")).status_code == 403


@pytest.mark.django_db
@pytest.mark.parametrize("period", [
    {"period_from": "2026-13-01", "period_to": "2026-10-31"},
    {"period_from": "2026-10-31", "period_to": "2026-04-01"},
    {"period_from": "2020-01-01", "period_to": "2026-04-01"},
    {},
])
def test_a_bad_period_is_a_400_with_the_form_and_its_errors(period_data, admin_user, signed_in, period):
    response = signed_in(admin_user).get(URL, period)
    assert response.status_code == 400
    assert "There is a problem" in response.content.decode()


@pytest.mark.django_db
def test_the_returns_page_offers_what_each_may_download(admin_user, mash, signed_in, time_machine):
    time_machine.move_to(datetime(2026, 10, 5, 12, 0, tzinfo=LONDON), tick=False)
    admin_page = signed_in(admin_user).get(reverse("reporting:returns")).content.decode()
    assert "SSDA903" in admin_page and "Inspection list" in admin_page
    mash_page = signed_in(mash).get(reverse("reporting:returns")).content.decode()
    assert "SSDA903" in mash_page and "Inspection list" not in mash_page
    bad = signed_in(mash).get(reverse("reporting:ssda903_download"), {"year": "2031"})
    assert bad.status_code == 400 and "must start between" in bad.content.decode()
    good = signed_in(mash).get(reverse("reporting:ssda903_download"), {"year": "2025"})
    assert good.status_code == 200 and good.content.decode().startswith("CHILD,DOB,MISSING,MIS_START,MIS_END")
