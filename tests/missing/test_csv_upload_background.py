"""Issue 7, item 7: large CSV uploads are stored in the request and processed by a Celery task.

The request stores the rows and answers at once; a task (a real worker where it matters) stores
them in batches that commit with their progress, so a run that dies loses and repeats nothing; a
sweep on the beat schedule queues again what Redis lost; the progress page polls real counts.
"""

import base64
import json
import logging
import socket
import time
from contextlib import contextmanager
from datetime import timedelta

import pytest
import redis
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from config.celery import app as celery_app
from casework.models import AgencyKind, AuditEvent, Role
from missing.csv_import import COLUMNS
from missing.models import NotificationUpload, PoliceNotification, UploadStatus
from missing.services import notification_receive
from missing.uploads import (
    BATCH_ROWS,
    FAILED_ROW_MESSAGE,
    MAX_RUNS_WITHOUT_PROGRESS,
    STALE_AFTER,
    STOPPED_MESSAGE,
    notification_upload_process,
    notification_uploads_resume,
)
from tests.factories import LocalAuthorityFactory, UserFactory

HEADER = ",".join(COLUMNS)
REQUIRED = "Enter a value: this column is required."


def good_row(n, *, kind="missing"):
    when = (timezone.localtime() - timedelta(days=1)).strftime("%d/%m/%Y %H:%M")
    born = (timezone.localdate() - timedelta(days=365 * 13)).strftime("%d/%m/%Y")
    return f"BG-{n},{kind},{when},{when},Kit{n},Testrow{n},{born},,low,home,,Synthetic row {n}"


def csv_file(lines, name="notifications.csv"):
    return SimpleUploadedFile(name, ("\r\n".join([HEADER, *lines]) + "\r\n").encode(), content_type="text/csv")


def post_upload(client, lines, **headers):
    return client.post(reverse("missing:notification_upload"), {"file": csv_file(lines)}, **headers)


def run_to_the_end(upload):
    while notification_upload_process(upload_id=upload.pk):
        pass
    upload.refresh_from_db()
    return upload


def upload_events(upload):
    return AuditEvent.objects.filter(verb="notifications.uploaded", object_id=str(upload.pk))


def wait_for(condition, what, timeout=240):
    """Waits for a worker process (there is no clock to move in another process): polls the database."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.1)


def upload_status(upload):
    return NotificationUpload.objects.values_list("status", flat=True).get(pk=upload.pk)


@pytest.fixture
def coordinator(client, mash):
    client.force_login(mash)
    return client


@contextmanager
def redis_unreachable():
    """This process's Celery app pointed at a port nobody listens on, as when Redis is down. The app
    keeps its connection pools, so its references to them are dropped on the way in and out (kombu
    keeps the pools themselves by address, so the real one is found again afterwards)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        dead = f"redis://127.0.0.1:{probe.getsockname()[1]}/0"
    saved = celery_app.conf.broker_url

    def point_at(url):
        celery_app.conf.broker_url = url
        celery_app._pool = None
        celery_app.amqp._producer_pool = None

    point_at(dead)
    try:
        yield
    finally:
        point_at(saved)


def queued_upload_ids(queue):
    """The upload ids of the messages waiting in a Redis queue for the processing task."""
    ids = []
    for raw in redis.Redis.from_url(celery_app.conf.broker_url).lrange(queue, 0, -1):
        message = json.loads(raw)
        assert message["headers"]["task"] == "missing.tasks.process_notification_upload"
        args, _kwargs, _embed = json.loads(base64.b64decode(message["body"]))
        ids.append(args[0])
    return sorted(ids)


# The request -----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_request_stores_a_large_file_and_no_notification(
    coordinator, mash, django_assert_max_num_queries, django_capture_on_commit_callbacks
):
    lines = [good_row(n) for n in range(1, 3001)] + ["BG-X,missing,,,,,"]

    with django_capture_on_commit_callbacks() as queued, django_assert_max_num_queries(15):
        response = post_upload(coordinator, lines)

    upload = NotificationUpload.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("missing:notification_upload_report", args=[upload.pk])
    assert len(queued) == 1  # the task is queued once the upload is committed, not before
    assert not PoliceNotification.objects.exists()
    assert (upload.status, upload.rows_total, upload.rows_processed, upload.rows_rejected) == ("queued", 3001, 1, 1)
    assert (upload.authority, upload.uploaded_by, upload.sender_agency.kind) == (mash.agency.authority, mash, "police")
    assert len(upload.rows) == 3000 and upload.rows[0][0] == 2 and upload.rows[0][1][0] == "BG-1"
    assert upload.row_errors == [{"row": 3002, "source_ref": "BG-X", "errors": {
        column: [REQUIRED] for column in ("received_at", "occurred_at", "given_name", "family_name", "date_of_birth")
    }}]
    assert not upload_events(upload).exists()


@pytest.mark.django_db
def test_the_script_upload_answers_the_progress_page_at_once(coordinator):
    response = post_upload(coordinator, [good_row(1)], HTTP_X_REQUESTED_WITH="XMLHttpRequest")

    upload = NotificationUpload.objects.get()
    assert response.status_code == 201
    assert response.json() == {"report_url": reverse("missing:notification_upload_report", args=[upload.pk])}
    assert upload.status == UploadStatus.QUEUED and not PoliceNotification.objects.exists()


# The task --------------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_a_real_worker_stores_every_row_of_a_large_file_with_a_true_report_and_one_audit_event(
    client, mash, police, authority, celery_queue, start_celery_worker
):
    earlier = timezone.now() - timedelta(hours=3)
    for n in (5, 6, 7):  # the police sent these before
        notification_receive(
            sender=police, authority=authority, source_ref=f"BG-{n}", kind="missing", received_at=earlier,
            occurred_at=earlier, child_given_name="Kit", child_family_name="Testearlier",
            child_date_of_birth=timezone.localdate() - timedelta(days=365 * 12),
        )
    lines = [good_row(n) for n in range(1, 3001)]
    lines[9] = good_row(10, kind="lost")
    lines[1999] = good_row(2000).replace("Kit2000", "")
    lines[2999] = good_row(3000) + ",surplus"
    lines.append(good_row(42))  # the same notification twice in one file
    client.force_login(mash)

    response = post_upload(client, lines)
    upload = NotificationUpload.objects.get()
    assert response.status_code == 302 and upload.status == UploadStatus.QUEUED
    start_celery_worker()
    wait_for(lambda: upload_status(upload) == UploadStatus.DONE, "the upload to be processed")

    upload.refresh_from_db()
    assert (upload.rows_total, upload.rows_processed) == (3001, 3001)
    # BG-5..7 are the police force's own earlier sends: the file is uploaded as that force's (N1).
    assert (upload.rows_created, upload.rows_duplicate, upload.rows_rejected) == (2994, 4, 3)
    assert PoliceNotification.objects.filter(upload=upload).count() == 2994
    assert PoliceNotification.objects.count() == 2997
    assert [(e["row"], e["source_ref"], list(e["errors"])) for e in upload.row_errors] == [
        (11, "BG-10", ["kind"]), (2001, "BG-2000", ["given_name"]), (3001, "BG-3000", ["row"]),
    ]
    assert upload.started_at <= upload.finished_at and upload.rows == [] and upload.next_row == 2999
    event = upload_events(upload).get()
    assert event.actor == mash
    assert event.data == {"filename": "notifications.csv", "status": "done", "rows_total": 3001,
                          "rows_created": 2994, "rows_duplicate": 4, "rows_refused": 3}


@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_part_way_loses_and_repeats_nothing_once_the_sweep_queues_the_rest(
    client, mash, celery_queue, start_celery_worker
):
    client.force_login(mash)
    post_upload(client, [good_row(n) for n in range(1, 1201)])
    upload = NotificationUpload.objects.get()

    worker = start_celery_worker()
    wait_for(lambda: NotificationUpload.objects.get(pk=upload.pk).rows_processed >= 3 * BATCH_ROWS, "some batches")
    worker.kill()  # SIGKILL: the run dies, all but surely in the middle of a batch
    worker.wait(timeout=30)

    upload.refresh_from_db()
    assert upload.status == UploadStatus.PROCESSING and 0 < upload.rows_processed < 1200
    # The batch that was under way left nothing behind: what is stored is what is counted.
    stored = PoliceNotification.objects.filter(upload=upload)
    assert stored.count() == upload.rows_created == upload.rows_processed == upload.next_row
    assert AuditEvent.objects.filter(verb="notification.received").count() == upload.rows_created

    assert notification_uploads_resume(now=timezone.now()) == []  # it moved a moment ago
    assert notification_uploads_resume(now=timezone.now() + STALE_AFTER + timedelta(seconds=1)) == [upload.pk]
    start_celery_worker()
    wait_for(lambda: upload_status(upload) == UploadStatus.DONE, "the rest of the upload")

    upload.refresh_from_db()
    assert (upload.rows_processed, upload.rows_created) == (1200, 1200)
    assert (upload.rows_duplicate, upload.rows_rejected) == (0, 0)
    assert stored.count() == 1200
    assert len(set(stored.values_list("source_ref", flat=True))) == 1200
    assert AuditEvent.objects.filter(verb="notification.received").count() == 1200
    assert upload_events(upload).count() == 1


@pytest.mark.django_db
def test_a_rerun_starts_after_the_last_committed_batch(coordinator):
    post_upload(coordinator, [good_row(n) for n in range(1, 251)])
    upload = NotificationUpload.objects.get()

    assert notification_upload_process(upload_id=upload.pk, max_batches=2) is True
    upload.refresh_from_db()
    assert (upload.status, upload.next_row, upload.rows_processed, upload.rows_created) == ("processing", 200, 200, 200)
    assert upload.runs_without_progress == 0 and not upload_events(upload).exists()

    assert notification_upload_process(upload_id=upload.pk) is False
    assert notification_upload_process(upload_id=upload.pk) is False  # a run queued twice finds it done
    upload.refresh_from_db()
    assert (upload.status, upload.rows_processed, upload.rows_created, upload.rows_duplicate) == ("done", 250, 250, 0)
    assert PoliceNotification.objects.count() == 250
    assert upload_events(upload).count() == 1


@pytest.mark.django_db
def test_runs_that_keep_dying_stop_the_upload_with_every_row_reported(coordinator, mash):
    post_upload(coordinator, [good_row(n) for n in range(1, 151)])
    upload = NotificationUpload.objects.get()
    notification_upload_process(upload_id=upload.pk, max_batches=1)
    # Runs that started and died before their first batch committed, as a worker killed each time would leave it.
    NotificationUpload.objects.filter(pk=upload.pk).update(runs_without_progress=MAX_RUNS_WITHOUT_PROGRESS)

    assert notification_upload_process(upload_id=upload.pk) is False

    upload.refresh_from_db()
    assert (upload.status, upload.rows_processed, upload.rows_created, upload.rows_rejected) == ("failed", 150, 100, 50)
    assert [e["row"] for e in upload.row_errors] == list(range(102, 152))
    assert upload.row_errors[0] == {"row": 102, "source_ref": "BG-101", "errors": {"row": [STOPPED_MESSAGE]}}
    assert upload_events(upload).get().data["status"] == "failed"
    page = coordinator.get(reverse("missing:notification_upload_report", args=[upload.pk])).content.decode()
    assert "Processing stopped before every row was stored" in page and "BG-150" in page


@pytest.mark.django_db
def test_a_row_the_database_refuses_is_reported_and_the_rows_around_it_are_stored(coordinator):
    with connection.cursor() as cursor:
        cursor.execute("""
            CREATE FUNCTION refuse_bg_2() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
              IF NEW.source_ref = 'BG-2' THEN RAISE EXCEPTION 'refused for the test'; END IF;
              RETURN NEW;
            END $$;
            CREATE TRIGGER refuse_bg_2 BEFORE INSERT ON missing_policenotification
              FOR EACH ROW EXECUTE FUNCTION refuse_bg_2();
        """)
    post_upload(coordinator, [good_row(1), good_row(2), good_row(3)])

    upload = run_to_the_end(NotificationUpload.objects.get())

    assert (upload.status, upload.rows_created, upload.rows_rejected) == ("done", 2, 1)
    assert upload.row_errors == [{"row": 3, "source_ref": "BG-2", "errors": {"row": [FAILED_ROW_MESSAGE]}}]
    assert sorted(PoliceNotification.objects.values_list("source_ref", flat=True)) == ["BG-1", "BG-3"]


@pytest.mark.django_db
def test_bad_rows_are_reported_with_their_row_numbers_and_reasons(coordinator):
    future = (timezone.localtime() + timedelta(days=2)).strftime("%d/%m/%Y %H:%M")
    lines = [
        good_row(1),
        good_row(2, kind="lost"),
        "",
        good_row(3) + ",surplus",
        good_row(4).replace("BG-4,", ",", 1),
        good_row(5).replace(",low,", ",extreme,"),
        good_row(6).split(",", 2)[0] + f",missing,{future}," + good_row(6).split(",", 3)[3],
        good_row(7),
    ]

    post_upload(coordinator, lines)
    upload = NotificationUpload.objects.get()
    assert [e["row"] for e in upload.row_errors] == [5, 6]  # the shape of a row is checked in the request
    upload = run_to_the_end(upload)

    assert (upload.rows_total, upload.rows_created, upload.rows_rejected) == (7, 2, 5)
    assert [(e["row"], e["source_ref"], e["errors"]) for e in upload.row_errors] == [
        (3, "BG-2", {"kind": ['"lost" is not a valid choice.']}),
        (5, "BG-3", {"row": ["This row has more values than the header row has columns."]}),
        (6, "", {"source_ref": [REQUIRED]}),
        (7, "BG-5", {"risk_level": ['"extreme" is not a valid choice.']}),
        (8, "BG-6", {"received_at": ["The time received cannot be in the future."]}),
    ]
    page = coordinator.get(reverse("missing:notification_upload_report", args=[upload.pk])).content.decode()
    assert "<h1 class=\"govuk-heading-l\">Upload report</h1>" in page and "Rows with a problem" in page
    assert "<code>risk_level</code>" in page and "The time received cannot be in the future." in page


# The progress page -----------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_progress_endpoint_and_page_show_real_progress_then_the_report(coordinator):
    post_upload(coordinator, [good_row(n) for n in range(1, 251)] + [good_row(1)])
    upload = NotificationUpload.objects.get()
    progress_url = reverse("missing:notification_upload_progress", args=[upload.pk])
    page_url = reverse("missing:notification_upload_report", args=[upload.pk])

    response = coordinator.get(progress_url)
    assert response.status_code == 200 and "no-cache" in response["Cache-Control"]
    assert response.json() == {
        "status": "queued", "finished": False, "rows_total": 251, "rows_processed": 0, "rows_created": 0,
        "rows_duplicate": 0, "rows_rejected": 0, "percent": 0, "summary": "Waiting to start: 0 of 251 rows processed",
    }

    notification_upload_process(upload_id=upload.pk, max_batches=1)
    assert coordinator.get(progress_url).json() == {
        "status": "processing", "finished": False, "rows_total": 251, "rows_processed": 100, "rows_created": 100,
        "rows_duplicate": 0, "rows_rejected": 0, "percent": 39, "summary": "Processing: 100 of 251 rows processed",
    }
    page = coordinator.get(page_url).content.decode()
    assert "Processing your upload" in page
    assert '<label class="govuk-label govuk-label--s" for="upload-progress">Rows processed</label>' in page
    assert '<progress id="upload-progress" class="govuk-!-width-full" max="251" value="100">39%</progress>' in page
    assert 'id="upload-progress-announcement" role="status"' in page
    assert f'data-progress-url="{progress_url}"' in page and "missing/upload_progress.js" in page
    assert "Rows with a problem</caption>" not in page

    run_to_the_end(upload)
    progress = coordinator.get(progress_url).json()
    assert (progress["status"], progress["finished"], progress["percent"]) == ("done", True, 100)
    assert (progress["rows_created"], progress["rows_duplicate"]) == (250, 1)
    assert progress["summary"] == "251 of 251 rows processed"
    page = coordinator.get(page_url).content.decode()
    assert "Upload report" in page and "<progress" not in page and "upload_progress.js" not in page
    assert '<dd class="govuk-summary-list__value" id="rows-duplicate">1</dd>' in page


@pytest.mark.django_db
def test_an_upload_is_seen_only_by_the_coordinators_and_administrators_of_its_authority(
    client, coordinator, signed_in, agencies, police, health_worker, admin_user
):
    post_upload(coordinator, [good_row(1)])
    upload = NotificationUpload.objects.get()
    urls = [reverse(name, args=[upload.pk])
            for name in ("missing:notification_upload_report", "missing:notification_upload_progress")]
    colleague = UserFactory(agency=agencies[AgencyKind.CHILDRENS_SOCIAL_CARE], roles=[Role.MASH_COORDINATOR])
    elsewhere = UserFactory(agency__authority=LocalAuthorityFactory(name="Elsewhere Council"),
                            roles=[Role.MASH_COORDINATOR])
    chair = UserFactory(agency=agencies[AgencyKind.CHILDRENS_SOCIAL_CARE], roles=[Role.PANEL_CHAIR])

    for user, status in [(colleague, 200), (admin_user, 200), (elsewhere, 404), (police, 404),
                         (health_worker, 404), (chair, 404)]:
        signed_in(user)  # an administrator past their second factor
        assert [client.get(url).status_code for url in urls] == [status, status], user.username
    client.logout()
    assert all(client.get(url).status_code == 302 for url in urls)


# Nothing lives only in the broker -------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_an_upload_made_while_redis_is_down_is_kept_and_the_beat_sweep_has_a_worker_store_it(
    client, mash, celery_queue, start_celery_worker, caplog
):
    client.force_login(mash)
    with redis_unreachable(), caplog.at_level(logging.WARNING, logger="missing.uploads"):
        response = post_upload(client, [good_row(n) for n in range(1, 121)])

    upload = NotificationUpload.objects.get()
    assert response.status_code == 302
    assert (upload.status, upload.enqueued_at, len(upload.rows)) == ("queued", None, 120)
    assert f"Could not queue notification upload {upload.pk}" in caplog.text

    # Redis is back; two minutes later the sweep that beat sends every minute runs on a worker.
    start_celery_worker()
    NotificationUpload.objects.filter(pk=upload.pk).update(progress_at=timezone.now() - STALE_AFTER)
    swept = celery_app.send_task("missing.tasks.resume_notification_uploads").get(timeout=120)
    assert swept == [str(upload.pk)]
    wait_for(lambda: upload_status(upload) == UploadStatus.DONE, "the swept upload")

    upload.refresh_from_db()
    assert (upload.rows_created, upload.rows_processed) == (120, 120) and upload.enqueued_at is not None
    assert upload_events(upload).count() == 1


@pytest.mark.django_db
def test_the_sweep_queues_again_only_unfinished_uploads_that_stopped_moving(mash, authority, celery_queue):
    now = timezone.now()
    old = now - STALE_AFTER - timedelta(seconds=1)

    def upload(status, progress_at, enqueued_at=None):
        return NotificationUpload.objects.create(
            authority=authority, uploaded_by=mash, filename="n.csv", status=status, rows_total=1,
            progress_at=progress_at, enqueued_at=enqueued_at,
            **({"rows_processed": 1, "rows_created": 1} if status == UploadStatus.DONE else {}),
        )

    lost_in_queue = upload(UploadStatus.QUEUED, old)
    worker_died = upload(UploadStatus.PROCESSING, old, enqueued_at=old)
    upload(UploadStatus.QUEUED, now)  # just made
    upload(UploadStatus.PROCESSING, old, enqueued_at=now - timedelta(seconds=30))  # queued again a moment ago
    upload(UploadStatus.DONE, old)
    upload(UploadStatus.FAILED, old)

    assert set(notification_uploads_resume(now=now)) == {lost_in_queue.pk, worker_died.pk}
    assert queued_upload_ids(celery_queue) == sorted([str(lost_in_queue.pk), str(worker_died.pk)])
    lost_in_queue.refresh_from_db()
    assert lost_in_queue.enqueued_at is not None
    assert notification_uploads_resume(now=now) == []  # queued again just now: not twice in a row


def test_the_sweep_is_on_the_one_beat_schedule_that_already_runs_the_clock():
    schedule = settings.CELERY_BEAT_SCHEDULE
    assert schedule["check-deadlines"]["task"] == "casework.tasks.check_deadlines"
    assert schedule["resume-notification-uploads"] == {"task": "missing.tasks.resume_notification_uploads",
                                                       "schedule": 60.0}
    assert settings.CELERY_BEAT_SCHEDULER == "django_celery_beat.schedulers:DatabaseScheduler"
    celery_app.loader.import_default_modules()
    assert {"missing.tasks.resume_notification_uploads", "missing.tasks.process_notification_upload"} <= set(
        celery_app.tasks
    )


@pytest.mark.django_db
def test_an_upload_is_kept_as_the_police_forces_and_two_forces_must_be_chosen_between(client, mash, authority,
                                                                                       agencies):
    """The MASH keys in what a force sent: the notifications are the force's (idempotency and the
    force's involvement follow), and with two forces the coordinator says which."""
    client.force_login(mash)
    post_upload(client, [good_row(1)])
    upload = NotificationUpload.objects.get()
    assert upload.sender_agency == agencies[AgencyKind.POLICE]
    from ..factories import AgencyFactory

    AgencyFactory(authority=authority, name="Second Force", kind=AgencyKind.POLICE)
    refused = post_upload(client, [good_row(2)])
    assert refused.status_code == 400 and "Police force that sent" in refused.content.decode()
