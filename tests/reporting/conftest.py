"""Seeded data for the reports. For the weekly list: a Monday before the Wednesday list, children
missing with their updates. For the dashboard and the quarterly report: synthetic children with
distinctive names, episodes in the quarter 2026-Q3 (July to September), the quarter before and the
same quarter a year before, a panel with a meeting, a rating and actions, and the people who read
the reports."""

from datetime import datetime, timedelta

import pytest
import time_machine

from casework.calendar import LONDON
from casework.clocks.services import clock_reconcile
from casework.models import AgencyKind, Role
from missing.clocks.kind import EPISODE
from missing import report_months
from missing.interviews.services import interviews_first_return_keep
from missing.models import MissingChildUpdate, ReturnInterview
from panels.models import Meeting, MeetingChild, Panel, PanelMember, Rating
from tests.factories import ChildFactory, EpisodeFactory, UserFactory

# A Monday; the list is due on Wednesday 11 March 2026 at 09:00.
MONDAY = datetime(2026, 3, 9, 10, 0, tzinfo=LONDON)


@pytest.fixture
def at_monday(time_machine):
    time_machine.move_to(MONDAY, tick=False)
    return time_machine


@pytest.fixture
def strategic(agencies):
    return UserFactory(username="board", agency=agencies[AgencyKind.CHILDRENS_SOCIAL_CARE], roles=[Role.STRATEGIC_READER])


@pytest.fixture
def chair(agencies):
    return UserFactory(username="chair", agency=agencies[AgencyKind.HEALTH], roles=[Role.PANEL_CHAIR])


@pytest.fixture
def missing_child(authority):
    def make(*, started_at, update=None, **child_fields):
        child = ChildFactory(authority=authority, **child_fields)
        episode = EpisodeFactory(child=child, started_at=started_at, risk_level=child_fields.pop("risk", "medium"))
        for written_at, position in update or []:
            MissingChildUpdate.objects.create(child=child, episode=episode, position=position, written_at=written_at)
        return child, episode

    return make

NOW = datetime(2026, 10, 15, 12, 0, tzinfo=LONDON)
DISTINCTIVE = [("Zebedee", "Quillfeather"), ("Marigold", "Thistlewood"), ("Peregrine", "Ombersley")]


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def at(day, hour=10):
    return datetime.fromisoformat(day).replace(hour=hour, tzinfo=LONDON)


def episode(child, start, *, hours=None, **fields):
    started = at(start)
    made = EpisodeFactory(child=child, started_at=started, reported_at=started + timedelta(hours=1),
                          returned_at=started + timedelta(hours=hours) if hours is not None else None, **fields)
    clock_reconcile(subject_type=EPISODE, subject_id=made.pk, now=started + timedelta(hours=2))
    return made


@pytest.fixture
def people(agencies):
    csc, health, police = (agencies[k] for k in (AgencyKind.CHILDRENS_SOCIAL_CARE, AgencyKind.HEALTH,
                                                 AgencyKind.POLICE))
    return {
        "chair": UserFactory(username="chair", agency=csc, roles=[Role.PANEL_CHAIR]),
        "member": UserFactory(username="member", agency=health, roles=[Role.PANEL_MEMBER]),
        "board": UserFactory(username="board", agency=police, roles=[Role.STRATEGIC_READER]),
        "outsider": UserFactory(username="outsider", agency=agencies[AgencyKind.HOUSING], roles=[Role.PANEL_MEMBER]),
        "staff": UserFactory(username="staff", agency=health, roles=[Role.AGENCY_STAFF]),
    }


@pytest.fixture
def seeded(frozen, authority, agencies, people, mash):
    """Q3 2026: 9 episodes of 3 children (6 of them in September); Q2: 5 episodes of 1 child;
    Q3 2025: 7 episodes of 1 child. One return interview completed within 72 hours, one late."""
    zeb, mari, pere = [
        ChildFactory(authority=authority, given_name=g, family_name=f, police_person_id=f"PPI-{f.upper()}")
        for g, f in DISTINCTIVE
    ]
    zeb.gender, zeb.legal_status, zeb.placed_by_other_authority = "female", "looked_after", True
    zeb.date_of_birth = datetime(2011, 12, 1).date()  # 14 in September 2026
    zeb.save()
    mari.gender, mari.home_area, mari.date_of_birth = "male", "ZZ9", datetime(2010, 1, 1).date()
    mari.save()
    zeb_episodes = [episode(zeb, f"2026-09-{day:02d}", hours=6, placement_provider="Larchfield House",
                            found_location="Bus station") for day in (1, 4, 8, 12, 16, 20)]
    mari_sept = episode(mari, "2026-09-10", hours=50, category="absent", found_location="bus station ")
    episode(mari, "2026-08-03", hours=100)
    episode(pere, "2026-07-20", category="away_without_authorisation")  # not back yet
    for day in (2, 6, 10, 14, 18):
        episode(mari, f"2026-05-{day:02d}", hours=3)
    for day in (1, 3, 5, 7, 9, 11, 13):
        episode(pere, f"2025-08-{day:02d}", hours=2)
    on_time = ReturnInterview.objects.create(child=zeb, state="completed", offered_at=at("2026-09-20", 17),
                                             held_at=at("2026-09-21", 12), push_factors=["placement_unhappy"],
                                             pull_factors=["friends", "older_associates"])
    on_time.episodes.add(zeb_episodes[-1])
    late = ReturnInterview.objects.create(child=mari, state="completed", offered_at=at("2026-09-12", 18),
                                          held_at=at("2026-09-20", 12), push_factors=["placement_unhappy"])
    late.episodes.add(mari_sept)
    interviews_first_return_keep([on_time, late])  # as the services keep it
    panel = Panel.objects.create(authority=authority, name="Northgate Exploitation Panel", chair=people["chair"])
    for kind in (AgencyKind.CHILDRENS_SOCIAL_CARE, AgencyKind.HEALTH, AgencyKind.POLICE):
        PanelMember.objects.create(panel=panel, agency=agencies[kind])
    june = Meeting.objects.create(panel=panel, starts_at=at("2026-06-10"), status="ended")
    august = Meeting.objects.create(panel=panel, starts_at=at("2026-08-12"), status="ended")
    for meeting in (june, august):
        MeetingChild.objects.create(meeting=meeting, child=zeb)
    Rating.objects.create(meeting=june, child=zeb, rating="amber", rationale="x", recorded_by=people["chair"],
                          recorded_at=at("2026-06-10", 11))
    Rating.objects.create(meeting=august, child=zeb, rating="red", rationale="y", recorded_by=people["chair"],
                          recorded_at=at("2026-08-12", 11))
    # The factories write episodes as seed_national's COPY does, past the services: fill the
    # dashboard's kept monthly figures the way it does, after the bulk.
    report_months.refresh()
    return {"children": [zeb, mari, pere], "panel": panel, "episodes": zeb_episodes}


def identifiers(children):
    """What must never reach a strategic reader: each child's names, id and police person id."""
    found = []
    for child in children:
        found += [child.given_name, child.family_name, str(child.pk), child.police_person_id]
    return found
