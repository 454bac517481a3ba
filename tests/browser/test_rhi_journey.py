"""A return interview worker in headless Chromium: sign in, my interviews due, record an interview
with push and pull factors, pass the intelligence to the police. axe-core on every page."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from casework.models import AgencyKind, AuditEvent
from missing.interviews.services import return_interview_accept
from missing.models import InterviewState, ReturnInterview
from missing.services import episode_create, episode_update
from tests.factories import ChildFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("transactional_db")]


def test_rhi_worker_records_an_interview(page, live_server, sign_in, assert_accessible, authority, agencies, mash):
    rhi_worker = UserFactory(username="rhi.worker", agency=agencies[AgencyKind.RETURN_INTERVIEW_SERVICE])
    child = ChildFactory(authority=authority, given_name="Robin", family_name="Testwell")
    now = timezone.now()
    episode = episode_create(
        actor=mash, child=child, category="missing", started_at=now - timedelta(hours=30),
        reported_at=now - timedelta(hours=29), risk_level="medium", location_type="home",
    )
    episode_update(actor=mash, episode=episode, returned_at=now - timedelta(hours=20))
    interview = ReturnInterview.objects.get(child=child)
    return_interview_accept(actor=mash, interview=interview, interviewer=rhi_worker, interviewer_role="rhi_service")

    sign_in(page, rhi_worker)
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="My interviews due").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("My interviews due")
    row = page.get_by_role("row").filter(has_text="Robin Testwell")
    expect(row).to_contain_text("Due in 2 days 3 hours")
    assert_accessible(page)

    row.get_by_role("link", name="Robin Testwell").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Return home interview")
    assert_accessible(page)

    page.get_by_role("link", name="Record the interview").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Record the return home interview")
    assert_accessible(page)

    page.get_by_role("button", name="Save the interview").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("This field is required.")
    assert_accessible(page)

    page.get_by_label("When the interview was held").fill(timezone.localtime(now - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"))
    page.get_by_label("Arguments or conflict at home or placement").check()
    page.get_by_label("Wanting to be with friends").check()
    page.get_by_label("Older associates or adults").check()
    page.get_by_label("Where the child was, and with whom").fill("At a friend's flat.")
    page.get_by_label("The child's own words").fill("I wanted space after the row at home.")
    page.get_by_label("Intelligence to pass to the police").fill("Older youths meet at the flat above the shop.")
    page.get_by_role("button", name="Save the interview").click()

    expect(page.get_by_role("alert")).to_contain_text("saved")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Completed")
    expect(page.locator("main")).to_contain_text("Older associates or adults")
    expect(page.locator("main")).to_contain_text("I wanted space after the row at home.")
    assert_accessible(page)

    page.get_by_role("button", name="Pass the intelligence to the police").click()
    expect(page.get_by_role("alert")).to_contain_text("passed to the police")
    assert_accessible(page)

    interview.refresh_from_db()
    assert interview.state == InterviewState.COMPLETED
    assert interview.push_factors == ["conflict_at_home"]
    assert interview.pull_factors == ["friends", "older_associates"]
    assert AuditEvent.objects.filter(verb="return_interview.intelligence_shared", actor=rhi_worker).count() == 1

    page.get_by_role("navigation", name="Menu").get_by_role("link", name="My interviews due").click()
    expect(page.locator("main")).to_contain_text("No interviews are due from you.")
    assert_accessible(page)
