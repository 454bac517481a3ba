"""A panel meeting in headless Chromium: the chair takes attendance, members agree confidentiality,
the chair rates a child without leaving the page, a second member sees the rating appear, and the
minutes are there when the chair ends the meeting; then the suggested list. axe-core on every page."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from casework.models import AgencyKind, Role
from panels import services
from tests.factories import ChildFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("transactional_db")]


def test_the_chair_runs_a_meeting(page, browser, live_server, sign_in, assert_accessible, authority, agencies):
    chair = UserFactory(username="chairperson", first_name="Casey", last_name="Chair",
                        agency=agencies[AgencyKind.CHILDRENS_SOCIAL_CARE], roles=[Role.PANEL_CHAIR])
    nurse = UserFactory(username="nurse", first_name="Nia", last_name="Nurse",
                        agency=agencies[AgencyKind.HEALTH], roles=[Role.PANEL_MEMBER])
    officer = UserFactory(username="officer", agency=agencies[AgencyKind.POLICE], roles=[Role.PANEL_MEMBER])
    panel = services.panel_create(
        actor=chair, authority=authority, name="Missing Operational Group", frequency="monthly",
        member_agencies=[agencies[k] for k in (AgencyKind.CHILDRENS_SOCIAL_CARE, AgencyKind.HEALTH, AgencyKind.POLICE)],
    )
    meeting = services.meeting_create(actor=chair, panel=panel, starts_at=timezone.now() + timedelta(hours=1))
    child = ChildFactory(authority=authority, given_name="Robin", family_name="Panelcase")
    services.meeting_list_child(actor=chair, meeting=meeting, child=child)

    sign_in(page, chair)
    page.goto(f"{live_server.url}/panels/meetings/{meeting.pk}/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Agenda")
    expect(page.get_by_text("Not quorate")).to_be_visible()
    assert_accessible(page)
    for member in ("Casey Chair", "Nia Nurse"):
        page.get_by_role("button", name=re.compile(f"^Present.*{member}$")).click()
        expect(page.locator("#agenda-status")).to_contain_text(f"{member}")
    expect(page.locator("#agenda-status")).to_contain_text("Nia NurseDemo HealthPresent")
    page.get_by_label(re.compile(f"Written update with the apology.*{officer.username}")).fill(
        "No new intelligence this month")
    page.get_by_role("button", name=re.compile(f"^Apologies.*{officer.username}$")).click()
    expect(page.locator("#agenda-status")).to_contain_text("No new intelligence this month")
    page.get_by_role("button", name="I agree to the confidentiality statement").click()
    expect(page.locator("#child-" + str(child.pk))).to_be_visible()
    assert_accessible(page)

    member_context = browser.new_context()
    member_page = member_context.new_page()
    sign_in(member_page, nurse)
    member_page.goto(f"{live_server.url}/panels/meetings/{meeting.pk}/")
    member_page.get_by_role("button", name="I agree to the confidentiality statement").click()
    expect(member_page.locator(f"#child-{child.pk}")).to_contain_text("Robin Panelcase")
    assert_accessible(member_page)

    url_before = page.url
    card = page.locator(f"#child-{child.pk}")
    card.get_by_label("Red").check()
    card.get_by_label("Why").fill("Missing every weekend, older associates")
    card.get_by_role("button", name="Record the rating").click()
    expect(page.locator(f"#rating-{child.pk} [data-rating]")).to_have_text("Red")
    assert page.url == url_before  # recorded in place, no navigation
    expect(member_page.locator(f"#rating-{child.pk} [data-rating]")).to_have_text("Red", timeout=15000)
    card.get_by_label("What is to be done").fill("Safety plan with the carers")
    card.get_by_label("How everyone will know it is done").fill("Plan signed by the carers")
    card.get_by_label("Owner agency").select_option(label="Demo Health")
    card.get_by_label("Due by").fill((timezone.localdate() + timedelta(days=14)).isoformat())
    card.get_by_role("button", name="Add the action").click()
    expect(page.locator(f"#actions-{child.pk}")).to_contain_text("Safety plan with the carers")
    assert page.url == url_before
    expect(member_page.locator(f"#actions-{child.pk}")).to_contain_text("Safety plan with the carers", timeout=15000)
    member_context.close()

    page.get_by_role("button", name="End the meeting").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Minutes and action summary")
    expect(page.locator("main")).to_contain_text("Missing every weekend, older associates")
    expect(page.locator("main")).to_contain_text("Nia Nurse")
    expect(page.locator("main")).to_contain_text("Safety plan with the carers")
    assert_accessible(page)

    # The coordinator's suggested list, a page of its own (issue 13): linked from the panel's page.
    page.goto(f"{live_server.url}/panels/{panel.pk}/")
    page.get_by_role("link", name="see the suggested children and list them").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Suggested for the next meeting")
    expect(page.locator("main")).to_contain_text("suggested")
    assert_accessible(page)
