"""An agency worker in headless Chromium: signs in, finds the action on My actions, adds an update
with evidence and completes it in place; the chair then sees it done on the action tracker.
axe-core on every page."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from actions.models import Action
from actions.services import action_create
from casework.calendar import local_date
from casework.models import AgencyKind, Role
from tests.factories import ChildFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("transactional_db")]

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def test_an_agency_worker_completes_an_action_and_the_chair_sees_it_done(
    page, live_server, sign_in, assert_accessible, authority, agencies, mash, settings, tmp_path
):
    settings.ACTION_EVIDENCE_ROOT = tmp_path / "evidence"
    health = agencies[AgencyKind.HEALTH]
    manager = UserFactory(username="health.manager", agency=health)
    worker = UserFactory(username="health.worker", agency=health, line_manager=manager)
    chair = UserFactory(username="panel.chair", agency=agencies[AgencyKind.CHILDRENS_SOCIAL_CARE],
                        roles=[Role.PANEL_CHAIR, Role.PANEL_MEMBER])
    child = ChildFactory(authority=authority, given_name="Robin", family_name="Testwell",
                         lead_agency=agencies[AgencyKind.CHILDRENS_SOCIAL_CARE])
    action = action_create(
        actor=chair, child=child, owner_agency=health, owner=worker,
        description="Book a sexual health appointment", success_measure="Appointment booked and attended",
        due_date=local_date(timezone.now()) + timedelta(days=3),
    )

    sign_in(page, worker)
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="My actions").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("My actions")
    card = page.locator(f"#action-{action.pk}")
    expect(card).to_contain_text("Robin Testwell")
    expect(card).to_contain_text("Book a sexual health appointment")
    assert_accessible(page)

    card.get_by_text("Update or complete").click()
    card.get_by_label("What has been done").fill("Appointment booked for Friday; the child has the date.")
    card.get_by_role("radio", name="Done").check()
    card.get_by_label("Evidence (optional)").set_input_files(
        files=[{"name": "booking.pdf", "mimeType": "application/pdf", "buffer": PDF}]
    )
    assert_accessible(page)
    card.get_by_role("button", name=re.compile("^Save")).click()

    expect(page.get_by_role("alert")).to_contain_text("recorded as done")
    expect(page.locator("main")).to_contain_text("You and your agency have no open actions.")
    assert_accessible(page)
    action.refresh_from_db()
    assert action.status == "done"
    assert action.evidence.get().original_name == "booking.pdf"

    page.get_by_role("button", name=re.compile("Sign out")).click()
    sign_in(page, chair)
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Action tracker").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Action tracker")
    row = page.locator("#actions").get_by_role("row").filter(has_text="Book a sexual health appointment")
    expect(row).to_contain_text("Done")
    expect(row).to_contain_text("Robin Testwell")
    assert_accessible(page)

    row.get_by_role("link", name="Book a sexual health appointment").click()
    expect(page.locator("#timeline")).to_contain_text("Appointment booked for Friday")
    expect(page.locator("#timeline")).to_contain_text("booking.pdf")
    assert_accessible(page)
    assert Action.objects.filter(status="done").count() == 1


def test_a_strategy_meeting_is_recorded_with_its_support_plan(
    page, live_server, sign_in, assert_accessible, authority, agencies, mash
):
    from casework.models import Deadline
    from missing.clocks.kind import EPISODE
    from missing.services import episode_create

    child = ChildFactory(authority=authority, given_name="Sasha", family_name="Testmeet")
    started = timezone.now() - timedelta(hours=6)
    episode_create(actor=mash, child=child, category="missing", risk_level="high", location_type="home",
                   started_at=started, reported_at=started + timedelta(minutes=20), significant_harm=True)

    sign_in(page, mash)
    page.goto(f"{live_server.url}/missing/children/{child.pk}/")
    page.get_by_role("link", name="Meetings and actions").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Meetings and actions")
    assert_accessible(page)
    page.get_by_role("button", name="Record a meeting").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Record a meeting")
    assert_accessible(page)

    page.get_by_role("button", name="Save the meeting").click()
    expect(page.locator(".govuk-error-summary")).to_be_visible()
    assert_accessible(page)

    page.get_by_label("Missing strategy meeting").check()
    page.get_by_label("When it was held").fill(timezone.localtime(timezone.now() - timedelta(hours=1)).strftime(
        "%Y-%m-%dT%H:%M"))
    page.get_by_label("Who attended").fill("Sam Lee, missing persons officer, Police\nJo Park, social worker, CSC")
    page.get_by_label("High: at risk of significant harm").check()
    page.get_by_label("Sexual exploitation").check()
    page.get_by_label("Risk assessment").fill("Seen with older men at the station.")
    page.get_by_label("Decisions").fill("Section 47 enquiry starts.")
    page.get_by_label("Yes").check()
    page.get_by_role("button", name="Save the meeting").click()

    expect(page.get_by_role("alert")).to_contain_text("deadline T2 is done")
    expect(page.get_by_role("heading", level=1)).to_have_text("Missing strategy meeting")
    assert_accessible(page)
    assert Deadline.objects.filter(subject_type=EPISODE, child_id=child.pk, rule="T13", status="open").exists()

    page.get_by_role("button", name="Add an action to the support plan").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Agree an action")
    assert_accessible(page)
    page.get_by_label("What is to be done").fill("Refer to the exploitation service")
    page.get_by_label("How we will know it is done").fill("Referral accepted")
    page.get_by_label("Owner agency").select_option(label="Demo Children's social care")
    page.get_by_label("Due by").fill((local_date(timezone.now()) + timedelta(days=5)).isoformat())
    page.get_by_role("button", name="Agree the action").click()
    expect(page.locator("main")).to_contain_text("Refer to the exploitation service")
    assert_accessible(page)
