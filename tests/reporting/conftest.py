from datetime import datetime

import pytest

from casework.calendar import LONDON
from casework.models import AgencyKind, Role
from missing.models import MissingChildUpdate
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
