"""The monthly dashboard (R2, R4, R5): the figures, the page for each reader, the CSVs, and the
number of queries, which does not grow with the data."""

import csv
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from casework.jobs import jobs_run_due
from missing import report_months
from missing.services import episode_create
from reporting.figures import count_shown, dashboard_figures, month_period, section

from .conftest import NOW, at, episode, identifiers
from tests.factories import ChildFactory

pytestmark = pytest.mark.django_db


def rows(sections, key):
    return {row["key"]: row for row in section(sections, key).rows}


def test_count_shown_hides_1_to_4_from_those_who_must_not_see_them():
    assert [count_shown(n, suppress=True) for n in (0, 1, 4, 5, 12)] == [0, "fewer than 5", "fewer than 5", 5, 12]
    assert [count_shown(n, suppress=False) for n in (0, 1, 4)] == [0, 1, 4]


def test_september_figures(seeded, authority):
    sections = dashboard_figures(authority, month_period("2026-09"), now=NOW)
    headline = rows(sections, "headline")
    assert (headline["all"]["episodes"], headline["all"]["children"]) == (7, 2)
    assert (headline["absent"]["episodes"], headline["missing"]["episodes"]) == (1, 6)
    # The trend: October 2025 .. September 2026; August had one episode, July one.
    assert headline["all"]["trend"][-3:] == [1, 1, 7] and len(headline["all"]["trend"]) == 12
    repeats = rows(sections, "repeats")
    assert (repeats["1"]["children"], repeats["6_10"]["children"], repeats["2"]["children"]) == (1, 1, 0)
    duration = rows(sections, "duration")
    assert (duration["under_24h"]["episodes"], duration["1_3_days"]["episodes"]) == (6, 1)
    ages = rows(sections, "age")
    assert (ages["13_15"]["episodes"], ages["16_17"]["episodes"]) == (6, 1)  # 14 until December; 16
    assert rows(sections, "gender")["female"]["children"] == 1
    assert rows(sections, "legal_status")["looked_after"]["episodes"] == 6
    assert rows(sections, "placed")["placed_here"]["episodes"] == 6
    provider = rows(sections, "provider")
    assert provider["larchfield house"]["episodes"] == 6 and provider["larchfield house"]["label"] == "Larchfield House"
    found = rows(sections, "found")
    assert found["bus station"]["episodes"] == 7  # written two ways, counted together
    assert rows(sections, "area")["zz9"]["children"] == 1
    interviews = rows(sections, "interviews")
    assert (interviews["offered"]["children"], interviews["completed"]["children"],
            interviews["within_72h"]["children"]) == (2, 2, 1)
    assert rows(sections, "push_factors")["push_placement_unhappy"]["children"] == 2
    assert rows(sections, "pull_factors")["pull_older_associates"]["children"] == 1
    missing_now = rows(sections, "currently_missing")
    assert missing_now["away_without_authorisation"]["children"] == 1
    assert missing_now["all"]["trend"][-3:] == [1, 1, 1]


def test_the_number_of_queries_does_not_grow_with_the_data(seeded, authority):
    period = month_period("2026-09")
    with CaptureQueriesContext(connection) as before:
        dashboard_figures(authority, period, now=NOW)
    for n in range(15):
        child = ChildFactory(authority=authority)
        episode(child, f"2026-09-{n + 2:02d}", hours=n * 10, found_location=f"Place {n}",
                placement_provider=f"Home {n}")
    report_months.refresh()  # the factory writes past the services: count the kept months again
    with CaptureQueriesContext(connection) as after:
        dashboard_figures(authority, period, now=NOW)
    assert len(after) == len(before) <= 25


def test_the_hub_sees_every_number(seeded, signed_in, mash):
    response = signed_in(mash).get(reverse("reporting:dashboard"), {"month": "2026-09"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Missing dashboard: September 2026" in html
    assert "<title id=\"headline-bars-title\">" in html and "<desc id=\"headline-bars-desc\">" in html
    assert "fewer than 5" not in html


def test_the_page_says_when_a_month_it_shows_waits_for_its_recount(seeded, signed_in, mash):
    zeb = seeded["children"][0]
    client = signed_in(mash)
    html = client.get(reverse("reporting:dashboard"), {"month": "2026-09"}).content.decode()
    assert 'data-testid="recounting"' not in html
    episode_create(actor=mash, child=zeb, category="missing", risk_level="low", location_type="home",
                   started_at=at("2026-08-03"), reported_at=at("2026-08-03", 11), returned_at=at("2026-08-04"))
    html = client.get(reverse("reporting:dashboard"), {"month": "2026-09"}).content.decode()
    assert 'data-testid="recounting"' in html and "August 2026" in html.split('data-testid="recounting"')[1][:400]
    jobs_run_due()
    html = client.get(reverse("reporting:dashboard"), {"month": "2026-09"}).content.decode()
    assert 'data-testid="recounting"' not in html


def test_the_default_month_is_the_last_complete_one(seeded, signed_in, mash):
    response = signed_in(mash).get(reverse("reporting:dashboard"))
    assert "September 2026" in response.content.decode()


def test_a_strategic_reader_sees_fewer_than_5_and_no_child(seeded, signed_in, people):
    client = signed_in(people["board"])
    response = client.get(reverse("reporting:dashboard"), {"month": "2026-09"})
    html = response.content.decode()
    assert response.status_code == 200 and "fewer than 5" in html
    for text in identifiers(seeded["children"]):
        assert text not in html
    for key in ("headline", "repeats", "currently_missing", "provider", "found", "interviews", "push_factors"):
        body = client.get(reverse("reporting:dashboard_csv", args=[key]), {"month": "2026-09"}).content.decode()
        for text in identifiers(seeded["children"]):
            assert text not in body
    headline = list(csv.reader(io.StringIO(client.get(
        reverse("reporting:dashboard_csv", args=["headline"]), {"month": "2026-09"}).content.decode())))
    assert headline[1][:3] == ["All episodes", "7", "fewer than 5"]


def test_the_csv_neutralises_formulae(seeded, signed_in, mash, authority):
    child = ChildFactory(authority=authority)
    episode(child, "2026-09-03", hours=2, found_location="=HYPERLINK(\"http://example.test\")")
    report_months.refresh()  # the factory writes past the services: count the kept months again
    body = signed_in(mash).get(reverse("reporting:dashboard_csv", args=["found"]), {"month": "2026-09"}).content
    cells = [row[0] for row in csv.reader(io.StringIO(body.decode()))]
    assert "'=HYPERLINK(\"http://example.test\")" in cells
    assert cells[0] == "band"


def test_bad_month_is_a_clear_400(seeded, signed_in, mash):
    client = signed_in(mash)
    response = client.get(reverse("reporting:dashboard"), {"month": "2026-13"})
    assert response.status_code == 400 and "Give a month as YYYY-MM" in response.content.decode()
    assert client.get(reverse("reporting:dashboard_csv", args=["headline"]), {"month": "x"}).status_code == 400
    assert client.get(reverse("reporting:dashboard_csv", args=["nothing"]), {"month": "2026-09"}).status_code == 404


def test_who_reads_the_dashboard(seeded, signed_in, people, mash, admin_user):
    for user, expected in [(mash, 200), (people["chair"], 200), (people["board"], 200), (admin_user, 200),
                           (people["staff"], 404), (people["member"], 404)]:
        response = signed_in(user).get(reverse("reporting:dashboard"), {"month": "2026-09"})
        assert response.status_code == expected, user.username
