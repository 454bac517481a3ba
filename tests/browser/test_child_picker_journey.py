"""The referral form in headless Chromium: the MASH coordinator finds the child with the search box,
picks them, and the form (search, refusal, chosen child) passes axe-core."""

import pytest
from playwright.sync_api import expect

from tests.factories import ChildFactory

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("transactional_db")]


def test_the_coordinator_finds_and_picks_the_child(page, live_server, sign_in, assert_accessible, authority, mash):
    child = ChildFactory(authority=authority, given_name="Robin", family_name="Searchable")
    ChildFactory(authority=authority, given_name="Other", family_name="Unrelated")
    sign_in(page, mash)
    page.goto(f"{live_server.url}/panels/referrals/new/")
    page.get_by_role("button", name="Send the referral").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Choose the child")
    assert_accessible(page)
    page.get_by_role("searchbox", name="Find the child").fill("searchable")
    page.get_by_role("button", name="Search").click()
    expect(page.locator("#child-results")).to_contain_text("Robin Searchable")
    expect(page.locator("#child-results")).not_to_contain_text("Other Unrelated")
    assert_accessible(page)
    page.get_by_role("link", name="Robin Searchable").click()
    expect(page.locator("#chosen-child")).to_contain_text("Robin Searchable")
    assert page.locator("#id_child_value").input_value() == str(child.pk)
    assert_accessible(page)
