"""A MASH coordinator in headless Chromium: the due and overdue list, recording a duty done (with
a GOV.UK error first), and the inbox. axe-core on every page."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from casework.clocks.services import deadlines_sweep
from casework.models import Deadline, NoticeRecipient, NoticeRole
from missing.models import LegalStatus
from missing.services import episode_create, episode_update
from tests.factories import ChildFactory

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("transactional_db")]


def test_coordinator_completes_a_deadline_and_it_leaves_the_due_list(
    page, live_server, sign_in, assert_accessible, authority, mash
):
    NoticeRecipient.objects.create(authority=authority, role=NoticeRole.IRO, user=mash)
    child = ChildFactory(authority=authority, given_name="Sky", family_name="Testcase",
                         legal_status=LegalStatus.LOOKED_AFTER)
    now = timezone.now()
    episode_create(actor=mash, child=child, category="missing", started_at=now - timedelta(hours=2),
                   reported_at=now - timedelta(hours=2), risk_level="high", location_type="care")
    deadlines_sweep()

    sign_in(page, mash)
    menu = page.get_by_role("navigation", name="Menu")
    expect(menu.get_by_role("link", name="Inbox (1 unread)")).to_be_visible()
    menu.get_by_role("link", name="Due and overdue").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Due and overdue")
    row = page.get_by_role("row").filter(has_text="Case passed for assessment")
    expect(row).to_contain_text("Sky Testcase")
    expect(row).to_contain_text(re.compile(r"due in 2 days 2[12] hours"))
    expect(row).to_contain_text("T12, 3 days from the start, Waltham Forest practice guidance §10")
    assert_accessible(page)

    row.get_by_role("link", name="Record as done").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Record as done: Case passed for assessment")
    assert_accessible(page)
    page.get_by_role("button", name="Record as done").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("This field is required.")
    assert_accessible(page)

    page.get_by_label("What was done").fill("Passed to the assessment team on duty.")
    page.get_by_role("button", name="Record as done").click()
    expect(page.get_by_role("alert")).to_contain_text("is recorded as done")
    expect(page.get_by_role("row").filter(has_text="Case passed for assessment")).to_have_count(0)
    expect(page.get_by_role("row").filter(has_text="Missing from care meeting")).to_have_count(1)
    assert_accessible(page)
    assert Deadline.objects.get(child_id=child.pk, rule="T12").completed_by == mash

    menu.get_by_role("link", name="Inbox (1 unread)").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Inbox")
    assert_accessible(page)
    page.get_by_role("button", name="Acknowledge").click()
    expect(page.get_by_role("alert")).to_contain_text("Acknowledged")
    expect(page.get_by_role("navigation", name="Menu").get_by_role("link", name="Inbox", exact=True)).to_be_visible()
    assert_accessible(page)


def test_coordinator_completes_a_deadline_from_the_child_page(page, live_server, sign_in, assert_accessible, authority, mash):
    child = ChildFactory(authority=authority, given_name="Rue", family_name="Chipcase")
    now = timezone.now()
    episode = episode_create(actor=mash, child=child, category="missing", started_at=now - timedelta(hours=30),
                             reported_at=now - timedelta(hours=29), risk_level="medium", location_type="home")
    episode_update(actor=mash, episode=episode, returned_at=now - timedelta(hours=2))

    sign_in(page, mash)
    page.goto(f"{live_server.url}/missing/children/{child.pk}/")
    deadlines = page.locator("#deadlines")
    chip = deadlines.get_by_role("listitem").filter(has_text="T1, 72 hours from")
    expect(chip).to_contain_text(re.compile(r"due in 2 days 2[12] hours"))
    expect(chip).to_contain_text("T1, 72 hours from the return, Waltham Forest practice guidance §9")
    assert_accessible(page)

    chip.get_by_role("link", name=re.compile("Record as done")).click()
    assert_accessible(page)
    page.get_by_label("What was done").fill("Interview held at school with the RHI worker.")
    page.get_by_role("button", name="Record as done").click()
    expect(page).to_have_url(f"{live_server.url}/missing/children/{child.pk}/")
    expect(page.get_by_role("alert")).to_contain_text("is recorded as done")
    expect(page.locator("#deadlines").get_by_role("listitem").filter(has_text="T1, 72 hours from")).to_have_count(0)
    assert_accessible(page)

    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Due and overdue").click()
    expect(page.get_by_role("row").filter(has_text="Rue Chipcase").filter(has_text="T1")).to_have_count(0)
    assert Deadline.objects.get(child_id=child.pk, rule="T1").status == "done"
