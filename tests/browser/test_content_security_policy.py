"""The Content-Security-Policy in Chromium: GOV.UK Frontend starts under it on every kind of page, and an
inline script without this response's nonce is refused. (Every other journey runs under the policy too:
conftest's no_csp_violations fails any test whose pages had something refused.)"""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from missing.models import ReturnInterview
from missing.services import episode_create, episode_update
from tests.factories import ChildFactory

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("transactional_db")]


def assert_govuk_frontend_started(page):
    body_classes = page.evaluate("document.body.className").split()
    assert {"js-enabled", "govuk-frontend-supported"} <= set(body_classes)  # the nonced inline script ran
    expect(page.locator(".govuk-skip-link")).to_have_attribute("data-govuk-skip-link-init", "")  # initAll() ran


def test_govuk_frontend_starts_on_each_page_with_nothing_refused(page, live_server, sign_in, csp_reports, authority, mash):
    child = ChildFactory(authority=authority, given_name="Casey", family_name="Testpolicy")
    now = timezone.now()
    episode = episode_create(
        actor=mash, child=child, category="missing", started_at=now - timedelta(hours=30),
        reported_at=now - timedelta(hours=29), risk_level="medium", location_type="home",
    )
    episode_update(actor=mash, episode=episode, returned_at=now - timedelta(hours=20))
    interview = ReturnInterview.objects.get(child=child)

    page.set_viewport_size({"width": 375, "height": 800})
    sign_in(page, mash)
    expect(page.get_by_role("heading", level=1)).to_have_text("What needs you today")
    assert_govuk_frontend_started(page)
    for path in ("/missing/triage/", f"/missing/children/{child.pk}/", f"/interviews/{interview.pk}/", "/missing/notifications/upload/"):
        page.goto(f"{live_server.url}{path}")
        assert_govuk_frontend_started(page)
    page.get_by_role("button", name="Menu").click()  # the service navigation's toggle, which initAll() shows
    expect(page.get_by_role("navigation", name="Menu").get_by_role("link", name="Children")).to_be_visible()
    assert csp_reports == []


INJECT = """() => {
    const script = document.createElement("script");
    script.textContent = "document.body.dataset.injected = 'ran'";
    document.body.append(script);
}"""


def test_an_inline_script_without_the_nonce_is_refused(page, live_server, csp_reports):
    page.goto(f"{live_server.url}/accounts/login/")
    with page.expect_console_message(lambda message: "Content Security Policy" in message.text):
        page.evaluate(INJECT)
    assert page.evaluate("document.body.dataset.injected") is None
    assert any("script-src" in report for report in csp_reports)
    csp_reports.clear()  # the refusal was the point; the autouse check wants none left over
