"""Operating it, in Chromium (issue 14): the stopped-clock banner, a subject access export and the
retention review, each accessible and under the Content-Security-Policy."""

from datetime import timedelta

import pytest
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import expect

from casework.jobs import jobs_run_due
from casework.models import ClockHeartbeat
from missing.models import Child
from tests.factories import ChildFactory, EpisodeFactory

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("transactional_db")]


def sign_in_administrator(page, sign_in, user):
    device = TOTPDevice.objects.create(user=user, name="Test authenticator", confirmed=True)
    sign_in(page, user)
    code = totp(device.bin_key, device.step, device.t0, device.digits, device.drift)
    page.get_by_label("Security code").fill(f"{code:0{device.digits}d}")
    page.get_by_role("button", name="Continue").click()


def test_a_coordinator_sees_the_clock_has_stopped(page, live_server, sign_in, assert_accessible, mash):
    now = timezone.now()
    ClockHeartbeat.objects.create(watching_since=now - timedelta(hours=2), last_finished_at=now - timedelta(minutes=40))
    sign_in(page, mash)
    banner = page.get_by_role("alert")
    expect(banner.get_by_role("heading", name="The deadline clock has stopped")).to_be_visible()
    expect(banner).to_contain_text("No notice or escalation is being sent")
    assert_accessible(page)


def test_an_administrator_exports_a_childs_data_and_confirms_a_retention_review(
    page, live_server, sign_in, assert_accessible, authority, admin_user
):
    child = ChildFactory(authority=authority, given_name="Jo", family_name="Oldrecord",
                         date_of_birth=timezone.localdate().replace(year=timezone.localdate().year - 30))
    started = timezone.now() - timedelta(days=365 * 9)
    EpisodeFactory(child=child, started_at=started, reported_at=started, returned_at=started + timedelta(hours=4))
    sign_in_administrator(page, sign_in, admin_user)

    page.goto(f"{live_server.url}/missing/children/{child.pk}/")
    page.get_by_role("link", name="Subject access export").click()
    page.get_by_role("button", name="Produce a new export").click()
    expect(page.get_by_text("Being produced", exact=True)).to_be_visible()
    jobs_run_due()  # the clock's pass (no worker in this test)
    page.reload()
    expect(page.get_by_text("Ready", exact=True)).to_be_visible()
    assert_accessible(page)

    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Retention").click()
    expect(page.get_by_role("heading", name="Due for review (1)")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name="Remove the chosen records").click()
    expect(page.get_by_role("alert").first).to_contain_text("Choose the records to remove")
    page.get_by_label("Remove Jo Oldrecord").check()
    page.get_by_label("I confirm that the records I chose are to be anonymised").check()
    page.get_by_role("button", name="Remove the chosen records").click()
    expect(page.get_by_text("1 record removed")).to_be_visible()
    assert Child.objects.get(pk=child.pk).given_name == "Anonymised"
    assert_accessible(page)
