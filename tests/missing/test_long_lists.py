"""Lists that grow with the data (issue 13, national size): the triage queue in pages of 50, the
interview timeliness report counted by the database over a bounded period, and the record access
log paged by its last row without counting the whole log. Each makes as many queries with more data."""

from datetime import datetime, timedelta

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from casework.calendar import LONDON
from casework.models import AgencyKind, RecordAccess
from missing.interviews import services as interview_services
from missing.models import ReturnInterview
from missing.services import episode_create, episode_update
from tests.factories import ChildFactory, NotificationFactory, UserFactory

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=LONDON)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def client_for(user):
    client = Client()
    client.force_login(user)
    return client


def queries(client, path):
    client.get(path)  # the first request of a session may fill caches
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path)
    assert response.status_code == 200, path
    return [query["sql"] for query in captured.captured_queries]


# Triage queue ----------------------------------------------------------------------------------


def waiting(authority, count, *, first=0):
    for n in range(first, first + count):
        NotificationFactory(
            authority=authority,
            source_ref=f"LONG-{n:04d}",
            risk_level="high" if n % 3 == 0 else "medium",
            received_at=NOW - timedelta(hours=n + 1),
        )


def cards(html):
    return html.count('class="govuk-summary-card" id="notification-')


def test_the_triage_queue_shows_20_a_page_in_risk_then_age_order(authority, mash):
    waiting(authority, 30)
    client = client_for(mash)
    first = client.get("/missing/triage/")
    assert first.status_code == 200
    assert cards(first.content.decode()) == 20 and first.context["count"] == 30
    assert "Page 1 of 2" in first.content.decode() and 'href="?page=2"' in first.content.decode()
    second = client.get("/missing/triage/?page=2")
    html = second.content.decode()
    assert cards(html) == 10 and "Page 2 of 2" in html
    shown = [row["notification"] for response in (first, second) for row in response.context["rows"]]
    assert len({n.pk for n in shown}) == 30
    ranks = [(0 if n.risk_level == "high" else 1, n.received_at) for n in shown]
    assert ranks == sorted(ranks)  # N5: highest risk first, then the longest waiting
    # The page polls for its own page, and the fragment answers that page.
    assert "/missing/triage/queue/?page=2" in html
    fragment = client.get("/missing/triage/queue/?page=2")
    assert fragment.status_code == 200
    assert [row["notification"].pk for row in fragment.context["rows"]] == [n.pk for n in shown[20:]]
    assert client.get(f"/missing/triage/queue/?page=2&shown={second.context['signature']}").status_code == 204


def test_the_triage_queue_makes_as_many_queries_with_400_waiting_as_with_10(authority, mash):
    client = client_for(mash)
    waiting(authority, 10)
    small = {path: len(queries(client, path)) for path in ("/missing/triage/", "/missing/triage/queue/")}
    waiting(authority, 390, first=10)
    large = {path: len(queries(client, path)) for path in ("/missing/triage/", "/missing/triage/queue/")}
    assert small == large
    assert cards(client.get("/missing/triage/").content.decode()) == 20


# Interview timeliness --------------------------------------------------------------------------


def interviews_held(authority, mash, count, *, team="North team", days_ago=5, held_after=24):
    """`count` children back from missing `days_ago` days ago, each interviewed `held_after` hours on."""
    rhi = UserFactory(agency=mash.agency.authority.agencies.get(kind=AgencyKind.RETURN_INTERVIEW_SERVICE))
    for _ in range(count):
        child = ChildFactory(authority=authority, allocated_team=team)
        back = NOW - timedelta(days=days_ago)
        episode = episode_create(
            actor=mash, child=child, category="missing", started_at=back - timedelta(hours=10),
            reported_at=back - timedelta(hours=9), risk_level="medium", location_type="home",
        )
        episode_update(actor=mash, episode=episode, returned_at=back)
        interview = ReturnInterview.objects.get(child=child)
        interview_services.return_interview_accept(
            actor=mash, interview=interview, interviewer=rhi, interviewer_role="rhi_service"
        )
        interview_services.return_interview_complete(
            actor=rhi, interview=interview, held_at=back + timedelta(hours=held_after), voice_of_child="ok"
        )


def test_timeliness_makes_as_many_queries_with_more_interviews(authority, agencies, mash, api):
    client = client_for(mash)
    path = "/interview-timeliness/?start=2026-01-01&end=2026-03-10"
    api_path = "/api/v1/return-interviews/timeliness/?start=2026-01-01&end=2026-03-10"
    interviews_held(authority, mash, 1)
    small = (len(queries(client, path)), len(queries(api(mash), api_path)))
    interviews_held(authority, mash, 4, team="South team", held_after=100)
    large = (len(queries(client, path)), len(queries(api(mash), api_path)))
    assert small == large
    overall = api(mash).get(api_path).json()["overall"]
    assert (overall["interviews"], overall["completed_within"], overall["completed_share"]) == (5, 1, 20.0)


def test_timeliness_counts_only_returns_within_the_period(authority, agencies, mash, api):
    interviews_held(authority, mash, 2, days_ago=5)
    interviews_held(authority, mash, 3, team="", days_ago=60, held_after=100)
    recent = api(mash).get("/api/v1/return-interviews/timeliness/?start=2026-03-01&end=2026-03-10").json()
    assert recent["overall"]["interviews"] == 2
    assert [row["label"] for row in recent["by_team"]] == ["North team"]
    both = api(mash).get("/api/v1/return-interviews/timeliness/?start=2026-01-01&end=2026-03-10").json()
    assert (both["overall"]["interviews"], both["overall"]["completed_within"]) == (5, 2)
    teams = {row["label"]: row["interviews"] for row in both["by_team"]}
    assert teams == {"North team": 2, "No allocated team": 3}


@pytest.mark.parametrize(
    "query, field",
    [("start=yesterday&end=2026-03-10", "start"), ("start=2026-01-01&end=2026-02-30", "end")],
)
def test_timeliness_refuses_a_bad_period(mash, api, query, field):
    response = api(mash).get(f"/api/v1/return-interviews/timeliness/?{query}")
    assert response.status_code == 400
    assert list(response.json()) == [field]
    page = client_for(mash).get(f"/interview-timeliness/?{query}")
    assert page.status_code == 200 and page.context["report"] is None
    assert page.context["form"].errors[field]


# Record access log -----------------------------------------------------------------------------


def log_rows(user, child, count):
    """`count` accesses, all at the same instant (time is frozen): the page order falls back on the id."""
    RecordAccess.objects.bulk_create(
        RecordAccess(user=user, child_id=child.pk, channel="page", path=f"/missing/children/{child.pk}/?n={n}")
        for n in range(count)
    )


def test_the_record_access_log_pages_by_its_last_row(signed_in, admin_user, mash, authority):
    log_rows(mash, ChildFactory(authority=authority), 120)
    client = signed_in(admin_user)
    seen, page, path = [], None, "/audit/record-access/"
    for expected in (50, 50, 20):
        response = client.get(path)
        assert response.status_code == 200
        page = response.context["page"]
        assert len(page) == expected
        seen += [access.pk for access in page]
        if page.has_next:
            path = f"/audit/record-access/?before={page.older}"
    assert not page.has_next
    assert len(set(seen)) == 120 == len(seen)
    newest_first = list(RecordAccess.objects.order_by("-at", "-pk").values_list("pk", flat=True))
    assert seen == newest_first
    html = response.content.decode()
    assert "Newer" in html and "Older" not in html
    back = client.get(f"/audit/record-access/?after={page.newer}")
    assert [access.pk for access in back.context["page"]] == seen[50:100]
    assert back.context["page"].has_next and back.context["page"].has_previous
    first = client.get(f"/audit/record-access/?after={back.context['page'].newer}").context["page"]
    assert [access.pk for access in first] == seen[:50] and not first.has_previous


def test_the_record_access_log_never_counts_the_whole_log(signed_in, admin_user, mash, authority):
    child = ChildFactory(authority=authority)
    client = signed_in(admin_user)
    log_rows(mash, child, 60)
    small = queries(client, "/audit/record-access/?")
    log_rows(mash, child, 600)
    large = queries(client, "/audit/record-access/?")
    assert len(small) == len(large)
    assert not any("COUNT(" in sql.upper() and "recordaccess" in sql for sql in large)


@pytest.mark.parametrize(
    "query", ["before=yesterday", "after=12~not-a-uuid", "before=99999999999999999999~" + "0" * 32]
)
def test_a_bad_record_access_page_link_is_a_400(signed_in, admin_user, query):
    response = signed_in(admin_user).get(f"/audit/record-access/?{query}")
    assert response.status_code == 400
