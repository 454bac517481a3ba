"""A MASH coordinator in headless Chromium: creates a looked-after child's missing person profile
with a photo, adds a missing-child update on the child's page, then records a discussion at the
daily risk management meeting. axe-core on every page."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from casework.models import AgencyKind
from missing.demo import demo_photo
from missing.models import DailyRiskDiscussion, LegalStatus, MissingPersonProfile
from tests.factories import ChildFactory, EpisodeFactory, NotificationFactory

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("transactional_db")]


def test_profile_update_and_daily_meeting(page, live_server, sign_in, assert_accessible, authority, agencies, mash):
    child = ChildFactory(authority=authority, given_name="Sky", family_name="Testprofile",
                         legal_status=LegalStatus.LOOKED_AFTER, lead_agency=agencies[AgencyKind.CHILDRENS_SOCIAL_CARE])
    EpisodeFactory(child=child, risk_level="high", started_at=timezone.now() - timedelta(hours=3))
    NotificationFactory(authority=authority, risk_level="high", child=child,
                        received_at=timezone.now() - timedelta(hours=2))

    sign_in(page, mash)
    page.goto(f"{live_server.url}/missing/children/{child.pk}/")
    page.get_by_text("Add an update: latest position and actions to locate").click()
    page.get_by_label("Latest position").fill("Seen at the bus station at noon")
    assert_accessible(page)
    page.get_by_role("button", name="Record the update").click()
    expect(page.locator("#missing-update")).to_contain_text("Seen at the bus station at noon")

    page.get_by_role("link", name="Missing person profile").click()
    assert_accessible(page)
    page.get_by_role("button", name="Create the profile").click()
    page.get_by_label("Hair").fill("Curly, black")
    page.get_by_label("Medical needs").fill("Epilepsy: medication morning and evening")
    page.get_by_label("Recent photo (optional)").set_input_files(
        files=[{"name": "photo.png", "mimeType": "image/png", "buffer": demo_photo((10, 120, 200))}]
    )
    assert_accessible(page)
    page.get_by_role("button", name="Save the profile").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Missing person profile")
    expect(page.get_by_role("img", name="Photo of Sky Testprofile")).to_be_visible()
    expect(page.locator("main")).to_contain_text("Epilepsy: medication morning and evening")
    assert_accessible(page)
    assert MissingPersonProfile.objects.get(child=child).hair == "Curly, black"

    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Daily risk meeting").click()
    expect(page.locator("#notifications")).to_contain_text("(1)")
    assert_accessible(page)
    page.get_by_label("Child discussed").select_option(label=f"Sky Testprofile (born {child.date_of_birth:%d %b %Y})")
    page.get_by_role("radio", name="Strategy meeting to be held").check()
    page.get_by_label("Decision and actions").fill("Strategy meeting at 14:00 today")
    page.get_by_role("button", name="Record the decision").click()
    expect(page.locator("#discussed")).to_contain_text("(1)")
    expect(page.locator("main")).to_contain_text("Strategy meeting at 14:00 today")
    assert_accessible(page)
    assert DailyRiskDiscussion.objects.get().child == child
