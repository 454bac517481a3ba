"""People and an action for the actions app's tests: a health worker whose line manager has a
manager of their own (P15's two steps), a chair, and a child the MASH leads."""

from datetime import date, datetime

import pytest

from actions.services import action_create
from casework.calendar import LONDON
from casework.models import AgencyKind, Role
from tests.factories import ChildFactory, UserFactory

# A Monday in term: P15's first step falls due at the end of Wednesday 4 March, the second five
# working days later, at the end of Wednesday 11 March.
MONDAY = datetime(2026, 3, 2, 10, 0, tzinfo=LONDON)
DUE = date(2026, 3, 4)
THURSDAY_9AM = datetime(2026, 3, 5, 9, 0, tzinfo=LONDON)  # P15's first step has fired


@pytest.fixture
def at_monday(time_machine):
    time_machine.move_to(MONDAY, tick=False)
    return time_machine


@pytest.fixture
def people(agencies):
    health = agencies[AgencyKind.HEALTH]
    director = UserFactory(username="director", agency=health, roles=[Role.AGENCY_STAFF])
    manager = UserFactory(username="manager", agency=health, roles=[Role.AGENCY_STAFF], line_manager=director)
    worker = UserFactory(username="worker", agency=health, roles=[Role.AGENCY_STAFF], line_manager=manager)
    colleague = UserFactory(username="colleague", agency=health, roles=[Role.AGENCY_STAFF])
    chair = UserFactory(username="chair", agency=agencies[AgencyKind.CHILDRENS_SOCIAL_CARE],
                        roles=[Role.PANEL_CHAIR, Role.PANEL_MEMBER])
    outsider = UserFactory(username="outsider", agency=agencies[AgencyKind.EDUCATION], roles=[Role.AGENCY_STAFF])
    return {"director": director, "manager": manager, "worker": worker, "colleague": colleague, "chair": chair,
            "outsider": outsider, "health": health}


@pytest.fixture
def child(authority, agencies):
    return ChildFactory(authority=authority, lead_agency=agencies[AgencyKind.CHILDRENS_SOCIAL_CARE])


@pytest.fixture
def make_action(mash, child, people):
    def make(**fields):
        values = {
            "actor": mash,
            "child": child,
            "owner_agency": people["health"],
            "owner": people["worker"],
            "description": "Arrange a sexual health appointment",
            "success_measure": "The appointment is booked and the child has the date",
            "due_date": DUE,
        }
        values.update(fields)
        return action_create(**values)

    return make


@pytest.fixture
def action(at_monday, make_action):
    return make_action()
