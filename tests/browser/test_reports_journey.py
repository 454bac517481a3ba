"""A board member in headless Chromium: reads the missing dashboard (small counts hidden, no child
named), then downloads the panel's quarterly report and finds the panel in the PDF. axe-core on
every page."""

import io
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect
from pypdf import PdfReader

from casework.models import AgencyKind, Role
from missing import report_months
from panels.models import Panel, PanelMember
from reporting.models import QuarterlyReport
from reporting.quarterly import default_quarter, quarterly_report_generate
from tests.factories import ChildFactory, EpisodeFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("transactional_db")]


def test_a_board_member_reads_the_dashboard_and_downloads_the_quarterly_pdf(
    page, live_server, sign_in, assert_accessible, authority, agencies
):
    now = timezone.now()
    chair = UserFactory(username="panel.chair", agency=agencies[AgencyKind.CHILDRENS_SOCIAL_CARE],
                        roles=[Role.PANEL_CHAIR])
    board = UserFactory(username="board.member", agency=agencies[AgencyKind.POLICE], roles=[Role.STRATEGIC_READER])
    child = ChildFactory(authority=authority, given_name="Wrenna", family_name="Ashcombe-Vell")
    start = now.replace(day=1) - timedelta(days=10)
    EpisodeFactory(child=child, started_at=start, reported_at=start + timedelta(hours=1),
                   returned_at=start + timedelta(hours=5), found_location="Retail park")
    report_months.refresh()  # the factory writes past the services, as a bulk load does
    panel = Panel.objects.create(authority=authority, name="Eastfield Missing Panel", chair=chair)
    PanelMember.objects.create(panel=panel, agency=agencies[AgencyKind.POLICE])
    report = QuarterlyReport.objects.create(panel=panel, quarter=default_quarter(now), requested_by=chair,
                                            requested_at=now, gaps="No out-of-hours return interviews.")
    quarterly_report_generate(report_id=report.pk)

    sign_in(page, board)
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Dashboard").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Missing dashboard")
    expect(page.locator("main")).to_contain_text("fewer than 5")
    expect(page.locator("main")).not_to_contain_text("Ashcombe-Vell")
    assert_accessible(page)

    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Quarterly reports").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Quarterly reports to the board")
    assert_accessible(page)
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download the PDF").first.click()
    download = download_info.value
    assert download.suggested_filename == f"quarterly-report-{default_quarter(now)}.pdf"
    with open(download.path(), "rb") as pdf:
        text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.read())).pages)
    assert "Eastfield Missing Panel" in text and "No out-of-hours return interviews." in text
    assert "Wrenna" not in text and "Ashcombe-Vell" not in text


def test_a_chair_writes_the_gaps_and_asks_for_the_report(
    page, live_server, sign_in, assert_accessible, authority, agencies, celery_queue
):
    chair = UserFactory(username="panel.chair", agency=agencies[AgencyKind.CHILDRENS_SOCIAL_CARE],
                        roles=[Role.PANEL_CHAIR])
    Panel.objects.create(authority=authority, name="Westmoor Missing Panel", chair=chair)

    sign_in(page, chair)
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Quarterly reports").click()
    assert_accessible(page)
    page.get_by_label("Quarter").fill("2026-Q9")
    page.get_by_role("button", name="Generate the report").click()
    expect(page.get_by_role("alert")).to_contain_text("Give a quarter as YYYY-Qn")
    assert_accessible(page)
    page.get_by_label("Quarter").fill("2026-Q2")
    page.get_by_label("Gaps in provision").fill("No specialist exploitation worker in the south of the area.")
    page.get_by_role("button", name="Generate the report").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Quarterly report, 2026-Q2")
    expect(page.locator("#report-progress")).to_contain_text("Waiting to start")
    expect(page.locator("main")).to_contain_text("No specialist exploitation worker in the south of the area.")
    assert_accessible(page)
    assert QuarterlyReport.objects.get().requested_by == chair
