"""A MASH coordinator's day in headless Chromium: triage, the live queue, the CSV upload. axe-core on every page."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from missing.models import MissingEpisode, NotificationKind, PoliceNotification
from tests.factories import ChildFactory, NotificationFactory

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("transactional_db")]


def card(page, notification):
    return page.locator(f"#notification-{notification.pk}")


def test_triage_a_missing_then_a_found_notification(page, live_server, sign_in, assert_accessible, mash, authority):
    now = timezone.now()
    missing = NotificationFactory(
        authority=authority, kind=NotificationKind.MISSING, risk_level="high", source_ref="JRN-1",
        child_given_name="Tilly", child_family_name="Testgrove", police_person_id="PP-JRN",
        occurred_at=now - timedelta(hours=6), received_at=now - timedelta(hours=5),
        circumstances="Did not return from school.",
    )
    found = NotificationFactory(
        authority=authority, kind=NotificationKind.FOUND, risk_level="", source_ref="JRN-2",
        child_given_name="Tilly", child_family_name="Testgrove", police_person_id="PP-JRN",
        child_date_of_birth=missing.child_date_of_birth, occurred_at=now - timedelta(hours=1),
        received_at=now - timedelta(minutes=50), found_location="Test Street bus station",
    )

    sign_in(page, mash)
    page.get_by_role("region", name="Notifications waiting for triage").get_by_role(
        "link", name="2 notifications waiting").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Triage queue")
    expect(page.locator("#triage-count")).to_have_text("2 notifications waiting for triage")
    expect(card(page, found)).to_contain_text("No child on your records with an open episode matches")
    assert_accessible(page)

    card(page, missing).get_by_role("button", name="Create new child record").click()
    banner = page.get_by_role("alert")
    expect(banner).to_contain_text("Notification JRN-1 is linked to Tilly Testgrove")
    expect(banner).to_contain_text("A new child record was created. A new missing episode is open")
    expect(page.locator("#triage-count")).to_have_text("1 notification waiting for triage")
    expect(card(page, found)).to_contain_text("Same police person id")
    expect(card(page, found)).to_contain_text("Open episode it closes")
    assert_accessible(page)

    card(page, found).get_by_role("button", name="Link to Tilly Testgrove").click()
    expect(page.get_by_role("alert")).to_contain_text("Their open episode is now closed")
    expect(page.locator("#triage-count")).to_have_text("No notifications are waiting for triage")
    assert_accessible(page)

    page.get_by_role("alert").get_by_role("link", name="Tilly Testgrove").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Tilly Testgrove")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Not missing")
    episode = MissingEpisode.objects.get(child__family_name="Testgrove")
    row = page.locator(f"#episode-{episode.pk}")
    expect(row).to_contain_text("JRN-1")
    expect(row).to_contain_text("Test Street bus station")
    expect(row).not_to_contain_text("Still missing")
    assert episode.returned_at == found.occurred_at
    assert_accessible(page)


def test_queue_shows_a_new_notification_without_a_refresh(page, live_server, sign_in, assert_accessible, mash, authority):
    page.clock.install()
    sign_in(page, mash)
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Triage queue").click()
    expect(page.locator("#triage-count")).to_have_text("No notifications are waiting for triage")
    assert_accessible(page)

    arrived = NotificationFactory(
        authority=authority, source_ref="LIVE-1", risk_level="medium", child_given_name="Robin",
        child_family_name="Testlate",
    )
    with page.expect_request(lambda request: "/missing/triage/queue/" in request.url) as poll:
        page.clock.fast_forward(11_000)
    assert poll.value.headers.get("x-casework-poll") == "1"
    assert "shown=" in poll.value.url
    page.clock.resume()

    expect(card(page, arrived)).to_contain_text("Missing: Robin Testlate")
    expect(page.locator("#triage-count")).to_have_text("1 notification waiting for triage")
    assert PoliceNotification.objects.get(pk=arrived.pk).status == "pending"
    assert_accessible(page)


def test_upload_a_csv_file_with_progress_to_its_report(
    page, live_server, sign_in, assert_accessible, mash, tmp_path, start_celery_worker
):
    when = (timezone.localtime() - timedelta(hours=2)).strftime("%d/%m/%Y %H:%M")
    good = tmp_path / "notifications.csv"
    good.write_text(
        "source_ref,kind,received_at,occurred_at,given_name,family_name,date_of_birth\n"
        f"UPL-1,missing,{when},{when},Quinn,Testhill,17/05/2012\n"
        f"UPL-2,lost,{when},{when},Rae,Testvale,17/05/2012\n"
    )
    wrong = tmp_path / "notifications.txt"
    wrong.write_text("not a spreadsheet")

    sign_in(page, mash)
    page.get_by_role("link", name="Upload notifications").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Upload police notifications")
    assert_accessible(page)

    page.get_by_label("Upload a CSV file").set_input_files(wrong)
    page.get_by_role("button", name="Upload file").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("must be a CSV file")
    expect(page.locator(".govuk-error-summary")).to_be_focused()
    assert_accessible(page)

    page.get_by_label("Upload a CSV file").set_input_files(good)
    with page.expect_response(lambda response: response.request.method == "POST") as sent:
        page.get_by_role("button", name="Upload file").click()
    assert sent.value.request.headers.get("x-requested-with") == "XMLHttpRequest"
    assert sent.value.status == 201
    # The rows wait for the background task: the page shows how far it has got, and polls.
    expect(page.get_by_role("heading", level=1)).to_have_text("Processing your upload")
    expect(page.locator("#upload-progress-text")).to_have_text("Waiting to start: 0 of 2 rows processed")
    expect(page.get_by_label("Rows processed")).to_have_attribute("max", "2")
    assert_accessible(page)

    start_celery_worker()
    expect(page.get_by_role("heading", level=1)).to_have_text("Upload report", timeout=90_000)
    expect(page.locator("#rows-created")).to_have_text("1")
    expect(page.locator("#rows-refused")).to_have_text("1")
    expect(page.get_by_role("table", name="Rows with a problem")).to_contain_text("UPL-2")
    assert_accessible(page)


def test_record_an_episode_and_edit_a_child(page, live_server, sign_in, assert_accessible, mash, authority):
    child = ChildFactory(authority=authority, given_name="Sam", family_name="Testford")
    start = timezone.localtime() - timedelta(hours=3)

    sign_in(page, mash)
    page.goto(f"{live_server.url}/missing/children/")
    page.get_by_role("search").get_by_label("Search by name or police person id").fill("testford")
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_role("table")).to_contain_text("Not missing")
    assert_accessible(page)

    page.get_by_role("link", name="Testford, Sam").click()
    assert_accessible(page)
    page.get_by_role("button", name="Record an episode").click()
    page.get_by_role("button", name="Record episode").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Select the category")
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter when the child went missing")
    assert_accessible(page)

    page.get_by_role("radio", name="Missing", exact=True).check()
    page.get_by_role("radio", name="High").check()
    page.get_by_role("radio", name="Care").check()
    page.get_by_label("Went missing").fill(start.strftime("%Y-%m-%dT%H:%M"))
    page.get_by_label("Reported").fill((start + timedelta(minutes=30)).strftime("%Y-%m-%dT%H:%M"))
    page.get_by_label("Police reference").fill("EP-BROWSER")
    page.get_by_role("button", name="Record episode").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Missing now")
    expect(page.get_by_role("table")).to_contain_text("EP-BROWSER")
    assert MissingEpisode.objects.get(child=child).started_at == start.replace(second=0, microsecond=0)

    page.get_by_role("button", name="Edit details").click()
    assert_accessible(page)
    page.get_by_label("School").fill("Test Primary")
    page.get_by_label("Child criminal exploitation").check()
    page.get_by_role("button", name="Save changes").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Sam Testford")
    expect(page.locator("#flags")).to_contain_text("additional vulnerability: child criminal exploitation")
    assert_accessible(page)
