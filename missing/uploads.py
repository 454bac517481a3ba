"""CSV uploads of police notifications, stored in the request and processed in the background.

The request checks the file and the shape of each row, stores the rows on a NotificationUpload and
queues a Celery task once that is committed: it never stores a notification itself, so a large file
answers at once. The task stores the rows through the API's service in batches. Each batch is one
transaction under the upload's row lock: its notifications, the report of its refused rows, the
counts and `next_row` commit together or not at all. A run that dies therefore loses nothing and
a rerun (or a second run at the same time) starts after the last committed batch: no row is
stored twice and no row is counted twice.

Nothing lives only in the broker: if Redis is down when the request commits, or a run dies, the
periodic sweep (`notification_uploads_resume`, on the existing beat schedule) queues every upload
that has not moved for STALE_AFTER again.
"""

import logging
from datetime import timedelta

from celery import current_app
from django.db import transaction
from django.utils import timezone

from casework.audit import audit_event_record
from casework.services import authority_for

from .csv_import import row_shape_errors, row_source_ref, row_store
from .models import NotificationUpload, UploadStatus

logger = logging.getLogger(__name__)

# Rows per transaction: how long a batch holds the locks of the children it links (well under a second).
BATCH_ROWS = 100
# Batches per task run: a run then takes seconds, and re-queues the rest, so a large file never
# holds a worker (and the statutory clock queued behind it) for long.
RUN_BATCHES = 20
# An unfinished upload whose progress and last queuing are older than this is queued again.
STALE_AFTER = timedelta(minutes=2)
# Runs that may start and die before a batch commits; the next one stops the upload.
MAX_RUNS_WITHOUT_PROGRESS = 3

STOPPED_MESSAGE = (
    "Not stored: processing stopped after repeated errors on our side. Upload the file again: "
    "rows already added will not be added twice."
)
FAILED_ROW_MESSAGE = (
    "This row could not be stored because of an error on our side. Upload the file again to retry it: "
    "rows already added will not be added twice."
)


def _report_entry(columns, line, values, errors):
    return {"row": line, "source_ref": row_source_ref(columns, values), "errors": errors}


def notification_upload_create(*, actor, filename, csv_file, sender_agency=None):
    """Store the rows of a checked CsvFile as a queued upload, and queue its processing on commit.

    Rows of the wrong shape go straight into the report; the task stores the others.
    """
    authority = authority_for(actor)
    report, pending = [], []
    for line, values in csv_file.rows:
        errors = row_shape_errors(csv_file.columns, values)
        if errors:
            report.append(_report_entry(csv_file.columns, line, values, errors))
        else:
            pending.append([line, values])
    with transaction.atomic():
        upload = NotificationUpload.objects.create(
            authority=authority,
            uploaded_by=actor,
            # The police force whose notifications these are (the MASH keys them in on its behalf).
            sender_agency_id=sender_agency.pk if sender_agency is not None else actor.agency_id,
            filename=filename[:255],
            rows_total=len(csv_file.rows),
            rows_processed=len(report),
            rows_rejected=len(report),
            row_errors=report,
            columns=csv_file.columns,
            rows=pending,
        )
        notification_upload_enqueue(upload_id=upload.pk)
    return upload


def notification_upload_enqueue(*, upload_id):
    """Queue a run once the caller's transaction commits. A broker that cannot be reached is
    logged, not raised: the upload is in the database and the sweep queues it later."""
    transaction.on_commit(lambda: _send(upload_id))


PROCESS_TASK = "missing.tasks.process_notification_upload"


def _send(upload_id):
    # Sent by name: the task module calls this one, so it is not imported here.
    try:
        current_app.send_task(PROCESS_TASK, args=[str(upload_id)], retry_policy={"max_retries": 1})
    except Exception:
        logger.warning(
            "Could not queue notification upload %s; the periodic sweep will queue it again.", upload_id, exc_info=True
        )
        return
    NotificationUpload.objects.filter(pk=upload_id).update(enqueued_at=timezone.now())


def _locked(upload_id):
    """The upload under its row lock, without the rows still to store (they can be megabytes)."""
    uploads = NotificationUpload.objects.select_for_update(of=("self",)).select_related("uploaded_by", "authority")
    return uploads.defer("rows").get(pk=upload_id)


def _finish(upload, status, now):
    """End the upload: its status, its time, its one audit event; the copy of the file's rows goes."""
    upload.row_errors.sort(key=lambda entry: entry["row"])
    upload.status = status
    upload.finished_at = now
    upload.columns = []
    upload.rows = []
    audit_event_record(
        actor=upload.uploaded_by,
        verb="notifications.uploaded",
        obj=upload,
        data={
            "filename": upload.filename,
            "status": status,
            "rows_total": upload.rows_total,
            "rows_created": upload.rows_created,
            "rows_duplicate": upload.rows_duplicate,
            "rows_refused": upload.rows_rejected,
        },
    )


def _run_start(upload_id, now):
    """Mark a run begun. Answers the upload's (columns, rows), or None when there is nothing to do:
    the upload is gone or ended, or runs kept dying and it is now stopped with its rows reported."""
    with transaction.atomic():
        upload = NotificationUpload.objects.select_for_update().filter(pk=upload_id).first()
        if upload is None or upload.finished:
            return None
        if upload.runs_without_progress >= MAX_RUNS_WITHOUT_PROGRESS:
            logger.error("Notification upload %s stopped: %s runs died without progress.", upload_id,
                         upload.runs_without_progress)
            left = upload.rows[upload.next_row:]
            upload.row_errors += [
                _report_entry(upload.columns, line, values, {"row": [STOPPED_MESSAGE]}) for line, values in left
            ]
            upload.rows_rejected += len(left)
            upload.rows_processed += len(left)
            upload.next_row += len(left)
            upload.progress_at = now
            _finish(upload, UploadStatus.FAILED, now)
            upload.save()
            return None
        upload.runs_without_progress += 1
        upload.status = UploadStatus.PROCESSING
        upload.started_at = upload.started_at or now
        upload.save(update_fields=["runs_without_progress", "status", "started_at"])
        return upload.columns, upload.rows


def _row_outcome(columns, values, *, upload):
    try:
        return row_store(columns, values, sender=upload.uploaded_by, authority=upload.authority, upload=upload,
                         on_behalf_of=upload.sender_agency)
    except Exception:
        # One row must not stop the file. If the database connection itself is lost, the batch
        # cannot commit either, so nothing of this guess is kept and a later run retries the batch.
        logger.exception("Notification upload %s: a row could not be stored.", upload.pk)
        return None, {"row": [FAILED_ROW_MESSAGE]}


def _batch_process(upload_id, columns, rows):
    """Store the next BATCH_ROWS rows in one transaction. Answers whether rows are left."""
    with transaction.atomic():
        upload = _locked(upload_id)
        if upload.finished:
            return False
        batch = rows[upload.next_row : upload.next_row + BATCH_ROWS]
        for line, values in batch:
            created, errors = _row_outcome(columns, values, upload=upload)
            if created:
                upload.rows_created += 1
            elif created is not None:
                upload.rows_duplicate += 1
            else:
                upload.rows_rejected += 1
                upload.row_errors.append(_report_entry(columns, line, values, errors))
        now = timezone.now()
        upload.next_row += len(batch)
        upload.rows_processed += len(batch)
        upload.runs_without_progress = 0
        upload.progress_at = now
        fields = ["next_row", "rows_processed", "rows_created", "rows_duplicate", "rows_rejected", "row_errors",
                  "runs_without_progress", "progress_at"]
        left = upload.next_row < len(rows)
        if not left:
            _finish(upload, UploadStatus.DONE, now)
            fields += ["status", "finished_at", "columns", "rows"]
        upload.save(update_fields=fields)
        return left


def notification_upload_process(*, upload_id, max_batches=RUN_BATCHES):
    """One run of the task: up to `max_batches` batches from where the last committed one ended.
    Answers whether rows are left for another run (the task queues it)."""
    started = _run_start(upload_id, timezone.now())
    if started is None:
        return False
    columns, rows = started
    for _ in range(max_batches):
        if not _batch_process(upload_id, columns, rows):
            return False
    return True


def notification_uploads_resume(*, now=None):
    """The sweep: queue again every unfinished upload that has neither moved nor been queued for
    STALE_AFTER (its message was lost with Redis, or its worker died). Answers their ids."""
    now = now or timezone.now()
    cutoff = now - STALE_AFTER
    stale = list(
        NotificationUpload.objects.filter(
            status__in=[UploadStatus.QUEUED, UploadStatus.PROCESSING], progress_at__lt=cutoff
        )
        .exclude(enqueued_at__gte=cutoff)
        .order_by("progress_at")
        .values_list("pk", flat=True)
    )
    for upload_id in stale:
        _send(upload_id)
    return stale
