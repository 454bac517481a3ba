"""A MASH coordinator in headless Chromium: adds an establishment, records a child's placement by
another council on the child's page, and finds the child on the placed in and out page with the
owed notice to that council. axe-core on every page."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from casework.models import Deadline
from missing.models import LegalStatus
from missing.placements.clocks import PLACEMENT
from missing.services import episode_create
from tests.factories import ChildFactory

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("transactional_db")]


def test_mash_records_a_placement_and_sees_the_child_placed_in(page, live_server, sign_in, assert_accessible,
                                                               authority, mash):
    child = ChildFactory(authority=authority, given_name="Robin", family_name="Placedwell",
                         legal_status=LegalStatus.LOOKED_AFTER)
    sign_in(page, mash)
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Placed in and out").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Children placed in and out")
    assert_accessible(page)

    page.get_by_role("link", name="Placement providers").click()
    page.get_by_role("link", name="Add an establishment").click()
    assert_accessible(page)
    page.get_by_label("Name").fill("Alder House")
    page.get_by_role("radio", name="Children's home").check()
    page.get_by_label("Ofsted URN").fill("SC100200")
    page.get_by_role("button", name="Add establishment").click()
    expect(page.locator("#providers")).to_contain_text("Alder House")
    assert_accessible(page)

    page.goto(f"{live_server.url}/missing/children/{child.pk}/")
    page.get_by_text("Record a placement").click()
    page.get_by_label("Establishment").select_option(label="Alder House")
    page.get_by_label("Placement type").select_option(label="Children's home")
    page.get_by_label("Start date").fill((timezone.localdate() - timedelta(days=30)).isoformat())
    page.get_by_label("Responsible authority").fill("Farshire County Council")
    assert_accessible(page)
    page.get_by_role("button", name="Record placement").click()
    expect(page.get_by_role("alert")).to_contain_text("Placement recorded")
    expect(page.locator("#placement-history")).to_contain_text("Placed here by Farshire County Council")
    assert_accessible(page)

    start = timezone.now() - timedelta(hours=3)
    episode_create(actor=mash, child=child, category="missing", risk_level="high", location_type="care",
                   started_at=start, reported_at=start + timedelta(minutes=30))
    assert Deadline.objects.filter(subject_type=PLACEMENT, rule="N7M").count() == 1
    page.reload()
    expect(page.locator("#deadlines")).to_contain_text(re.compile("Farshire County Council told of a missing episode"))

    page.goto(f"{live_server.url}/placements/")
    row = page.locator(f"#child-{child.pk}")
    expect(row).to_contain_text("Placed in")
    expect(row).to_contain_text("Alder House")
    expect(page.locator("main")).to_contain_text("Missing episodes per establishment")
    assert_accessible(page)
