"""The return-interview and education screens: what each user sees, form errors that save nothing."""

import io
from datetime import datetime, timedelta

import pytest
import time_machine
from django.test import Client
from pypdf import PdfReader

from casework.calendar import LONDON
from casework.models import AgencyKind, RecordAccess, Role
from missing.interviews import services
from missing.models import EducationCase, InterviewState, ReturnInterview, SafeAndWellCheck
from missing.services import episode_create, episode_update
from tests.factories import ChildFactory, UserFactory

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=LONDON)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def rhi_worker(agencies):
    return UserFactory(username="rhi", agency=agencies[AgencyKind.RETURN_INTERVIEW_SERVICE])


@pytest.fixture
def child(authority):
    return ChildFactory(authority=authority, given_name="Sam", family_name="Testfield")


@pytest.fixture
def episode(child, mash):
    episode = episode_create(
        actor=mash, child=child, category="missing", started_at=NOW - timedelta(hours=30),
        reported_at=NOW - timedelta(hours=29), risk_level="medium", location_type="home",
    )
    return episode_update(actor=mash, episode=episode, returned_at=NOW - timedelta(hours=10))


@pytest.fixture
def interview(episode):
    return ReturnInterview.objects.get(child=episode.child)


def client_for(user):
    client = Client()
    client.force_login(user)
    return client


def test_mash_sees_the_offer_waiting_and_records_the_childs_choice(mash, rhi_worker, interview):
    page = client_for(mash).get("/interviews/")
    assert page.status_code == 200
    assert "Offers waiting for the child" in page.content.decode()
    assert "Sam Testfield" in page.content.decode()
    assert "Due in 2 days 14 hours" in page.content.decode()
    response = client_for(mash).post(
        f"/interviews/{interview.pk}/accept/", {"interviewer_role": "rhi_service", "interviewer": str(rhi_worker.pk)}
    )
    assert response.status_code == 302
    interview.refresh_from_db()
    assert interview.state == InterviewState.ACCEPTED and interview.interviewer == rhi_worker


def test_record_form_errors_save_nothing_and_a_good_form_completes(mash, rhi_worker, interview):
    services.return_interview_accept(actor=mash, interview=interview, interviewer=rhi_worker, interviewer_role="rhi_service")
    client = client_for(rhi_worker)
    assert "Due in 2 days 14 hours" in client.get("/interviews/").content.decode()
    form = client.get(f"/interviews/{interview.pk}/record/").content.decode()
    assert 'type="checkbox" name="push_factors"' in form
    response = client.post(f"/interviews/{interview.pk}/record/", {"held_at": "2026-03-10T09:00", "push_factors": ["nope"]})
    assert response.status_code == 200
    assert "govuk-error-summary" in response.content.decode()
    # Held before the return: the service's error lands on the field.
    response = client.post(
        f"/interviews/{interview.pk}/record/", {"held_at": "2026-03-09T09:00", "voice_of_child": "Words."}
    )
    assert "before the child&#x27;s return" in response.content.decode()
    interview.refresh_from_db()
    assert interview.state == InterviewState.ACCEPTED
    response = client.post(
        f"/interviews/{interview.pk}/record/",
        {"held_at": "2026-03-10T09:00", "push_factors": ["bullying"], "pull_factors": ["partner"], "voice_of_child": "Words."},
    )
    assert response.status_code == 302
    interview.refresh_from_db()
    assert (interview.state, interview.push_factors, interview.pull_factors) == ("completed", ["bullying"], ["partner"])
    detail = client.get(f"/interviews/{interview.pk}/").content.decode()
    assert "Bullying, including online" in detail and "Boyfriend or girlfriend" in detail


def test_several_episodes_are_said_on_the_page(child, mash, episode, interview):
    again = episode_create(
        actor=mash, child=child, category="missing", started_at=NOW - timedelta(hours=5),
        reported_at=NOW - timedelta(hours=4), risk_level="low", location_type="home",
    )
    episode_update(actor=mash, episode=again, returned_at=NOW - timedelta(hours=1))
    page = client_for(mash).get(f"/interviews/{interview.pk}/").content.decode()
    assert "This interview covers 2 missing episodes" in page


def test_invisible_is_404_and_visible_but_not_allowed_is_403(agencies, mash, rhi_worker, interview):
    colleague = UserFactory(agency=agencies[AgencyKind.RETURN_INTERVIEW_SERVICE])
    assert client_for(colleague).get(f"/interviews/{interview.pk}/").status_code == 404
    assert client_for(rhi_worker).get(f"/interviews/{interview.pk}/").status_code == 404
    services.return_interview_accept(actor=mash, interview=interview, interviewer=rhi_worker, interviewer_role="rhi_service")
    assert client_for(rhi_worker).get(f"/interviews/{interview.pk}/").status_code == 200
    assert client_for(colleague).get(f"/interviews/{interview.pk}/").status_code == 404
    assert client_for(rhi_worker).get(f"/interviews/{interview.pk}/accept/").status_code == 403
    assert client_for(rhi_worker).post(f"/interviews/{interview.pk}/reoffer/").status_code == 403
    assert client_for(colleague).get("/interviews/").content.decode().count("Testfield") == 0


def test_refusal_page_then_letter_download(mash, interview):
    client = client_for(mash)
    response = client.post(f"/interviews/{interview.pk}/decline/", {"declined_by": "child", "refusal_learnt": ""})
    assert response.status_code == 200 and "govuk-error-summary" in response.content.decode()
    response = client.post(f"/interviews/{interview.pk}/decline/", {"declined_by": "child", "refusal_learnt": "Tired."})
    assert response.status_code == 302
    detail = client.get(f"/interviews/{interview.pk}/").content.decode()
    assert "Fed back to" in detail and "Download the follow-up letter" in detail
    letter = client.get(f"/interviews/{interview.pk}/letter.pdf")
    assert letter["Content-Type"] == "application/pdf"
    text = PdfReader(io.BytesIO(letter.content)).pages[0].extract_text()
    assert "Dear Sam" in text


def test_safe_and_well_check_page(mash, rhi_worker, episode):
    client = client_for(mash)
    url = f"/interviews/episodes/{episode.pk}/safe-and-well-check/"
    assert client.get(url).status_code == 200
    response = client.post(url, {"officer": "PC Example 1", "checked_at": "2026-03-10T13:00", "where_found": "Park"})
    assert "cannot be in the future" in response.content.decode()
    assert SafeAndWellCheck.objects.count() == 0
    response = client.post(
        url, {"officer": "PC Example 1", "checked_at": "2026-03-10T09:00", "where_found": "Park", "harm_indicators": ["injury"]}
    )
    assert response.status_code == 302
    assert SafeAndWellCheck.objects.get().harm_indicators == ["injury"]
    assert client_for(rhi_worker).get(url).status_code == 404


def test_timeliness_page(agencies, mash, rhi_worker):
    page = client_for(mash).get("/interview-timeliness/?start=2026-01-01&end=2026-03-10")
    assert page.status_code == 200
    assert "Children placed here by other councils" in page.content.decode()
    assert client_for(mash).get("/interview-timeliness/?start=2026-03-10&end=2026-01-01").status_code == 200
    assert client_for(rhi_worker).get("/interview-timeliness/").status_code == 403
    reader = UserFactory(agency=agencies[AgencyKind.CHILDRENS_SOCIAL_CARE], roles=[Role.STRATEGIC_READER])
    assert client_for(reader).get("/interview-timeliness/").status_code == 200


def test_timeliness_page_refuses_a_date_beyond_the_reports_years(mash):
    page = client_for(mash).get("/interview-timeliness/?start=2026-01-01&end=9999-12-31")
    assert page.status_code == 200
    assert "Give a date in the years 2000 to 2100." in page.content.decode()
    assert page.context["report"] is None


def test_education_officer_screens(agencies, child):
    officer = UserFactory(agency=agencies[AgencyKind.EDUCATION])
    child.lead_agency = agencies[AgencyKind.EDUCATION]
    child.save()
    client = client_for(officer)
    response = client.post(
        "/education/new/", {"child": str(child.pk), "kind": "cme", "school": "Demo School", "first_day": "2026-03-01"}
    )
    assert response.status_code == 302
    case = EducationCase.objects.get()
    listing = client.get("/education/").content.decode()
    assert "Sam Testfield" in listing and "Days 2 to 28" in listing
    refused = client.post(f"/education/{case.pk}/", {"action": "remove", "removed_on": "2026-03-10"})
    assert "before the end of four weeks" in refused.content.decode()
    case.refresh_from_db()
    assert case.removed_from_roll_on is None
    response = client.post(f"/education/{case.pk}/", {"action": "enquiry", "item": "neighbours", "done_on": "2026-03-05"})
    assert response.status_code == 302
    response = client.post(f"/education/{case.pk}/", {"action": "close", "exit": "school_place_secured"})
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.exit == "school_place_secured" and not case.is_open
    outsider = UserFactory(agency=agencies[AgencyKind.HEALTH])
    assert client_for(outsider).get(f"/education/{case.pk}/").status_code == 404
    assert client_for(outsider).get("/education/new/").status_code == 403


def test_opening_an_interview_is_logged_as_an_opening_of_the_childs_record(mash, interview):
    client_for(mash).get(f"/interviews/{interview.pk}/")
    assert RecordAccess.objects.filter(user=mash, child_id=interview.child_id, channel="page").count() == 1


def _returned_child(mash, n):
    child = ChildFactory(authority=mash.agency.authority, given_name=f"Paged{n}", family_name="Pagetest")
    episode = episode_create(
        actor=mash, child=child, category="missing", started_at=NOW - timedelta(hours=40 - n),
        reported_at=NOW - timedelta(hours=39 - n), risk_level="medium", location_type="home",
    )
    episode_update(actor=mash, episode=episode, returned_at=NOW - timedelta(hours=20 - n))
    return ReturnInterview.objects.get(child=child)


def test_both_lists_of_my_interviews_due_come_a_page_at_a_time(mash, rhi_worker, monkeypatch):
    """A caseload, or an authority's offers, can outgrow one page (issue 13): each list is paged on
    its own, oldest return first, and moving through one keeps the other's page."""
    from missing.interviews import views

    monkeypatch.setattr(views, "INTERVIEWS_PER_PAGE", 2)
    interviews = [_returned_child(mash, n) for n in range(6)]
    for interview in interviews[:3]:
        services.return_interview_accept(
            actor=mash, interview=interview, interviewer=rhi_worker, interviewer_role="rhi_service"
        )
    offers = client_for(mash)
    first = offers.get("/interviews/").content.decode()
    assert "Paged3 Pagetest" in first and "Paged4 Pagetest" in first and "Paged5 Pagetest" not in first
    assert 'href="?offers=2"' in first
    second = offers.get("/interviews/?offers=2").content.decode()
    assert "Paged5 Pagetest" in second and "Paged3 Pagetest" not in second
    assert 'href="?offers=1"' in second

    worker = client_for(rhi_worker)
    first = worker.get("/interviews/").content.decode()
    assert "Paged0 Pagetest" in first and "Paged1 Pagetest" in first and "Paged2 Pagetest" not in first
    second = worker.get("/interviews/?page=2").content.decode()
    assert "Paged2 Pagetest" in second and "Paged0 Pagetest" not in second
    assert worker.get("/interviews/?page=999").status_code == 200  # past the end: the last page
    logged = set(RecordAccess.objects.filter(user=rhi_worker).values_list("child_id", flat=True))
    assert {i.child_id for i in interviews[:3]} <= logged
