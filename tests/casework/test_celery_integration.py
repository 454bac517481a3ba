"""A real Celery worker on Redis runs the clock against the test database.

Everything the clock needs is in PostgreSQL: a task lost when Redis is flushed loses nothing, and
the next run fires what fell due, exactly once.
"""

import os
from datetime import timedelta

import pytest
import redis
from celery import Celery
from django.utils import timezone

from casework.models import Deadline, Escalation, InboxItem, NoticeRecipient, NoticeRole
from missing.models import LegalStatus
from missing.services import episode_create
from tests.factories import ChildFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)

BROKER = os.environ.get("CLOCKS_TEST_BROKER_URL", "redis://127.0.0.1:6379/11")


@pytest.fixture
def client_app():
    # Not the current app: tasks the project queues itself (shared_task) must keep using casework's.
    return Celery("clocks-test-client", broker=BROKER, backend=BROKER, set_as_current=False)


def test_a_real_worker_fires_the_due_notices_once_even_after_redis_was_flushed(
    authority, agencies, mash, celery_queue, start_celery_worker, client_app
):
    head = UserFactory(username="head", agency=agencies["childrens_social_care"])
    NoticeRecipient.objects.create(authority=authority, role=NoticeRole.HEAD_OF_SERVICE, user=head)
    started = timezone.now() - timedelta(hours=30)
    child = ChildFactory(authority=authority, legal_status=LegalStatus.LOOKED_AFTER)
    episode_create(actor=mash, child=child, category="missing", started_at=started,
                   reported_at=started + timedelta(minutes=5), risk_level="high", location_type="care")
    assert Deadline.objects.filter(child_id=child.pk, status="open", due_at__lte=timezone.now()).count() == 2

    client_app.send_task("casework.tasks.check_deadlines", queue=celery_queue)
    redis.Redis.from_url(BROKER).flushdb()  # the queued task is gone before any worker saw it
    assert not Escalation.objects.exists()

    start_celery_worker(broker=BROKER)
    first = client_app.send_task("casework.tasks.check_deadlines", queue=celery_queue).get(timeout=120)
    assert first["ran"] is True and first["notices"] == 2  # T11 at once, T6 at 24 hours
    second = client_app.send_task("casework.tasks.check_deadlines", queue=celery_queue).get(timeout=120)
    assert second["notices"] == 0
    assert sorted(Escalation.objects.values_list("rule", flat=True)) == ["T11", "T6"]
    assert InboxItem.objects.filter(user=head, escalation__rule="T6").count() == 1
