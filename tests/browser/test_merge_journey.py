"""A MASH coordinator in headless Chromium sees a likely duplicate, compares the two records, picks the
values to keep, merges them and lands on the merged record (N3). axe-core on every page."""

from datetime import date

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from casework.models import AuditEvent
from missing.models import Child
from tests.factories import ChildFactory

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("transactional_db")]


def test_coordinator_merges_a_likely_duplicate(page, live_server, sign_in, assert_accessible, authority, mash):
    kept = ChildFactory(authority=authority, given_name="Jayden", family_name="Okafor", date_of_birth=date(2012, 4, 9))
    duplicate = ChildFactory(authority=authority, given_name="Jaden", family_name="Okafor",
                             date_of_birth=date(2012, 4, 9), police_person_id="PP-77")
    ChildFactory(authority=authority, given_name="Kai", family_name="Brennan", date_of_birth=date(2012, 4, 9))

    sign_in(page, mash)
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Possible duplicates").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Possible duplicates")
    expect(page.locator("main")).to_contain_text("same date of birth; similar name")
    expect(page.locator("main")).not_to_contain_text("Kai Brennan")
    assert_accessible(page)

    page.get_by_role("link", name="Jayden Okafor", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Jayden Okafor")
    duplicates = page.locator("#possible-duplicates")
    expect(duplicates).to_contain_text("Jaden Okafor")
    assert_accessible(page)

    duplicates.get_by_role("link", name="Compare and merge").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Compare and merge")
    assert_accessible(page)
    page.get_by_role("group", name="Given name").get_by_label("Jaden (other record)").check()
    page.get_by_role("group", name="Police person id").get_by_label("PP-77 (other record)").check()
    page.get_by_role("button", name="Merge the records").click()

    expect(page.get_by_role("alert")).to_contain_text("merged into this one")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Jaden Okafor")
    expect(page.locator("main")).to_contain_text("PP-77")
    expect(page.locator("#possible-duplicates")).to_have_count(0)
    assert page.url == live_server.url + reverse("missing:child_detail", args=[kept.pk])
    assert_accessible(page)

    page.goto(live_server.url + reverse("missing:child_detail", args=[duplicate.pk]))
    assert page.url == live_server.url + reverse("missing:child_detail", args=[kept.pk])
    expect(page.locator("main")).to_contain_text("merged into this one")
    assert Child.objects.get(pk=duplicate.pk).merged_into_id == kept.pk
    assert AuditEvent.objects.filter(verb="child.merged", actor=mash).count() == 1
