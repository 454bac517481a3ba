"""The email outbox (issue 8, item 4): a mail server down for an hour delays notices, loses none,
and sends each exactly once; failures are visible to administrators."""

from datetime import UTC, datetime, timedelta

import pytest
from django.core import mail

from casework.clocks.services import deadlines_sweep
from casework.models import NoticeRecipient, NoticeRole, OutgoingEmail
from casework.outbox import email_enqueue, outbox_send_due, retry_delay
from casework.tasks import check_deadlines
from missing.models import LegalStatus
from missing.services import episode_create

from ..factories import ChildFactory, UserFactory
from ..mail_server import State

pytestmark = pytest.mark.django_db

START = datetime(2026, 6, 10, 8, 0, tzinfo=UTC)


@pytest.fixture
def flaky_mail(settings):
    settings.EMAIL_BACKEND = "tests.mail_server.FlakyEmailBackend"
    State.down = False
    yield State
    State.down = False


def test_a_message_is_a_row_before_it_is_sent(flaky_mail):
    message = email_enqueue(subject="Hello", body="Body", to=["a@example.org", "", "a@example.org"])
    assert message.to == ["a@example.org"] and message.status == "pending"
    assert not mail.outbox
    assert email_enqueue(subject="Nobody", body="", to=["", None]) is None


def test_a_mail_server_down_for_an_hour_delays_but_loses_nothing_and_sends_once(flaky_mail, time_machine):
    time_machine.move_to(START, tick=False)
    first = email_enqueue(subject="First", body="1", to=["one@example.org"])
    second = email_enqueue(subject="Second", body="2", to=["two@example.org"])
    flaky_mail.down = True
    moment = START
    for _ in range(8):  # retried with back-off while the server is down: nothing sent, nothing lost
        outbox_send_due(moment)
        moment += timedelta(minutes=9)
    first.refresh_from_db()
    assert first.status == "pending" and first.attempts >= 4
    assert "ConnectionRefusedError" in first.last_error
    assert not mail.outbox
    flaky_mail.down = False
    recovered = START + timedelta(hours=2)
    assert outbox_send_due(recovered) == (2, 0)
    assert outbox_send_due(recovered + timedelta(hours=1)) == (0, 0)
    assert sorted(m.subject for m in mail.outbox) == ["First", "Second"]
    for message in (first, second):
        message.refresh_from_db()
        assert (message.status, message.sent_at) == ("sent", recovered)


def test_back_off_doubles_up_to_an_hour():
    assert [retry_delay(n) for n in (1, 2, 3, 7, 8, 20)] == [
        timedelta(minutes=1), timedelta(minutes=2), timedelta(minutes=4),
        timedelta(minutes=60), timedelta(hours=1), timedelta(hours=1),
    ]


def test_a_failed_message_waits_for_its_retry_time(flaky_mail):
    message = email_enqueue(subject="Later", body="", to=["x@example.org"], now=START)
    flaky_mail.down = True
    assert outbox_send_due(START) == (0, 1)
    flaky_mail.down = False
    assert outbox_send_due(START + timedelta(seconds=30)) == (0, 0)  # not yet due again
    assert outbox_send_due(START + timedelta(minutes=1)) == (1, 0)
    message.refresh_from_db()
    assert message.attempts == 2


def test_the_clock_task_fires_a_notice_and_emails_it_through_the_outbox(
    flaky_mail, time_machine, mash, authority, agencies
):
    """The Celery task runs for real (eagerly, in-process): a notice fired while mail is down is
    emailed exactly once by a later run."""
    iro = UserFactory(email="iro@example.org", agency=mash.agency)
    NoticeRecipient.objects.create(authority=authority, role=NoticeRole.IRO, user=iro)
    time_machine.move_to(START, tick=False)
    child = ChildFactory(authority=authority, legal_status=LegalStatus.LOOKED_AFTER)
    episode_create(actor=mash, child=child, category="missing", started_at=START - timedelta(hours=1),
                   reported_at=START - timedelta(minutes=30), risk_level="high", location_type="care")
    flaky_mail.down = True
    first = check_deadlines.apply().get()
    assert first["notices"] >= 1 and first["emails_sent"] == 0 and first["emails_failed"] >= 1
    flaky_mail.down = False
    time_machine.move_to(START + timedelta(minutes=5), tick=False)
    second = check_deadlines.apply().get()
    assert second["notices"] == 0 and second["emails_sent"] >= 1
    third = check_deadlines.apply().get()
    assert third["emails_sent"] == 0
    assert [m.to for m in mail.outbox].count(["iro@example.org"]) == 1
    assert OutgoingEmail.objects.filter(status="pending").count() == 0


def test_administrators_see_failed_sends(flaky_mail, signed_in, admin_user):
    email_enqueue(subject="Cannot go", body="", to=["x@example.org"], now=START)
    flaky_mail.down = True
    outbox_send_due(START)
    page = signed_in(admin_user).get("/admin/casework/outgoingemail/")
    assert page.status_code == 200
    assert "Cannot go" in page.content.decode() and "ConnectionRefusedError" in page.content.decode()
