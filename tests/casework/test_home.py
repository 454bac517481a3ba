"""The core's registries for the home page and the navigation, with a toy panel: the core
renders what an app registers, logs the children a panel names, and refuses a clash."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from casework.home import CHILDREN_SHOWN, Count, register_home_panel, unregister_home_panel
from casework.models import RecordAccess, Role
from casework.navigation import Section, register_section
from casework.permissions import holds_role
from tests.factories import ChildFactory, NotificationFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def toy_panel(authority):
    """A panel as another app (actions, panels, reporting) registers one: for panel chairs, with a
    count that links to its screen and a child it names."""
    child = ChildFactory(authority=authority, given_name="Toy", family_name="Testpanel")

    def build(user, now):
        return {
            "counts": [Count(2, "meeting this week", "meetings this week", reverse("missing:child_list"))],
            CHILDREN_SHOWN: [child.pk],
        }

    register_home_panel(
        "toy", title="Your meetings", order=150, shows=lambda user: holds_role(user, Role.PANEL_CHAIR),
        build=build, template="casework/home/_counts.html",
    )
    yield child
    unregister_home_panel("toy")


def test_a_registered_panel_shows_to_its_role_and_its_children_are_logged(client, toy_panel, mash):
    chair = UserFactory(username="toychair", agency=mash.agency, roles=[Role.PANEL_CHAIR])
    client.force_login(chair)
    page = client.get(reverse("home")).content.decode()
    assert 'id="home-panel-toy-title">Your meetings</h2>' in page
    assert '<span class="casework-home-count">2</span> meetings this week</a>' in page
    assert list(RecordAccess.objects.filter(user=chair).values_list("child_id", flat=True)) == [toy_panel.pk]
    # Not live: the page polls only for the clocks' panels, and a poll never builds this one.
    live = client.get(reverse("home_live"), {"shown": "stale"}).content.decode()
    assert "home-panel-toy" not in live and "home-panel-inbox-body" in live

    client.force_login(mash)
    assert "Your meetings" not in client.get(reverse("home")).content.decode()


def test_a_panel_key_cannot_be_taken_twice(toy_panel):
    with pytest.raises(ValueError, match="registered twice"):
        register_home_panel("toy", title="Other", order=1, shows=bool, build=dict, template="x.html")


def test_a_section_is_in_the_sections_or_the_account_links():
    with pytest.raises(ValueError, match="area"):
        register_section(Section("odd", "Odd", "home", order=1, area="footer"))


def test_a_wait_under_an_hour_is_said_so(client, mash, authority):
    NotificationFactory(authority=authority, received_at=timezone.now() - timedelta(minutes=40))
    client.force_login(mash)
    page = client.get(reverse("home")).content.decode()
    assert "The oldest has waited less than an hour." in page
