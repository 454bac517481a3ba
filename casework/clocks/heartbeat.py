"""The clock's heartbeat: a clock that stops cannot stop silently.

Every sweep writes the one ClockHeartbeat row (`heartbeat_record`). Any process that looks
(`clock_watch`: the banner on each page an administrator or MASH coordinator opens, `/readyz`,
which also starts the watch on a new installation whose clock has never run)
finds an outage once the last sweep is older than CLOCK_LATE_AFTER, and the first to see each
outage queues one email through the outbox and sends it itself, since the clock that would send
it is what stopped. The first sweep after the outage queues a second email saying it is back;
the sweep itself catches up everything that fell due meanwhile, each firing once.
"""

import logging
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from ..calendar import describe_moment
from ..models import ClockHeartbeat, Role, User
from ..outbox import email_enqueue, email_send_now

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ClockStatus:
    late: bool
    last_sweep_at: datetime | None
    since: datetime  # the end of the last sweep, or when watching began if none has run
    late_after_seconds: int

    def as_dict(self):
        return {
            "status": "late" if self.late else "ok",
            "last_sweep_at": self.last_sweep_at.isoformat() if self.last_sweep_at else None,
            "late_after_seconds": self.late_after_seconds,
        }


def _heartbeat(now, *, start_watching):
    """The row, or None before anything watched or swept (pages never make it: `/readyz` does,
    so that a clock that never starts is late CLOCK_LATE_AFTER after the first probe)."""
    heartbeat = ClockHeartbeat.objects.filter(pk=1).first()
    if heartbeat is None and start_watching:
        heartbeat, _ = ClockHeartbeat.objects.get_or_create(pk=1, defaults={"watching_since": now})
    return heartbeat


def _alert_addresses():
    """CLOCK_ALERT_EMAILS (e.g. the IT service desk) and every active administrator."""
    admins = User.objects.filter(is_active=True).filter(
        Q(is_superuser=True) | Q(roles__icontains=f'"{Role.ADMINISTRATOR}"')
    )
    return list(settings.CLOCK_ALERT_EMAILS) + [user.email for user in admins if user.is_administrator]


def _status(heartbeat, now):
    late_after = settings.CLOCK_LATE_AFTER
    since = heartbeat.pulse if heartbeat else now
    return ClockStatus(
        late=now - since > late_after,
        last_sweep_at=heartbeat.last_finished_at if heartbeat else None,
        since=since,
        late_after_seconds=int(late_after.total_seconds()),
    )


def _claim_alert(heartbeat, now):
    """Mark this outage as told, if no other process has: answers the queued email's id or None."""
    with transaction.atomic():
        claimed = (
            ClockHeartbeat.objects.filter(pk=1, last_finished_at=heartbeat.last_finished_at)
            .filter(Q(alerted_for__isnull=True) | ~Q(alerted_for=heartbeat.pulse))
            .update(alerted_for=heartbeat.pulse, alerted_at=now)
        )
        if not claimed:
            return None
        since = describe_moment(heartbeat.last_finished_at) if heartbeat.last_finished_at else "it was installed"
        email = email_enqueue(
            subject="The deadline clock has stopped: no notices or escalations are being sent",
            body=(
                f"The clock that sends statutory notices and escalations has not run since {since}.\n"
                "Until it runs again no notice, warning or overdue escalation goes out. Check the Celery "
                "beat and worker processes and the broker (Redis); /readyz shows what is failing.\n"
                "When the clock runs again it sends everything that fell due meanwhile, each once."
            ),
            to=_alert_addresses(),
            now=now,
        )
        if email is not None:
            ClockHeartbeat.objects.filter(pk=1).update(alert_email=email)
    logger.error("clock.late", extra={"since": heartbeat.pulse.isoformat(), "alert_email": str(email.pk) if email else ""})
    return email.pk if email else None


def clock_watch(now=None, *, start_watching=False):
    """The clock's status, seen by a process that is not the clock. Raises and sends the outage's
    one email the first time any process sees it late, and retries sending it while it waits.
    One query while the clock runs."""
    now = now or timezone.now()
    heartbeat = _heartbeat(now, start_watching=start_watching)
    status = _status(heartbeat, now)
    if not status.late:
        return status
    if heartbeat.alerted_for != heartbeat.pulse:
        email_id = _claim_alert(heartbeat, now)
    else:
        email_id = heartbeat.alert_email_id
    if email_id is not None:
        email_send_now(message_id=email_id, now=now)
    return status


def heartbeat_started(now):
    """One statement whether or not the row exists yet, so that every sweep costs the same."""
    ClockHeartbeat.objects.bulk_create(
        [ClockHeartbeat(pk=1, watching_since=now, last_started_at=now)],
        update_conflicts=True,
        unique_fields=["id"],
        update_fields=["last_started_at"],
    )


def heartbeat_record(*, finished_at, result):
    """A sweep ran: store when and what it did. After an outage that was told, say it is back."""
    with transaction.atomic():
        heartbeat = ClockHeartbeat.objects.select_for_update().get(pk=1)
        told_outage = heartbeat.alerted_for is not None and heartbeat.alerted_for == heartbeat.pulse
        previous = heartbeat.last_finished_at
        heartbeat.last_finished_at = finished_at
        heartbeat.last_result = result
        heartbeat.save(update_fields=["last_finished_at", "last_result"])
        if told_outage:
            since = describe_moment(previous) if previous else "it was installed"
            email_enqueue(
                subject="The deadline clock is running again",
                body=(
                    f"The clock ran at {describe_moment(finished_at)} after not running since {since}. It sent "
                    f"{result.get('notices', 0)} notices, {result.get('warnings', 0)} warnings and "
                    f"{result.get('overdue', 0)} overdue escalations that fell due meanwhile."
                ),
                to=_alert_addresses(),
                now=finished_at,
            )
    logger.info("clock.swept", extra={"result": result, "after_outage": told_outage})
