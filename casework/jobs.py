"""Background jobs that no broker can lose: the row is the job, the broker's message only its id.

A service calls `job_enqueue` inside its own transaction; after the commit the job's id is sent to
a worker once, at once, with short timeouts and no retry, so a request never waits on a broker
that is down. Whatever no worker took is run by the clock's pass (`jobs_run_due`, called by the
check_deadlines task and command), so work asked for while Redis was down is done when the worker
returns. A job runs under its row lock (a second runner skips it), its writes in a savepoint: a
failure keeps nothing but the attempt, retried with the outbox's back-off up to `max_attempts`.

Apps register what a kind of job does with `register_job_kind` (the subject access export is one).
"""

import logging
from dataclasses import dataclass
from typing import Callable

from celery import current_app
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from .logs import request_id_bound, request_id_var
from .models import BackgroundJob, JobStatus
from .outbox import retry_delay
from .validation import acting_user

logger = logging.getLogger(__name__)

RUN_JOB_TASK = "casework.tasks.run_job"
JOBS_PER_PASS = 20


@dataclass(frozen=True)
class JobKind:
    name: str
    run: Callable  # run(job) -> dict stored as the job's result; raises to fail the attempt
    max_attempts: int = 3


_kinds: dict[str, JobKind] = {}


def register_job_kind(kind):
    if kind.name in _kinds and _kinds[kind.name] is not kind:
        raise ValueError(f"Job kind {kind.name} is registered twice.")
    _kinds[kind.name] = kind
    return kind


def job_enqueue(*, kind, params, actor=None, request_id=None):
    """Store a job; its id goes to a worker after the caller's transaction commits."""
    if kind not in _kinds:
        raise ValueError(f"No job kind {kind} is registered.")
    now = timezone.now()
    job = BackgroundJob.objects.create(
        kind=kind,
        params=params,
        requested_by=acting_user(actor),
        request_id=request_id if request_id is not None else request_id_var.get(),
        created_at=now,
        next_attempt_at=now,
    )
    transaction.on_commit(lambda: job_dispatch(job_id=job.pk))
    return job


def _connected():
    """A broker connection tried once, within BROKER_CHECK_TIMEOUT (Celery's own would retry for
    seconds, and a request must not wait that long for a broker that is down)."""
    conn = current_app.connection_for_write()
    try:
        conn.ensure_connection(max_retries=1, interval_start=0, timeout=settings.BROKER_CHECK_TIMEOUT)
    except Exception:
        conn.release()
        raise
    return conn


def broker_reachable():
    """Whether the Celery broker answers now. Never raises."""
    try:
        _connected().release()
    except Exception as error:  # any failure of the broker: reported, never raised
        logger.warning("broker.unreachable", extra={"error": f"{type(error).__name__}: {error}"})
        return False
    return True


def job_dispatch(*, job_id):
    """Send a job's id to the workers once; answers whether the broker took it. Never raises."""
    try:
        conn = _connected()
        try:
            current_app.send_task(RUN_JOB_TASK, args=[str(job_id)], ignore_result=True, retry=False, connection=conn)
        finally:
            conn.release()
    except Exception as error:  # the broker is down: the clock's pass will run the job
        logger.warning("job.not_sent", extra={"job": str(job_id), "error": f"{type(error).__name__}: {error}"})
        return False
    return True


def job_run(*, job_id, now=None):
    """Run one due job if no one else is running it; answers the job, or None when there was nothing to do."""
    now = now or timezone.now()
    with transaction.atomic():
        job = (
            BackgroundJob.objects.select_for_update(skip_locked=True)
            .filter(pk=job_id, status=JobStatus.PENDING, next_attempt_at__lte=now)
            .first()
        )
        if job is None:
            return None
        kind = _kinds.get(job.kind)
        job.attempts += 1
        with request_id_bound(job.request_id):
            try:
                if kind is None:
                    raise LookupError(f"No job kind {job.kind} is registered.")
                with transaction.atomic():
                    result = kind.run(job)
            except Exception as error:  # any failure of the job's own work: recorded, retried
                logger.exception("job.failed", extra={"job": str(job.pk), "kind": job.kind, "attempt": job.attempts})
                job.last_error = f"{type(error).__name__}: {error}"[:2000]
                if kind is None or job.attempts >= kind.max_attempts:
                    job.status, job.finished_at = JobStatus.FAILED, now
                else:
                    job.next_attempt_at = now + retry_delay(job.attempts)
                job.save()
                return job
            job.status, job.finished_at, job.result = JobStatus.DONE, now, result or {}
            job.save()
            logger.info("job.done", extra={"job": str(job.pk), "kind": job.kind})
    return job


def jobs_run_due(now=None):
    """The clock's pass: run the jobs that are due and that no worker took. Answers how many ran."""
    now = now or timezone.now()
    due = BackgroundJob.objects.filter(status=JobStatus.PENDING, next_attempt_at__lte=now)
    ran = 0
    for job_id in due.order_by("next_attempt_at").values_list("pk", flat=True)[:JOBS_PER_PASS]:
        if job_run(job_id=job_id, now=now) is not None:
            ran += 1
    return ran
