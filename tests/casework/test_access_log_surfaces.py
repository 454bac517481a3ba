"""Every surface that shows a child's data writes the access log (issue 7, finding 4).

Each test opens one surface as a user who may see the child and finds a RecordAccess row for that
child, through the right channel, with the address; lists write one row per child shown, in one
query; searches say what was searched.
"""

from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from casework.models import AgencyKind, RecordAccess
from missing.education.services import education_case_open
from missing.interviews import services as interview_services
from missing.models import ReturnInterview
from missing.services import episode_create, episode_update

from ..factories import ChildFactory, NotificationFactory, UserFactory

pytestmark = pytest.mark.django_db


def logged(user, child, channel):
    return list(RecordAccess.objects.filter(user=user, child_id=child.pk, channel=channel))


@pytest.fixture
def child(authority):
    return ChildFactory(authority=authority, given_name="Logan", family_name="Accesslog", date_of_birth=date(2012, 4, 4))


@pytest.fixture
def episode(child, mash):
    now = timezone.now()
    made = episode_create(
        actor=mash, child=child, category="missing", started_at=now - timedelta(hours=30),
        reported_at=now - timedelta(hours=29), risk_level="medium", location_type="home",
    )
    return episode_update(actor=mash, episode=made, returned_at=now - timedelta(hours=10))


def test_children_search_page_logs_each_child_shown_and_the_search(signed_in, mash, child, authority):
    other = ChildFactory(authority=authority, family_name="Accesslog", given_name="Second")
    ChildFactory(authority=authority, family_name="Unrelated")
    response = signed_in(mash).get("/missing/children/?q=accesslog")
    assert response.status_code == 200
    rows = RecordAccess.objects.filter(user=mash)
    assert {r.child_id for r in rows} == {child.pk, other.pk}
    assert {(r.channel, r.query) for r in rows} == {("page", "accesslog")}
    assert all(r.path == "/missing/children/?q=accesslog" for r in rows)


def test_children_search_api_logs_each_child_shown_and_the_search(api, mash, child):
    assert api(mash).get("/api/v1/children/?q=Logan").json()["count"] == 1
    (row,) = logged(mash, child, "api")
    assert row.query == "Logan"


def test_a_list_logs_in_one_query_whatever_its_length(api, mash, authority):
    ChildFactory.create_batch(3, authority=authority)
    api(mash).get("/api/v1/users/me/")  # the first request of a session does its own set-up
    with CaptureQueriesContext(connection) as few:
        api(mash).get("/api/v1/children/")
    ChildFactory.create_batch(12, authority=authority)
    with CaptureQueriesContext(connection) as many:
        api(mash).get("/api/v1/children/")
    inserts = [q for q in many.captured_queries if q["sql"].startswith('INSERT INTO "casework_recordaccess"')]
    assert len(inserts) == 1
    assert len(many.captured_queries) == len(few.captured_queries)
    assert RecordAccess.objects.count() == 3 + 15


def test_episode_list_and_detail_api(api, mash, child, episode):
    api(mash).get(f"/api/v1/children/{child.pk}/episodes/")
    api(mash).get(f"/api/v1/episodes/{episode.pk}/")
    assert [r.path for r in logged(mash, child, "api")][::-1] == [
        f"/api/v1/children/{child.pk}/episodes/", f"/api/v1/episodes/{episode.pk}/"
    ]


def test_edit_pages(signed_in, mash, child, episode):
    browser = signed_in(mash)
    assert browser.get(f"/missing/children/{child.pk}/edit/").status_code == 200
    assert browser.get(f"/missing/episodes/{episode.pk}/edit/").status_code == 200
    assert len(logged(mash, child, "page")) == 2


def test_interview_lists_and_due_page(api, signed_in, mash, agencies, child, episode):
    interview = ReturnInterview.objects.get(child=child)
    worker = UserFactory(agency=agencies[AgencyKind.RETURN_INTERVIEW_SERVICE])
    interview_services.return_interview_accept(
        actor=mash, interview=interview, interviewer=worker, interviewer_role="rhi_service"
    )
    assert api(mash).get("/api/v1/return-interviews/").json()["count"] == 1
    assert len(logged(mash, child, "api")) == 1
    assert signed_in(worker).get("/interviews/").status_code == 200
    assert len(logged(worker, child, "page")) == 1
    # A form page for a change of the interview names the child.
    assert signed_in(worker).get(f"/interviews/{interview.pk}/record/").status_code == 200
    assert [row.path for row in logged(worker, child, "page")].count(f"/interviews/{interview.pk}/record/") == 1


def test_the_follow_up_letter_pdf_page_and_api(api, signed_in, mash, child, episode):
    interview = ReturnInterview.objects.get(child=child)
    interview_services.return_interview_decline(actor=mash, interview=interview, declined_by="child",
                                                refusal_learnt="No.")
    letter = api(mash).get(f"/api/v1/return-interviews/{interview.pk}/letter.pdf")
    assert letter.status_code == 200, letter.content
    assert logged(mash, child, "api")[0].path == f"/api/v1/return-interviews/{interview.pk}/letter.pdf"
    assert signed_in(mash).get(f"/interviews/{interview.pk}/letter.pdf").status_code == 200
    assert logged(mash, child, "page")[0].path == f"/interviews/{interview.pk}/letter.pdf"


def test_safe_and_well_checks(api, signed_in, police, mash, child, episode):
    NotificationFactory(authority=child.authority, sent_by=police, child=child, status="linked")
    body = {
        "episode": str(episode.pk), "checked_at": (timezone.now() - timedelta(hours=9)).isoformat(),
        "officer": "PC Example", "where_found": "Home",
    }
    made = api(police).post("/api/v1/safe-and-well-checks/", body, format="json")
    assert made.status_code == 201, made.content
    api(mash).get("/api/v1/safe-and-well-checks/")
    api(mash).get(f"/api/v1/safe-and-well-checks/{made.json()['id']}/")
    assert len(logged(mash, child, "api")) == 2
    assert signed_in(police).get(f"/interviews/episodes/{episode.pk}/safe-and-well-check/").status_code == 200
    assert len(logged(police, child, "page")) == 1


def test_education_case_lists(api, signed_in, agencies, child):
    officer = UserFactory(agency=agencies[AgencyKind.EDUCATION])
    education_case_open(actor=officer, child=child, kind="cme", school="Demo School", first_day=date(2026, 3, 2))
    assert api(officer).get("/api/v1/education-cases/").json()["count"] == 1
    assert len(logged(officer, child, "api")) == 1
    assert signed_in(officer).get("/education/").status_code == 200
    assert len(logged(officer, child, "page")) == 1


def test_deadlines_api_and_due_page(api, signed_in, mash, child, episode):
    assert api(mash).get(f"/api/v1/deadlines/?child={child.pk}").json()["count"] >= 1
    assert len(logged(mash, child, "api")) == 1
    assert signed_in(mash).get("/clocks/due/").status_code == 200
    assert len(logged(mash, child, "page")) == 1


def test_triage_page_logs_the_candidate_children_it_shows(signed_in, mash, child, authority):
    NotificationFactory(
        authority=authority, child_given_name="Logan", child_family_name="Accesslog",
        child_date_of_birth=child.date_of_birth,
    )
    assert signed_in(mash).get("/missing/triage/").status_code == 200
    assert len(logged(mash, child, "page")) == 1


def test_the_admin_reads_episodes_but_changes_adds_and_deletes_none(signed_in, admin_user, episode):
    """Episodes change through the services (clocks, the interview's first return, the figures)."""
    browser = signed_in(admin_user)
    page = browser.get(f"/admin/missing/missingepisode/{episode.pk}/change/")
    assert page.status_code == 200 and 'name="returned_at' not in page.content.decode()
    returned_at = episode.returned_at
    browser.post(f"/admin/missing/missingepisode/{episode.pk}/change/", {"returned_at_0": "01/01/2026"})
    assert browser.get("/admin/missing/missingepisode/add/").status_code == 403
    assert browser.post(f"/admin/missing/missingepisode/{episode.pk}/delete/", {"post": "yes"}).status_code == 403
    episode.refresh_from_db()
    assert episode.returned_at == returned_at


def test_admin_child_and_episode_pages(signed_in, admin_user, child, episode):
    browser = signed_in(admin_user)
    assert browser.get(f"/admin/missing/child/{child.pk}/change/").status_code == 200
    assert browser.get(f"/admin/missing/missingepisode/{episode.pk}/change/").status_code == 200
    assert browser.get("/admin/missing/child/?q=Accesslog").status_code == 200
    rows = logged(admin_user, child, "admin")
    assert len(rows) == 3
    assert {r.query for r in rows} == {"", "Accesslog"}


def test_the_record_access_page_shows_the_letter_and_the_search(signed_in, admin_user, mash, child):
    RecordAccess.objects.create(user=mash, child_id=child.pk, channel="page", path="/missing/children/?q=logan",
                                query="logan")
    page = signed_in(admin_user).get("/audit/record-access/").content.decode()
    assert "Searched for" in page and "/missing/children/?q=logan" in page


def test_the_admin_does_not_move_a_child_to_another_authority(signed_in, admin_user, child):
    """A child's rows carry its authority and the lists decide visibility by it: the admin shows the
    authority of a recorded child but does not offer to change it."""
    browser = signed_in(admin_user)
    page = browser.get(f"/admin/missing/child/{child.pk}/change/").content.decode()
    assert 'name="authority"' not in page
    assert browser.get("/admin/missing/child/add/").content.decode().count('name="authority"') == 1
