"""Celery tasks of the missing app: each takes ids (or nothing), calls one service and is safe to run twice."""

from celery import shared_task

from .uploads import notification_upload_enqueue, notification_upload_process, notification_uploads_resume


@shared_task(name="missing.tasks.process_notification_upload", ignore_result=True)
def process_notification_upload(upload_id):
    """One run over a CSV upload's rows; queues the next run while rows are left."""
    if notification_upload_process(upload_id=upload_id):
        notification_upload_enqueue(upload_id=upload_id)


@shared_task(name="missing.tasks.resume_notification_uploads", ignore_result=False)
def resume_notification_uploads():
    """Celery beat, every minute: queue again the uploads whose run was lost. Answers their ids."""
    return [str(upload_id) for upload_id in notification_uploads_resume()]
