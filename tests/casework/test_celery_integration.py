"""A real Celery worker on Redis runs the clock against the test database.

Everything the clock needs is in PostgreSQL: a task lost when Redis is flushed loses nothing, and
the next run fires what fell due, exactly once.
"""

import os
import subprocess
import sys
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
import redis
from celery import Celery
from django.db import connection
from django.utils import timezone

from casework.models import Deadline, Escalation, InboxItem, NoticeRecipient, NoticeRole
from missing.models import LegalStatus
from missing.services import episode_create
from tests.factories import ChildFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)

ROOT = Path(__file__).resolve().parents[2]
BROKER = os.environ.get("CLOCKS_TEST_BROKER_URL", "redis://127.0.0.1:6379/11")


def database_url():
    s = connection.settings_dict
    return f"postgres://{s['USER']}:{s['PASSWORD']}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


@pytest.fixture
def queue():
    return f"clocks-test-{uuid.uuid4().hex[:8]}"


@pytest.fixture
def start_worker(queue):
    processes = []

    def start():
        env = {
            **os.environ,
            "DATABASE_URL": database_url(),
            "CELERY_BROKER_URL": BROKER,
            "CELERY_RESULT_BACKEND": BROKER,
            "DEBUG": "false",
        }
        process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool=solo", "--loglevel=WARNING",
             "-Q", queue, "--without-gossip", "--without-mingle", "--without-heartbeat"],
            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        )
        processes.append(process)
        return process

    yield start
    for process in processes:
        process.terminate()
        process.wait(timeout=30)


@pytest.fixture
def client_app():
    return Celery("clocks-test-client", broker=BROKER, backend=BROKER)


def test_a_real_worker_fires_the_due_notices_once_even_after_redis_was_flushed(
    authority, agencies, mash, queue, start_worker, client_app
):
    head = UserFactory(username="head", agency=agencies["childrens_social_care"])
    NoticeRecipient.objects.create(authority=authority, role=NoticeRole.HEAD_OF_SERVICE, user=head)
    started = timezone.now() - timedelta(hours=30)
    child = ChildFactory(authority=authority, legal_status=LegalStatus.LOOKED_AFTER)
    episode_create(actor=mash, child=child, category="missing", started_at=started,
                   reported_at=started + timedelta(minutes=5), risk_level="high", location_type="care")
    assert Deadline.objects.filter(child_id=child.pk, status="open", due_at__lte=timezone.now()).count() == 2

    client_app.send_task("casework.tasks.check_deadlines", queue=queue)
    redis.Redis.from_url(BROKER).flushdb()  # the queued task is gone before any worker saw it
    assert not Escalation.objects.exists()

    start_worker()
    first = client_app.send_task("casework.tasks.check_deadlines", queue=queue).get(timeout=120)
    assert first["ran"] is True and first["notices"] == 2  # T11 at once, T6 at 24 hours
    second = client_app.send_task("casework.tasks.check_deadlines", queue=queue).get(timeout=120)
    assert second["notices"] == 0
    assert sorted(Escalation.objects.values_list("rule", flat=True)) == ["T11", "T6"]
    assert InboxItem.objects.filter(user=head, escalation__rule="T6").count() == 1
