"""Playwright drives Debian's Chromium (never a downloaded browser) against pytest-django's live server."""

import pytest
from axe_playwright_python.sync_playwright import Axe

from tests.factories import PASSWORD

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="session")
def browser_type_launch_args():
    return {"executable_path": "/usr/bin/chromium", "args": CHROMIUM_ARGS}


def is_csp_report(message):
    return "Content Security Policy" in message.text


@pytest.fixture
def csp_reports(page):
    """What Chromium reported against the Content-Security-Policy while the test ran (it logs each refusal)."""
    reports = []
    page.on("console", lambda message: reports.append(message.text) if is_csp_report(message) else None)
    return reports


@pytest.fixture(autouse=True)
def no_csp_violations(request):
    """Every browser journey runs under the real policy: nothing on its pages may be refused."""
    if "page" not in request.fixturenames:
        yield
        return
    reports = request.getfixturevalue("csp_reports")
    yield
    assert reports == []


@pytest.fixture
def assert_accessible():
    """Runs axe-core on the page as it is now; any violation fails the test with axe's report."""
    axe = Axe()

    def check(page):
        results = axe.run(page)
        assert results.violations_count == 0, f"{page.url}\n{results.generate_report()}"

    return check


@pytest.fixture
def sign_in(live_server, assert_accessible):
    def sign_in_as(page, user):
        page.goto(f"{live_server.url}/accounts/login/")
        assert_accessible(page)
        page.get_by_label("Username").fill(user.username)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()

    return sign_in_as
