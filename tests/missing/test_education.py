"""Children missing education (§12): day 1, the enquiries, the four-week roll rule, three exits."""

from datetime import date, datetime, timedelta

import pytest
import time_machine

from casework.calendar import LONDON
from casework.models import AgencyKind, AuditEvent, Role
from casework.models import LocalProtocol
from casework.protocol import DEFAULT_PROTOCOL
from missing.education.rules import day_number, earliest_roll_removal
from missing.education.services import NO_AGENCY
from missing.models import EducationCase
from missing.permissions import children_visible_to
from missing.services import episode_create
from tests.factories import ChildFactory, EpisodeFactory, UserFactory

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=LONDON)
TODAY = date(2026, 3, 10)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def officer(agencies):
    return UserFactory(username="cme", agency=agencies[AgencyKind.EDUCATION])


@pytest.fixture
def child(authority, agencies):
    return ChildFactory(authority=authority, lead_agency=agencies[AgencyKind.EDUCATION])


def open_case(api, user, child, **extra):
    body = {"child": str(child.pk), "kind": "cmfe", "school": "Demo Academy", "first_day": "2026-03-02", **extra}
    return api(user).post("/api/v1/education-cases/", body, format="json")


def test_day_counting_and_the_four_week_line():
    assert day_number(date(2026, 3, 2), date(2026, 3, 2)) == 1
    assert day_number(date(2026, 3, 2), date(2026, 3, 29)) == 28
    assert earliest_roll_removal(date(2026, 3, 2), DEFAULT_PROTOCOL) == date(2026, 3, 30)


def test_officer_opens_a_case_linked_to_the_childs_missing_episodes(api, officer, child):
    earlier = EpisodeFactory(
        child=child, started_at=NOW - timedelta(days=20), reported_at=NOW - timedelta(days=20),
        returned_at=NOW - timedelta(days=19),
    )
    current = EpisodeFactory(child=child, started_at=NOW - timedelta(days=3), reported_at=NOW - timedelta(days=3))
    response = open_case(
        api, officer, child,
        contact_made_at="2026-03-02T09:30:00+00:00", contact_with="Mother", contact_outcome="No answer at first.",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["day"] == 9
    assert body["episodes"] == [str(current.pk)]
    assert str(earlier.pk) not in body["episodes"]
    assert body["may_remove_from_roll_from"] == "2026-03-30"
    assert len(body["enquiries"]) == 14 and all(e["done_on"] is None for e in body["enquiries"])


def test_a_new_episode_of_the_child_is_linked_to_the_open_case(api, officer, mash, child):
    case_id = open_case(api, officer, child).json()["id"]
    episode = episode_create(
        actor=mash, child=child, category="missing", started_at=NOW - timedelta(hours=2),
        reported_at=NOW - timedelta(hours=1), risk_level="high", location_type="education",
    )
    assert api(officer).get(f"/api/v1/education-cases/{case_id}/").json()["episodes"] == [str(episode.pk)]


def test_bad_input_saves_nothing(api, officer, child, row_counts):
    before = row_counts()
    response = open_case(api, officer, child, first_day="2026-03-20")
    assert response.status_code == 400 and "first_day" in response.json()
    response = open_case(api, officer, child, safety_concerns=True)
    assert response.status_code == 400 and "referred_to_police_and_csc" in response.json()
    response = open_case(api, officer, child, kind="neither")
    assert response.status_code == 400 and "kind" in response.json()
    assert row_counts() == before
    assert open_case(api, officer, child).status_code == 201
    second = open_case(api, officer, child)
    assert second.status_code == 400 and "child" in second.json()


def test_enquiries_are_recorded_once_each(api, officer, child):
    case_id = open_case(api, officer, child).json()["id"]
    url = f"/api/v1/education-cases/{case_id}/enquiries/"
    response = api(officer).post(url, {"item": "la_home_visit", "done_on": "2026-03-05", "outcome": "No one in."}, format="json")
    assert response.status_code == 200, response.json()
    done = {e["item"]: e for e in response.json()["enquiries"]}
    assert done["la_home_visit"]["done_on"] == "2026-03-05"
    assert api(officer).post(url, {"item": "la_home_visit", "done_on": "2026-03-06"}, format="json").status_code == 400
    assert api(officer).post(url, {"item": "neighbours", "done_on": "2026-03-01"}, format="json").status_code == 400
    assert api(officer).post(url, {"item": "made_up", "done_on": "2026-03-05"}, format="json").status_code == 400


def test_not_removed_from_roll_before_four_weeks(api, officer, child, frozen):
    case_id = open_case(api, officer, child).json()["id"]
    url = f"/api/v1/education-cases/{case_id}/remove-from-roll/"
    response = api(officer).post(url, {"removed_on": "2026-03-10"}, format="json")
    assert response.status_code == 400
    assert "before the end of four weeks" in response.json()["removed_on"][0]
    assert EducationCase.objects.get(pk=case_id).removed_from_roll_on is None
    frozen.move_to(datetime(2026, 3, 29, 12, 0, tzinfo=LONDON))  # day 28: still refused
    assert api(officer).post(url, {"removed_on": "2026-03-29"}, format="json").status_code == 400
    frozen.move_to(datetime(2026, 3, 30, 12, 0, tzinfo=LONDON))
    response = api(officer).post(url, {"removed_on": "2026-03-30"}, format="json")
    assert response.status_code == 200
    assert response.json()["removed_from_roll_on"] == "2026-03-30"
    assert AuditEvent.objects.filter(verb="education_case.removed_from_roll").count() == 1


def test_the_four_week_line_is_the_local_protocols_number(api, officer, child, authority, frozen):
    LocalProtocol.objects.create(authority=authority, cme_roll_removal_after_days=35, cme_enquiry_last_day=35)
    body = open_case(api, officer, child).json()
    assert body["may_remove_from_roll_from"] == "2026-04-06"
    assert body["stage"] == "Days 2 to 35: reasonable enquiries"
    frozen.move_to(datetime(2026, 3, 30, 12, 0, tzinfo=LONDON))
    url = f"/api/v1/education-cases/{body['id']}/remove-from-roll/"
    assert api(officer).post(url, {"removed_on": "2026-03-30"}, format="json").status_code == 400


def test_exactly_three_exits(api, officer, child):
    case_id = open_case(api, officer, child).json()["id"]
    url = f"/api/v1/education-cases/{case_id}/close/"
    assert api(officer).post(url, {"exit": "moved_on"}, format="json").status_code == 400
    assert api(officer).post(url, {"exit": "national_database", "located_on": "2026-03-05"}, format="json").status_code == 400
    response = api(officer).post(url, {"exit": "located", "located_on": "2026-03-05", "exit_note": "Staying with aunt."}, format="json")
    assert response.status_code == 200
    assert response.json()["exit"] == "located"
    assert response.json()["closed_at"] is not None
    again = api(officer).post(url, {"exit": "school_place_secured"}, format="json")
    assert again.status_code == 400
    assert api(officer).get("/api/v1/education-cases/").json()["count"] == 0
    assert api(officer).get("/api/v1/education-cases/?open=false").json()["count"] == 1


def test_visibility_and_permissions(api, agencies, officer, child, health_worker):
    case_id = open_case(api, officer, child).json()["id"]
    # A colleague of the education team holding the case sees it and may work it.
    colleague = UserFactory(agency=agencies[AgencyKind.EDUCATION])
    assert api(colleague).get(f"/api/v1/education-cases/{case_id}/").status_code == 200
    # Someone who cannot see the child sees nothing.
    assert not children_visible_to(health_worker).filter(pk=child.pk).exists()
    assert api(health_worker).get(f"/api/v1/education-cases/{case_id}/").status_code == 404
    assert api(health_worker).get("/api/v1/education-cases/").json()["count"] == 0
    # Someone who sees the child but is not in the education team may not change the case.
    child.lead_agency = agencies[AgencyKind.HEALTH]
    child.save()
    assert api(health_worker).get(f"/api/v1/education-cases/{case_id}/").status_code == 200
    response = api(health_worker).post(f"/api/v1/education-cases/{case_id}/close/", {"exit": "located"}, format="json")
    assert response.status_code == 403
    assert api(health_worker).post("/api/v1/education-cases/", {}).status_code == 403
    assert api().get("/api/v1/education-cases/").status_code == 401


def test_day_one_contact_can_be_recorded_later(api, officer, child):
    case_id = open_case(api, officer, child).json()["id"]
    url = f"/api/v1/education-cases/{case_id}/"
    response = api(officer).patch(url, {"contact_made_at": "2026-03-01T09:00:00+00:00"}, format="json")
    assert response.status_code == 400 and "contact_made_at" in response.json()
    response = api(officer).patch(
        url, {"contact_made_at": "2026-03-02T09:00:00+00:00", "contact_with": "Father"}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["contact_with"] == "Father"


def test_an_administrator_without_an_agency_is_told_why_and_nothing_is_saved(api, child, row_counts, signed_in):
    administrator = UserFactory(agency=None, roles=[Role.ADMINISTRATOR])
    administrator.is_superuser = True
    administrator.save()
    browser = signed_in(administrator)
    before = row_counts()
    response = open_case(api, administrator, child)
    assert response.status_code == 400, response.content
    assert response.json()["non_field_errors"] == [NO_AGENCY]
    page = browser.post(
        "/education/new/", {"child": str(child.pk), "kind": "cme", "school": "Demo School", "first_day": "2026-03-02"}
    )
    assert page.status_code == 200
    assert "Your account belongs to no agency" in page.content.decode()
    assert row_counts() == before


def test_the_mash_of_the_childs_authority_works_a_case(api, officer, child, mash):
    case_id = open_case(api, officer, child).json()["id"]
    body = {"item": "neighbours", "done_on": "2026-03-05"}
    assert api(mash).post(f"/api/v1/education-cases/{case_id}/enquiries/", body, format="json").status_code == 200


@pytest.mark.django_db(transaction=True)
def test_a_case_opens_outside_a_test_transaction_as_in_production(api, officer, child, signed_in):
    """Each test runs inside a transaction, so a service that locks rows without its own
    (`select_for_update` outside `atomic`) passes there and answers 500 in production, where each
    request autocommits. The API and the page open a case here with no transaction around them."""
    response = open_case(api, officer, child)
    assert response.status_code == 201, response.content
    assert EducationCase.objects.filter(child=child, closed_at__isnull=True).count() == 1
    assert open_case(api, officer, child).json()["child"] == ["This child already has an open missing education case."]

    other = ChildFactory(authority=child.authority, lead_agency=child.lead_agency)
    page = signed_in(officer).post("/education/new/", {
        "child": str(other.pk), "kind": "cme", "school": "Demo Academy", "first_day": "2026-03-02",
    })
    assert page.status_code == 302, page.content.decode()[:2000]
    assert EducationCase.objects.get(child=other).school == "Demo Academy"
