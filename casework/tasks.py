"""Celery tasks: each takes ids (or nothing), calls one service and is safe to run twice."""

from celery import shared_task

from .clocks.services import deadlines_sweep


@shared_task(name="casework.tasks.check_deadlines", ignore_result=False)
def check_deadlines():
    """One pass of the clock (Celery beat, every minute). Answers what it did."""
    result = deadlines_sweep()
    return vars(result)
