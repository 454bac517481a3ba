"""R1: the children missing now, as JSON, CSV and a page, for the MASH, chairs and administrators."""

import csv
import io
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from casework.models import RecordAccess
from missing.models import LegalStatus
from tests.factories import ChildFactory, EpisodeFactory

from .conftest import MONDAY

URL = "/api/v1/reports/currently-missing/"


@pytest.fixture
def two_missing(at_monday, missing_child, authority):
    high, high_episode = missing_child(
        started_at=MONDAY - timedelta(days=2, hours=3), legal_status=LegalStatus.LOOKED_AFTER,
        update=[(MONDAY - timedelta(hours=30), "Seen near the station"), (MONDAY - timedelta(hours=2), "Phone located")],
    )
    high_episode.risk_level = "high"
    high_episode.save()
    low, _ = missing_child(started_at=MONDAY - timedelta(hours=5))
    returned = ChildFactory(authority=authority)
    EpisodeFactory(child=returned, started_at=MONDAY - timedelta(days=1), returned_at=MONDAY - timedelta(hours=1))
    return high, low


@pytest.mark.django_db
def test_the_list_names_each_child_missing_now_with_risk_legal_status_duration_and_latest_update(
    two_missing, mash, api
):
    high, low = two_missing
    response = api(mash).get(URL)
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 2
    first, second = body["results"]
    assert first["child"]["id"] == str(high.pk)  # high risk first
    assert first["risk_level"] == "high" and first["child"]["legal_status"] == "looked_after"
    assert first["missing_for"] == "2 days 3 hours" and first["missing_hours"] == 51
    assert first["latest_update"]["position"] == "Phone located"
    assert first["latest_update"]["written_at"] == (MONDAY - timedelta(hours=2)).isoformat()
    assert second["child"]["id"] == str(low.pk) and second["latest_update"] is None
    logged = set(RecordAccess.objects.filter(user=mash).values_list("child_id", flat=True))
    assert logged == {high.pk, low.pk}


@pytest.mark.django_db
def test_the_list_reads_in_a_fixed_number_of_queries(at_monday, missing_child, mash, api):
    client = api(mash)
    for n in range(2):
        missing_child(started_at=MONDAY - timedelta(hours=n + 1), update=[(MONDAY, "noted")])
    with CaptureQueriesContext(connection) as few:
        assert client.get(URL).status_code == 200
    for n in range(6):
        missing_child(started_at=MONDAY - timedelta(hours=n + 1), update=[(MONDAY, "a"), (MONDAY, "b")])
    with CaptureQueriesContext(connection) as many:
        assert client.get(URL).json()["count"] == 8
    assert len(many) == len(few)


@pytest.mark.django_db
def test_the_csv_neutralises_spreadsheet_formulas(at_monday, missing_child, mash, api):
    missing_child(started_at=MONDAY - timedelta(hours=3), family_name="=HYPERLINK(\"x\")",
                  update=[(MONDAY, "+44 said she was at @home")])
    response = api(mash).get(URL, {"format": "csv"})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert rows[0]["child"].endswith('=HYPERLINK("x")') and not rows[0]["child"].startswith("=")
    assert rows[0]["latest_update_position"] == "'+44 said she was at @home"
    assert rows[0]["missing_for"] == "3 hours"


@pytest.mark.django_db
def test_a_bad_format_is_a_400(mash, api):
    response = api(mash).get(URL, {"format": "xml"})
    assert response.status_code == 400
    assert list(response.json()) == ["format"]


@pytest.mark.django_db
def test_strategic_readers_and_agency_staff_never_see_the_list(two_missing, strategic, health_worker, api, signed_in):
    for user in (strategic, health_worker):
        assert api(user).get(URL).status_code == 403
        assert api(user).get(URL, {"format": "csv"}).status_code == 403
    assert api().get(URL).status_code == 401
    page = signed_in(strategic).get(reverse("reporting:currently_missing"))
    assert page.status_code == 403
    assert not RecordAccess.objects.filter(user=strategic).exists()


@pytest.mark.django_db
def test_a_panel_chair_sees_only_the_children_they_may_see(two_missing, chair, api, agencies):
    high, low = two_missing
    assert api(chair).get(URL).json()["count"] == 0
    low.lead_agency = chair.agency
    low.save()
    results = api(chair).get(URL).json()["results"]
    assert [r["child"]["id"] for r in results] == [str(low.pk)]


@pytest.mark.django_db
def test_the_page_shows_the_list_and_offers_the_csv(two_missing, mash, signed_in):
    high, low = two_missing
    client = signed_in(mash)
    page = client.get(reverse("reporting:currently_missing"))
    assert page.status_code == 200
    text = page.content.decode()
    assert high.full_name in text and low.full_name in text and "Phone located" in text
    assert "2 children" in text
    download = client.get(reverse("reporting:currently_missing"), {"format": "csv"})
    assert download["Content-Disposition"] == 'attachment; filename="children-missing-2026-03-09.csv"'


@pytest.mark.django_db
def test_the_navigation_offers_the_list_to_the_mash_and_never_to_strategic_readers(mash, strategic, signed_in):
    link = f'href="{reverse("reporting:currently_missing")}"'
    assert link in signed_in(mash).get(reverse("home")).content.decode()
    assert link not in signed_in(strategic).get(reverse("home")).content.decode()
