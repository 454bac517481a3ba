"""Celery tasks: each takes ids (or nothing), calls one service and is safe to run twice."""

from celery import shared_task

from .clocks.services import deadlines_sweep
from .outbox import outbox_send_due


@shared_task(name="casework.tasks.check_deadlines", ignore_result=False)
def check_deadlines():
    """One pass of the clock (Celery beat, every minute), then the outbox. Answers what it did."""
    result = vars(deadlines_sweep())
    result["emails_sent"], result["emails_failed"] = outbox_send_due()
    return result
