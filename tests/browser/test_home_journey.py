"""Each role's home page and navigation in headless Chromium, at desktop width and at 320 px (its
items visible, nothing scrolling sideways, the menu opened by keyboard), axe-clean throughout."""

from datetime import timedelta

import pytest
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import expect

from casework.models import AgencyKind, Deadline, Role
from missing.clocks.kind import EPISODE
from missing.interviews.services import return_interview_accept
from missing.models import ReturnInterview
from missing.services import episode_create, episode_update
from tests.factories import ChildFactory, EpisodeFactory, NotificationFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("transactional_db")]

DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 320, "height": 640}
EVERY_SECTION = [
    "Home", "Triage queue", "Upload notifications", "Daily risk meeting", "Children", "Possible duplicates", "Placed in and out",
    "My interviews due",
    "Interview timeliness", "Missing education", "Panels", "Intelligence", "My actions", "Action tracker", "Missing now",
    "Returns", "Dashboard", "Quarterly reports", "Due and overdue", "Inbox", "Record access log", "Other councils", "Retention",
]
EVERY_PANEL = [
    "Notifications waiting for triage", "Children missing now", "Daily risk meeting", "Duties due today and overdue",
    "My interviews", "Your next panel meeting", "Your notices", "Return home interviews: the last 90 days",
    "Administration",
]


def menu(page):
    return page.get_by_role("navigation", name="Menu")


def account(page):
    return page.get_by_role("navigation", name="Account")


def panel(page, title):
    return page.get_by_role("region", name=title, exact=True)


def assert_home_shows(page, panels, sections):
    """Exactly these panels and sections, in this order; the account links apart from them."""
    expect(page.get_by_role("heading", level=1)).to_have_text("What needs you today")
    expect(page.locator(".casework-home-panel h2")).to_have_text(panels)
    for title in panels:
        expect(panel(page, title)).to_be_visible()
    expect(menu(page).get_by_role("link")).to_have_text(sections)
    for section in sections:
        expect(menu(page).get_by_role("link", name=section, exact=True)).to_be_visible()
    for section in set(EVERY_SECTION) - set(sections):
        expect(menu(page).get_by_role("link", name=section, exact=True)).to_have_count(0)
    expect(menu(page).get_by_role("link", name="Home", exact=True)).to_have_attribute("aria-current", "page")
    expect(account(page).get_by_role("link", name="Two-factor sign-in")).to_be_visible()
    expect(account(page).get_by_role("button", name="Sign out")).to_be_visible()
    expect(menu(page).get_by_role("link", name="Two-factor sign-in")).to_have_count(0)


def no_sideways_scrolling(page):
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def check_role(page, live_server, assert_accessible, panels, sections):
    """The home page at desktop width, then at 320 px with the menu opened by keyboard."""
    page.set_viewport_size(DESKTOP)
    page.goto(f"{live_server.url}/")
    assert_home_shows(page, panels, sections)
    assert_accessible(page)

    page.set_viewport_size(PHONE)
    page.reload()
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    for title in panels:
        expect(panel(page, title)).to_be_visible()
    expect(account(page).get_by_role("button", name="Sign out")).to_be_visible()
    no_sideways_scrolling(page)
    assert_accessible(page)

    toggle = menu(page).get_by_role("button", name="Menu")
    expect(toggle).to_be_visible()
    expect(menu(page).get_by_role("link", name="Home", exact=True)).to_be_hidden()
    for _ in range(30):  # keyboard only: tab to the menu button, open it, tab into the sections
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.textContent.trim()") == "Menu":
            break
    expect(toggle).to_be_focused()
    page.keyboard.press("Enter")
    expect(toggle).to_have_attribute("aria-expanded", "true")
    page.keyboard.press("Tab")
    expect(menu(page).get_by_role("link", name="Home", exact=True)).to_be_focused()
    assert_home_shows(page, panels, sections)
    no_sideways_scrolling(page)
    assert_accessible(page)
    page.set_viewport_size(DESKTOP)


def overdue_duty(child, episode, rule="T12"):
    now = timezone.now()
    return Deadline.objects.create(
        authority=child.authority, rule=rule, kind="duty", title="Case passed for assessment",
        subject_type=EPISODE, subject_id=episode.pk, child_id=child.pk, counts_from=now - timedelta(days=3),
        due_at=now - timedelta(hours=1),
    )


def test_mash_coordinator(page, live_server, sign_in, assert_accessible, authority, mash):
    now = timezone.now()
    NotificationFactory(authority=authority, risk_level="high", received_at=now - timedelta(minutes=30))
    NotificationFactory(authority=authority, risk_level="medium", received_at=now - timedelta(minutes=20))
    child = ChildFactory(authority=authority, given_name="Quinn", family_name="Testlongfamilynamewithoutbreaks")
    episode = EpisodeFactory(child=child, risk_level="high", started_at=now - timedelta(hours=3))
    overdue_duty(child, episode)
    page.clock.install()
    sign_in(page, mash)

    check_role(
        page, live_server, assert_accessible,
        ["Notifications waiting for triage", "Children missing now", "Daily risk meeting",
         "Duties due today and overdue", "Your notices"],
        ["Home", "Triage queue", "Upload notifications", "Daily risk meeting", "Children", "Possible duplicates", "Placed in and out",
    "My interviews due",
         "Interview timeliness", "Missing education", "Panels", "Action tracker", "Missing now", "Returns",
         "Dashboard", "Due and overdue", "Inbox"],
    )
    expect(panel(page, "Daily risk meeting").get_by_role("link", name="Open the daily risk meeting")).to_be_visible()
    expect(panel(page, "Daily risk meeting").get_by_role("link", name="Quinn Testlongfamilynamewithoutbreaks")).to_be_visible()

    # A notification arrives while the page is open: its count changes without a reload.
    triage = panel(page, "Notifications waiting for triage")
    expect(triage.get_by_role("link", name="2 notifications waiting")).to_be_visible()
    NotificationFactory(authority=authority, risk_level="low", received_at=timezone.now())
    with page.expect_request(lambda request: "/home/live/" in request.url) as poll:
        page.clock.fast_forward(21_000)
    assert poll.value.headers.get("x-casework-poll") == "1"
    page.clock.resume()
    expect(triage.get_by_role("link", name="3 notifications waiting")).to_be_visible()
    assert_accessible(page)

    triage.get_by_role("link", name="3 notifications waiting").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Triage queue")
    expect(page.locator("#triage-count")).to_have_text("3 notifications waiting for triage")
    expect(menu(page).get_by_role("link", name="Triage queue")).to_have_attribute("aria-current", "page")
    page.go_back()
    panel(page, "Duties due today and overdue").get_by_role("link", name="1 duty overdue").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Due and overdue")
    expect(page.get_by_role("table")).to_contain_text("1 deadline")
    expect(page.get_by_role("row").filter(has_text="Quinn")).to_have_count(1)
    assert_accessible(page)


INTERVIEWER_ROLES = {
    AgencyKind.HEALTH: "health",
    AgencyKind.RETURN_INTERVIEW_SERVICE: "rhi_service",
    AgencyKind.EDUCATION: "teacher",
}


@pytest.mark.parametrize("kind", [*INTERVIEWER_ROLES, AgencyKind.POLICE])
def test_agency_worker(page, live_server, sign_in, assert_accessible, authority, agencies, mash, kind):
    worker = UserFactory(username=f"worker.{kind}", agency=agencies[kind], roles=[Role.AGENCY_STAFF])
    if kind in INTERVIEWER_ROLES:
        child = ChildFactory(authority=authority, given_name="Robin", family_name="Testreturn")
        now = timezone.now()
        episode = episode_create(
            actor=mash, child=child, category="missing", started_at=now - timedelta(hours=30),
            reported_at=now - timedelta(hours=29), risk_level="medium", location_type="home",
        )
        episode_update(actor=mash, episode=episode, returned_at=now - timedelta(hours=20))
        interview = ReturnInterview.objects.get(child=child)
        return_interview_accept(actor=mash, interview=interview, interviewer=worker, interviewer_role=INTERVIEWER_ROLES[kind])
    sign_in(page, worker)

    interviewing = kind in INTERVIEWER_ROLES
    sections = ["Home", "Children", *(["My interviews due"] if interviewing else []),
                *(["Missing education"] if kind == AgencyKind.EDUCATION else []), "My actions", "Due and overdue",
                "Inbox"]
    panels = ["Duties due today and overdue", *(["My interviews"] if interviewing else []), "Your notices"]
    check_role(page, live_server, assert_accessible, panels, sections)

    if interviewing:
        mine = panel(page, "My interviews")
        expect(mine.get_by_role("link", name="1 interview to hold")).to_be_visible()
        mine.get_by_role("link", name="Robin Testreturn").click()
        expect(page.get_by_role("heading", level=1)).to_contain_text("Return home interview")
        expect(menu(page).get_by_role("link", name="My interviews due")).to_have_attribute("aria-current", "true")
        assert_accessible(page)


def test_panel_chair(page, live_server, sign_in, assert_accessible, authority, agencies):
    chair = UserFactory(username="chair", agency=agencies[AgencyKind.CHILDRENS_SOCIAL_CARE],
                        roles=[Role.PANEL_CHAIR, Role.PANEL_MEMBER])
    child = ChildFactory(authority=authority, allocated_worker=chair)
    overdue_duty(child, EpisodeFactory(child=child))
    sign_in(page, chair)
    check_role(page, live_server, assert_accessible,
               ["Duties due today and overdue", "Your next panel meeting", "Your notices"],
               ["Home", "Children", "Panels", "Intelligence", "My actions", "Action tracker", "Missing now",
                "Dashboard", "Quarterly reports", "Due and overdue", "Inbox"])
    expect(panel(page, "Duties due today and overdue").get_by_role("link", name="1 duty overdue")).to_be_visible()


def test_strategic_reader(page, live_server, sign_in, assert_accessible, agencies):
    reader = UserFactory(username="board", agency=agencies[AgencyKind.OTHER], roles=[Role.STRATEGIC_READER])
    sign_in(page, reader)
    check_role(page, live_server, assert_accessible, ["Your notices", "Return home interviews: the last 90 days"],
               ["Home", "Interview timeliness", "Dashboard", "Quarterly reports", "Inbox"])
    panel(page, "Return home interviews: the last 90 days").get_by_role(
        "link", name="Interview timeliness by provider and team").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Return interview timeliness")
    assert_accessible(page)


def test_administrator(page, live_server, sign_in, assert_accessible, admin_user):
    device = TOTPDevice.objects.create(user=admin_user, name="Phone", confirmed=True)
    sign_in(page, admin_user)
    code = totp(device.bin_key, device.step, device.t0, device.digits, device.drift)
    page.get_by_label("Security code").fill(f"{code:0{device.digits}d}")
    page.get_by_role("button", name="Continue").click()
    check_role(page, live_server, assert_accessible, ["Your notices", "Administration"],
               ["Home", "Children", "Returns", "Due and overdue", "Inbox", "Record access log", "Other councils", "Retention"])
    expect(panel(page, "Administration").get_by_role("link", name="Manage people, agencies")).to_be_visible()
