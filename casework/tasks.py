"""Celery tasks: each takes ids (or nothing), calls one service and is safe to run twice."""

from celery import shared_task

from .clocks.services import deadlines_sweep
from .jobs import job_run, jobs_run_due
from .outbox import outbox_send_due


@shared_task(name="casework.tasks.check_deadlines", ignore_result=False)
def check_deadlines():
    """One pass of the clock (Celery beat, every minute), then the background jobs no worker took
    (asked for while the broker was down), then the outbox. Answers what it did."""
    result = vars(deadlines_sweep())
    result["jobs_run"] = jobs_run_due()
    result["emails_sent"], result["emails_failed"] = outbox_send_due()
    return result


@shared_task(name="casework.tasks.run_job", ignore_result=True)
def run_job(job_id):
    """One background job, by id (casework.jobs); a job already done or being run is left alone."""
    job_run(job_id=job_id)
