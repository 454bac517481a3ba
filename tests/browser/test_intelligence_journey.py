"""A panel member in headless Chromium opens the panel's intelligence, sees where children are
found, opens the network around a place (drawn, and tabled beside it), records who else is linked
there, and follows a link from the drawing to a child's page. axe-core on every page."""

import re
from datetime import date, timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from casework.models import AgencyKind, Role
from intelligence import services
from intelligence.models import EndType
from missing.services import episode_create, episode_update
from panels.services import meeting_create, meeting_list_child, panel_create
from tests.factories import ChildFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("transactional_db")]


def test_a_panel_member_follows_the_network_of_a_place_to_a_child(
    page, live_server, sign_in, assert_accessible, authority, agencies, mash
):
    police = agencies[AgencyKind.POLICE]
    chair = UserFactory(username="panel.chair", agency=agencies[AgencyKind.CHILDRENS_SOCIAL_CARE],
                        roles=[Role.PANEL_CHAIR, Role.PANEL_MEMBER])
    officer = UserFactory(username="panel.officer", agency=police, roles=[Role.PANEL_MEMBER, Role.AGENCY_STAFF])
    panel = panel_create(actor=chair, authority=authority, name="Exploitation Group", frequency="monthly",
                         member_agencies=[agencies[AgencyKind.CHILDRENS_SOCIAL_CARE], police])
    robin = ChildFactory(authority=authority, given_name="Robin", family_name="Testwell", lead_agency=police)
    sam = ChildFactory(authority=authority, given_name="Sam", family_name="Sampleford", lead_agency=police)
    now = timezone.now()
    meeting = meeting_create(actor=chair, panel=panel, starts_at=now + timedelta(days=10))
    meeting_list_child(actor=chair, meeting=meeting, child=sam)  # the panel's children are offered in the form
    episode = episode_create(actor=mash, child=robin, category="missing", started_at=now - timedelta(days=6),
                             reported_at=now - timedelta(days=6), risk_level="high", location_type="home")
    episode_update(actor=mash, episode=episode, returned_at=now - timedelta(days=5),
                   found_location="Car park behind the hotel, DM1 4QT")
    hotel = services.place_create(actor=chair, panel=panel, name="Station Road hotel", kind="hotel",
                                  address="14 Station Road", postcode="DM1 4QT")
    adult = services.person_create(actor=officer, panel=panel, name="Dale Example", role="alleged_perpetrator")
    services.association_create(actor=officer, panel=panel, first=(EndType.PERSON, adult),
                                second=(EndType.PLACE, hotel), nature="books rooms at", source="Hotel manager",
                                source_date=date.today() - timedelta(days=2), source_evaluation="2",
                                intelligence_evaluation="B", handling="P")

    sign_in(page, officer)
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Intelligence").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Intelligence")
    assert_accessible(page)
    page.get_by_role("link", name="Exploitation Group").click()
    places = page.locator("#places")
    expect(places.get_by_role("row", name=re.compile("Station Road hotel"))).to_contain_text("1")
    assert_accessible(page)

    places.get_by_role("link", name="Station Road hotel").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Station Road hotel")
    expect(page.locator("#episode-count")).to_have_text("1")
    links = page.locator("#links")
    expect(links).to_contain_text("Dale Example")
    expect(links).to_contain_text("Found here (1 episode)")
    assert_accessible(page)

    page.get_by_role("button", name="Link someone to this place").click()
    page.get_by_label("Who").select_option(label="Sam Sampleford (child)")
    page.get_by_label("What links them").fill("seen going in with an older man")
    page.get_by_label("Source", exact=True).fill("Police patrol")
    page.get_by_label("Date of the intelligence").fill(date.today().isoformat())
    page.get_by_role("radio", name="2: Untested").check()
    page.get_by_role("radio", name="C: Known indirectly to the source").check()
    page.get_by_role("radio", name="P: Lawful sharing permitted", exact=True).check()
    assert_accessible(page)
    page.get_by_role("button", name="Record the association").click()

    expect(page.get_by_role("alert")).to_contain_text("The association is recorded.")
    expect(page.locator("#links")).to_contain_text("seen going in with an older man")
    drawing = page.locator("svg")
    expect(drawing.locator("a")).to_have_count(4)  # the hotel, Robin, Sam and Dale
    assert_accessible(page)
    drawing.get_by_role("link", name="Robin Testwell (child)").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Robin Testwell")
    expect(page.locator("main")).not_to_contain_text("Station Road hotel")
    assert_accessible(page)
