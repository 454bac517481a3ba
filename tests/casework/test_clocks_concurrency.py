"""Exactly once on real PostgreSQL: overlapping sweeps in two threads, the same deadline fired
from two threads, and a sweep while another session holds the advisory lock."""

import threading
from datetime import timedelta

import psycopg2
import pytest
from django.db import IntegrityError, connection, connections
from django.utils import timezone

from casework.clocks.services import SWEEP_LOCK_KEY, clock_reconcile, deadline_process_due, deadlines_sweep
from casework.models import Deadline, Escalation, InboxItem, NoticeRecipient, NoticeRole
from missing.clocks.kind import EPISODE
from missing.models import LegalStatus
from tests.factories import ChildFactory, EpisodeFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def due(authority, agencies):
    """Five looked-after children missing for 30 hours: T11 and T6's 24-hour notice are due."""
    head = UserFactory(username="head", agency=agencies["childrens_social_care"])
    NoticeRecipient.objects.create(authority=authority, role=NoticeRole.HEAD_OF_SERVICE, user=head)
    started = timezone.now() - timedelta(hours=30)
    for _ in range(5):
        child = ChildFactory(authority=authority, legal_status=LegalStatus.LOOKED_AFTER)
        episode = EpisodeFactory(child=child, started_at=started, reported_at=started + timedelta(minutes=5))
        clock_reconcile(subject_type=EPISODE, subject_id=episode.pk)
    return head


def run_together(target, count=2):
    """Run `target` in `count` threads released at the same moment, each on its own connection."""
    barrier = threading.Barrier(count)
    results, errors = [], []

    def work():
        try:
            barrier.wait()
            results.append(target())
        except Exception as error:  # collected, so that a failing thread fails the test
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    return results


def test_two_overlapping_sweeps_fire_each_notice_once(due):
    results = run_together(deadlines_sweep)
    assert sum(r.notices for r in results) == 10
    assert Escalation.objects.count() == 10
    assert Escalation.objects.filter(rule="T6").values("deadline").distinct().count() == 5
    assert InboxItem.objects.filter(user=due).count() == 5
    assert not Deadline.objects.filter(rule__in=["T6", "T11"], key__in=["", "24h"], status="open").exists()


def test_the_same_deadline_fired_from_two_threads_fires_once(due):
    deadline = Deadline.objects.filter(rule="T6", key="24h").first()
    now = timezone.now()
    results = run_together(lambda: deadline_process_due(deadline_id=deadline.pk, now=now))
    assert len([r for r in results if r is not None]) == 1
    assert Escalation.objects.filter(deadline=deadline).count() == 1
    assert InboxItem.objects.filter(escalation__deadline=deadline).count() == 1


def test_a_sweep_does_nothing_while_another_holds_the_lock(due):
    other = psycopg2.connect(**{k: v for k, v in connection.get_connection_params().items() if k != "cursor_factory"})
    try:
        with other.cursor() as cursor:
            cursor.execute("SELECT pg_try_advisory_lock(%s)", [SWEEP_LOCK_KEY])
            assert cursor.fetchone()[0] is True
        result = deadlines_sweep()
        assert result.ran is False
        assert Escalation.objects.count() == 0
        with other.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s)", [SWEEP_LOCK_KEY])
    finally:
        other.close()
    assert deadlines_sweep().notices == 10


def test_the_database_refuses_a_second_firing_of_the_same_step(due):
    deadline = Deadline.objects.filter(rule="T11").first()
    Escalation.objects.create(deadline=deadline, rule="T11", step="notice", fired_at=timezone.now())
    with pytest.raises(IntegrityError):
        Escalation.objects.create(deadline=deadline, rule="T11", step="notice", fired_at=timezone.now())
