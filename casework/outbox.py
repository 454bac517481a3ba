"""The email outbox: `email_enqueue` inside the deciding transaction; `outbox_send_due` from the clock.

A message is a row before it is a send attempt, so a mail server that is down delays notices but
loses none. Each due row is locked while it is sent (others skip it), marked sent in the same
transaction, and on failure retried later with a back-off that doubles up to an hour; failures stay
visible to administrators (the admin's "Outgoing emails", filtered by status and attempts).
"""

import logging
from datetime import timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone

from .models import OutgoingEmail, OutgoingEmailStatus

logger = logging.getLogger(__name__)

FIRST_RETRY = timedelta(minutes=1)
LONGEST_RETRY = timedelta(hours=1)
BATCH = 200


def email_enqueue(*, subject, body, to, now=None):
    """Queue one message; answers the row, or None when there is nobody to send it to."""
    addresses = sorted({a for a in to if a})
    if not addresses:
        return None
    return OutgoingEmail.objects.create(
        subject=subject[:300], body=body, to=addresses, next_attempt_at=now or timezone.now()
    )


def retry_delay(attempts):
    """After the n-th failed attempt: 1, 2, 4, ... minutes, never more than an hour."""
    return min(FIRST_RETRY * (2 ** max(attempts - 1, 0)), LONGEST_RETRY)


def _send_one(message_id, now):
    with transaction.atomic():
        message = (
            OutgoingEmail.objects.select_for_update(skip_locked=True)
            .filter(pk=message_id, status=OutgoingEmailStatus.PENDING, next_attempt_at__lte=now)
            .first()
        )
        if message is None:
            return None
        message.attempts += 1
        message.last_attempt_at = now
        try:
            send_mail(message.subject, message.body, settings.DEFAULT_FROM_EMAIL, message.to)
        except Exception as error:  # any failure of the mail server: keep the row and try again
            logger.warning("Could not send email %s (attempt %s): %s", message.pk, message.attempts, error)
            message.last_error = f"{type(error).__name__}: {error}"[:2000]
            message.next_attempt_at = now + retry_delay(message.attempts)
            message.save(update_fields=["attempts", "last_attempt_at", "last_error", "next_attempt_at"])
            return False
        message.status = OutgoingEmailStatus.SENT
        message.sent_at = now
        message.save(update_fields=["attempts", "last_attempt_at", "status", "sent_at"])
        return True


def email_send_now(*, message_id, now=None):
    """Try one queued message at once, if it is due (a process that cannot wait for the clock's
    pass, because the clock is what stopped). Answers True, False (kept to retry) or None."""
    return _send_one(message_id, now or timezone.now())


def outbox_send_due(now=None):
    """Send what is due, oldest first. Answers (sent, failed). Safe to run concurrently."""
    now = now or timezone.now()
    due = OutgoingEmail.objects.filter(status=OutgoingEmailStatus.PENDING, next_attempt_at__lte=now)
    sent = failed = 0
    for message_id in due.order_by("next_attempt_at").values_list("pk", flat=True)[:BATCH]:
        outcome = _send_one(message_id, now)
        if outcome is True:
            sent += 1
        elif outcome is False:
            failed += 1
    return sent, failed
