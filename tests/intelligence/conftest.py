from datetime import date, timedelta

import pytest
from django.utils import timezone

from casework.models import AgencyKind, Role
from intelligence import services
from intelligence.models import EndType
from missing.interviews.services import interviews_first_return_keep, return_interview_accept, return_interview_complete
from missing.models import ReturnInterview
from missing.services import episode_create, episode_update
from panels.services import panel_create
from tests.factories import ChildFactory, UserFactory


@pytest.fixture
def people(agencies):
    csc, health, police, housing = (agencies[k] for k in (AgencyKind.CHILDRENS_SOCIAL_CARE, AgencyKind.HEALTH,
                                                          AgencyKind.POLICE, AgencyKind.HOUSING))
    return {
        "chair": UserFactory(username="chair", agency=csc, roles=[Role.PANEL_CHAIR, Role.PANEL_MEMBER]),
        "officer": UserFactory(username="officer", agency=police, roles=[Role.PANEL_MEMBER]),
        "nurse": UserFactory(username="nurse", agency=health, roles=[Role.PANEL_MEMBER]),
        "outsider": UserFactory(username="outsider", agency=housing, roles=[Role.PANEL_MEMBER]),
        "staff": UserFactory(username="healthstaff", agency=health, roles=[Role.AGENCY_STAFF]),
        "reader": UserFactory(username="reader", agency=csc, roles=[Role.STRATEGIC_READER]),
    }


@pytest.fixture
def panel(people, agencies, authority):
    return panel_create(
        actor=people["chair"], authority=authority, name="Exploitation Group", frequency="monthly",
        member_agencies=[agencies[k] for k in (AgencyKind.CHILDRENS_SOCIAL_CARE, AgencyKind.HEALTH, AgencyKind.POLICE)],
    )


@pytest.fixture
def world(panel, people, authority, agencies, mash):
    """A place (found at twice: by postcode, and in a return interview by address), an adult, two
    children (one led by children's social care, seen by its staff; one the police cannot see),
    associations of each kind, and disruption."""
    officer = people["officer"]
    seen = ChildFactory(authority=authority, given_name="Robin", family_name="Testwell",
                        lead_agency=agencies[AgencyKind.POLICE])
    unseen = ChildFactory(authority=authority, given_name="Quinn", family_name="Sampleford",
                          lead_agency=agencies[AgencyKind.EARLY_HELP])
    place = services.place_create(actor=people["chair"], panel=panel, name="Station Road hotel", kind="hotel",
                                  address="14 Station Road", postcode="dm1 4qt")
    other_place = services.place_create(actor=people["chair"], panel=panel, name="Riverside park", kind="park",
                                        address="Riverside park")
    adult = services.person_create(actor=officer, panel=panel, name="Dale Example", role="alleged_perpetrator")
    now = timezone.now()
    first = episode_create(actor=mash, child=seen, category="missing", started_at=now - timedelta(days=9),
                           reported_at=now - timedelta(days=9), risk_level="high", location_type="home")
    episode_update(actor=mash, episode=first, returned_at=now - timedelta(days=8),
                   found_location="Outside the hotel, DM1 4QT")
    second = episode_create(actor=mash, child=unseen, category="missing", started_at=now - timedelta(days=5),
                            reported_at=now - timedelta(days=5), risk_level="medium", location_type="home")
    episode_update(actor=mash, episode=second, returned_at=now - timedelta(days=4), found_location="A friend's flat")
    elsewhere = episode_create(actor=mash, child=unseen, category="missing", started_at=now - timedelta(days=3),
                               reported_at=now - timedelta(days=3), risk_level="low", location_type="home")
    episode_update(actor=mash, episode=elsewhere, returned_at=now - timedelta(days=2), found_location="Town centre")
    # The interview, held for the second episode only, says where the child stayed.
    interview = ReturnInterview.objects.get(child=unseen)
    interview.episodes.set([second])
    interviews_first_return_keep([interview])  # as the services keep it
    return_interview_accept(actor=mash, interview=interview, interviewer=people["nurse"], interviewer_role="health")
    return_interview_complete(actor=mash, interview=interview, held_at=now - timedelta(days=1),
                              where_and_with_whom="Stayed at 14 station road. with an older man",
                              voice_of_child="Said they were fine.")

    grade = {"source_evaluation": "2", "intelligence_evaluation": "B", "handling": "P"}
    today = date.today()
    links = {
        "child_adult": services.association_create(
            actor=officer, panel=panel, first=(EndType.PERSON, adult), second=(EndType.CHILD, seen),
            nature="gets lifts from", source="Return home interview", source_date=today - timedelta(days=3), **grade),
        "child_child": services.association_create(
            actor=officer, panel=panel, first=(EndType.CHILD, seen), second=(EndType.CHILD, unseen),
            nature="go missing together", source="Police log", source_date=today - timedelta(days=2), **grade),
        "child_place": services.association_create(
            actor=officer, panel=panel, first=(EndType.CHILD, unseen), second=(EndType.PLACE, place),
            nature="taken to", source="Youth worker", source_date=today - timedelta(days=1), **grade),
        "adult_place": services.association_create(
            actor=officer, panel=panel, first=(EndType.PERSON, adult), second=(EndType.PLACE, place),
            nature="books rooms at", source="Hotel manager", source_date=today, **grade),
    }
    disruption = services.disruption_create(
        actor=people["chair"], panel=panel, place=place, description="Hotel-watch visit",
        owner_agency=agencies[AgencyKind.POLICE], owner=officer, planned_for=today + timedelta(days=4))
    return {"seen": seen, "unseen": unseen, "place": place, "other_place": other_place, "adult": adult,
            "links": links, "disruption": disruption, "episodes": [first, second, elsewhere]}
