"""Requests never depend on the broker (issue 14, item 2). With the test's own Redis really
stopped, police notifications, triage, pages and the API keep working and lose nothing; the work
that would have been queued waits in the database, and a real worker does it when it returns."""

import os
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from celery import Celery
from django.db import connection
from django.utils import timezone

from missing.models import MissingEpisode, PoliceNotification, SubjectAccessExport

from ..brokers import OwnRedis, celery_broker
from ..factories import ChildFactory

pytestmark = pytest.mark.django_db(transaction=True)

ROOT = Path(__file__).resolve().parents[2]


def database_url():
    s = connection.settings_dict
    return f"postgres://{s['USER']}:{s['PASSWORD']}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


@pytest.fixture
def broker():
    own = OwnRedis().start()
    with celery_broker(own.url):
        yield own
    own.stop()


@pytest.fixture
def worker(broker, files_folder):
    processes = []

    def start():
        env = {**os.environ, "DATABASE_URL": database_url(), "CELERY_BROKER_URL": broker.url,
               "CELERY_RESULT_BACKEND": broker.url, "CASEWORK_FILES_DIR": str(files_folder), "DEBUG": "false"}
        processes.append(subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool=solo", "--loglevel=WARNING",
             "--without-gossip", "--without-mingle", "--without-heartbeat"],
            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        ))

    yield start
    for process in processes:
        process.terminate()
        process.wait(timeout=30)


def _timed(call):
    started = time.monotonic()
    response = call()
    return response, time.monotonic() - started


def _notification(ref, kind, child_name, occurred):
    return {"source_ref": ref, "kind": kind, "received_at": occurred.isoformat(), "occurred_at": occurred.isoformat(),
            "child": {"given_name": child_name, "family_name": "Brokerless", "date_of_birth": "2012-04-01"},
            "risk_level": "high", "circumstances": "Seen at the bus station."}


def test_with_redis_stopped_ingest_triage_pages_and_api_work_and_queued_work_is_done_when_the_worker_returns(
    broker, worker, authority, agencies, mash, police, admin_user, api, signed_in, client
):
    child = ChildFactory(authority=authority, given_name="Sky", family_name="Brokerless")
    admin_page = signed_in(admin_user)
    admin_page.post(f"/missing/children/{child.pk}/subject-access/")
    assert broker.queued() == 1  # the broker is in use: the export's id went to it at once

    broker.stop()  # as a crash would: the queued message is gone too
    now = timezone.now()
    took = []
    response, seconds = _timed(lambda: admin_page.post(f"/missing/children/{child.pk}/subject-access/"))
    assert response.status_code == 302
    took.append(seconds)
    response, seconds = _timed(lambda: api(police).post(
        "/api/v1/notifications/", _notification("REDIS-1", "missing", "Sky", now - timedelta(hours=2)), format="json"))
    assert response.status_code == 201, response.content
    took.append(seconds)
    pending = response.json()
    response, seconds = _timed(lambda: api(police).post(
        "/api/v1/notifications/", _notification("REDIS-2", "missing", "Lee", now - timedelta(hours=1)), format="json"))
    assert response.status_code == 201
    took.append(seconds)
    response, seconds = _timed(lambda: api(mash).post(
        f"/api/v1/notifications/{pending['id']}/triage/", {"child": str(child.pk)}, format="json"))
    assert response.status_code == 200, response.content
    took.append(seconds)
    episode = MissingEpisode.objects.get(child=child)

    page = signed_in(mash)
    lee = PoliceNotification.objects.get(source_ref="REDIS-2")
    response, seconds = _timed(lambda: page.post("/missing/triage/", {"notification": str(lee.pk), "child": ""}))
    assert response.status_code == 302, response.content
    took.append(seconds)
    for path in ("/missing/triage/", "/missing/children/", f"/missing/children/{child.pk}/", "/clocks/due/"):
        response, seconds = _timed(lambda: page.get(path))
        assert response.status_code == 200, path
        took.append(seconds)
    for path in ("/api/v1/children/", f"/api/v1/deadlines/?episode={episode.pk}", "/api/v1/notifications/"):
        response, seconds = _timed(lambda: api(mash).get(path))
        assert response.status_code == 200, path
        took.append(seconds)
    ready = client.get("/readyz").json()
    assert ready["status"] == "degraded" and ready["checks"]["broker"]["status"] == "degraded"
    assert max(took) < 3, took  # no request waited on the broker

    assert PoliceNotification.objects.filter(source_ref__in=["REDIS-1", "REDIS-2"], status="linked").count() == 2
    assert MissingEpisode.objects.filter(child__family_name="Brokerless").count() == 2
    assert api(mash).get(f"/api/v1/deadlines/?episode={episode.pk}").json()["count"] > 0
    assert SubjectAccessExport.objects.filter(child=child, produced_at__isnull=True).count() == 2

    broker.start()  # Redis comes back empty, and so does the worker
    worker()
    beat = Celery("test-beat", broker=broker.url, backend=broker.url)
    result = beat.send_task("casework.tasks.check_deadlines").get(timeout=120)  # what beat sends each minute
    assert result["ran"] is True and result["jobs_run"] == 3  # the two exports and the dashboard's recount
    assert SubjectAccessExport.objects.filter(child=child, produced_at__isnull=False).count() == 2
