"""The clock cannot stop silently (issue 14, item 1): a stopped clock raises a banner for
administrators and MASH coordinators, fails /readyz and emails once per outage; the first sweep
after a day without one fires everything that fell due meanwhile, each exactly once."""

from datetime import timedelta

import pytest
from django.core import mail
from django.db.models import Q
from django.utils import timezone

from casework.clocks.services import deadlines_sweep
from casework.models import ClockHeartbeat, Deadline, Escalation, NoticeRecipient, NoticeRole, OutgoingEmail
from missing.models import LegalStatus
from missing.services import episode_create
from tests.factories import ChildFactory, UserFactory

pytestmark = pytest.mark.django_db

BANNER = "The deadline clock has stopped"
STOPPED = "The deadline clock has stopped: no notices or escalations are being sent"


@pytest.fixture
def missing_child(authority, agencies, mash):
    """A looked-after child at risk of significant harm, missing: T11 at once, T6 at 24 and 72
    hours, T2 warned at 24 hours and due at 48, T5 at 3 days, T7 at 7 days ..."""
    head = UserFactory(username="head", agency=agencies["childrens_social_care"])
    NoticeRecipient.objects.create(authority=authority, role=NoticeRole.HEAD_OF_SERVICE, user=head)
    child = ChildFactory(authority=authority, legal_status=LegalStatus.LOOKED_AFTER)
    now = timezone.now()
    episode_create(actor=mash, child=child, category="missing", started_at=now - timedelta(minutes=30),
                   reported_at=now - timedelta(minutes=20), risk_level="high", location_type="care",
                   significant_harm=True)
    return child


def _fell_due(now):
    """Every firing owed by `now`: notices and duties due, warnings whose time came."""
    due = Deadline.objects.filter(due_at__lte=now).exclude(status="cancelled")
    warned = Deadline.objects.filter(warn_at__lte=now, due_at__gt=now).exclude(status="cancelled")
    return {(d.pk, "notice" if d.kind == "notice" else "overdue") for d in due} | {(d.pk, "warning") for d in warned}


def _fired():
    return set(Escalation.objects.values_list("deadline_id", "step"))


def test_a_day_without_a_sweep_shows_fails_and_emails_once_then_one_sweep_fires_everything_once(
    missing_child, admin_user, mash, health_worker, signed_in, client, time_machine, settings
):
    settings.CLOCK_ALERT_EMAILS = ["it-service-desk@example.test"]
    start = timezone.now()
    time_machine.move_to(start, tick=False)
    assert deadlines_sweep().notices == 1  # T11 at once; the clock is running
    assert client.get("/readyz").status_code == 200

    time_machine.move_to(start + timedelta(minutes=4), tick=False)
    assert client.get("/readyz").status_code == 200  # within the 5 minutes allowed

    stopped_at = start + timedelta(days=1, hours=1)
    time_machine.move_to(stopped_at, tick=False)
    owed = _fell_due(stopped_at) - _fired()
    assert {Deadline.objects.get(pk=pk).rule for pk, _ in owed} >= {"T6", "T2"}  # T6 notice, T2 warning

    response = client.get("/readyz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "fail" and body["checks"]["clock"]["status"] == "fail"
    assert body["checks"]["database"]["status"] == "ok"

    for user in (admin_user, mash):
        page = signed_in(user).get("/clocks/due/")
        assert BANNER in page.content.decode(), user
    assert BANNER not in signed_in(health_worker).get("/clocks/due/").content.decode()
    assert client.get("/readyz").status_code == 503

    stopped = OutgoingEmail.objects.filter(subject=STOPPED)
    assert stopped.count() == 1 and stopped.get().status == "sent"  # sent by the web process itself
    assert [m.subject for m in mail.outbox].count(STOPPED) == 1
    assert {"it-service-desk@example.test", admin_user.email} <= set(stopped.get().to)

    result = deadlines_sweep()
    assert result.ran and result.notices + result.warnings + result.overdue == len(owed)
    assert owed <= _fired()
    assert deadlines_sweep().notices == 0 and deadlines_sweep().warnings == 0
    counts = Escalation.objects.values_list("deadline_id", "step")
    assert len(counts) == len(set(counts))  # nothing fired twice

    assert client.get("/readyz").status_code == 200
    assert BANNER not in signed_in(mash).get("/clocks/due/").content.decode()
    assert OutgoingEmail.objects.filter(subject=STOPPED).count() == 1
    assert OutgoingEmail.objects.filter(subject="The deadline clock is running again").count() == 1
    heartbeat = ClockHeartbeat.objects.get()
    assert heartbeat.last_finished_at == stopped_at and heartbeat.last_result["ran"] is True


def test_a_second_outage_is_told_again(authority, admin_user, client, time_machine):
    start = timezone.now()
    time_machine.move_to(start, tick=False)
    deadlines_sweep()
    time_machine.move_to(start + timedelta(minutes=10), tick=False)
    client.get("/readyz")
    deadlines_sweep()
    time_machine.move_to(start + timedelta(minutes=20), tick=False)
    client.get("/readyz")
    client.get("/readyz")
    assert OutgoingEmail.objects.filter(subject=STOPPED).count() == 2


def test_a_clock_that_never_ran_is_late_once_the_allowed_time_has_passed(authority, client, time_machine, settings):
    settings.CLOCK_LATE_AFTER = timedelta(minutes=2)
    start = timezone.now()
    time_machine.move_to(start, tick=False)
    assert client.get("/readyz").json()["checks"]["clock"] == {
        "status": "ok", "last_sweep_at": None, "late_after_seconds": 120
    }
    time_machine.move_to(start + timedelta(minutes=3), tick=False)
    assert client.get("/readyz").status_code == 503


def test_the_email_waits_in_the_outbox_when_the_mail_server_is_down_and_is_retried(
    authority, admin_user, client, time_machine, settings
):
    settings.EMAIL_BACKEND = "tests.casework.test_heartbeat.BrokenMailServer"
    start = timezone.now()
    time_machine.move_to(start, tick=False)
    deadlines_sweep()
    time_machine.move_to(start + timedelta(minutes=6), tick=False)
    client.get("/readyz")
    message = OutgoingEmail.objects.get(subject=STOPPED)
    assert message.status == "pending" and message.attempts == 1
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    time_machine.move_to(start + timedelta(minutes=8), tick=False)
    client.get("/readyz")
    message.refresh_from_db()
    assert message.status == "sent" and OutgoingEmail.objects.filter(~Q(subject="")).count() == 1


class BrokenMailServer:
    def __init__(self, *args, **kwargs):
        pass

    def send_messages(self, messages):
        raise ConnectionRefusedError("The mail server is down.")
