"""Exactly once under real concurrency: each thread has its own PostgreSQL connection and commits."""

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone
from rest_framework.test import APIClient

from casework.models import AuditEvent, Role
from casework.services import api_token_issue
from missing.models import Child, MissingEpisode, PoliceNotification
from missing.services import notification_receive

from ..factories import ChildFactory, NotificationFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


def at_once(count, work):
    """Run work(i) in `count` threads released together; answers the results in thread order."""
    barrier = threading.Barrier(count)
    results = [None] * count
    errors = []

    def run(index):
        try:
            barrier.wait(timeout=30)
            results[index] = work(index)
        except Exception as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    return results


def token_client(user):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {api_token_issue(user=user)}")
    return client


def notification_body():
    now = timezone.now()
    return {
        "source_ref": "CONC-0001",
        "kind": "missing",
        "received_at": (now - timedelta(minutes=30)).isoformat(),
        "occurred_at": (now - timedelta(hours=2)).isoformat(),
        "child": {"given_name": "Rowan", "family_name": "Racecase", "date_of_birth": "2011-02-03"},
    }


def test_concurrent_resends_store_one_row_and_all_answer_its_id(police):
    clients = [token_client(police) for _ in range(8)]
    responses = at_once(8, lambda i: clients[i].post("/api/v1/notifications/", notification_body(), format="json"))
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [200] * 7 + [201]
    assert len({r.json()["id"] for r in responses}) == 1
    assert PoliceNotification.objects.count() == 1
    assert AuditEvent.objects.filter(verb="notification.received").count() == 1


def test_concurrent_resends_through_the_service(police, authority):
    body = notification_body()
    fields = {
        "source_ref": body["source_ref"],
        "kind": body["kind"],
        "received_at": timezone.now() - timedelta(minutes=5),
        "occurred_at": timezone.now() - timedelta(hours=1),
        "child_given_name": "Rowan",
        "child_family_name": "Racecase",
        "child_date_of_birth": ChildFactory.build().date_of_birth,
    }
    results = at_once(6, lambda i: notification_receive(sender=police, authority=authority, **fields))
    assert sorted(created for _, created in results) == [False] * 5 + [True]
    assert len({notification.pk for notification, _ in results}) == 1
    assert PoliceNotification.objects.count() == 1


def test_concurrent_batches_sharing_references_store_each_once_and_never_deadlock(police):
    """Batches in opposite orders: without one insert order, each would wait on the other's row."""
    clients = [token_client(police) for _ in range(6)]

    def batch(i):
        refs = [f"CONC-B{n}" for n in range(20)]
        bodies = [dict(notification_body(), source_ref=ref) for ref in (refs if i % 2 else reversed(refs))]
        return clients[i].post("/api/v1/notifications/", bodies, format="json")

    responses = at_once(6, batch)
    assert [r.status_code for r in responses] == [200] * 6
    answers = [result for r in responses for result in r.json()["results"]]
    assert sorted(a["status_code"] for a in answers).count(201) == 20
    ids = {}
    for answer in answers:
        ids.setdefault(answer["notification"]["source_ref"], set()).add(answer["notification"]["id"])
    assert all(len(same) == 1 for same in ids.values()) and len(ids) == 20
    assert PoliceNotification.objects.count() == 20
    assert AuditEvent.objects.filter(verb="notification.received").count() == 20


def test_two_coordinators_triaging_at_once_one_wins_the_other_gets_409(mash, authority, agencies):
    second = UserFactory(username="mash2", agency=mash.agency, roles=[Role.MASH_COORDINATOR])
    notification = NotificationFactory(authority=authority)
    clients = [token_client(mash), token_client(second)]
    path = f"/api/v1/notifications/{notification.pk}/triage/"
    responses = at_once(2, lambda i: clients[i].post(path, {"child": None}, format="json"))
    assert sorted(r.status_code for r in responses) == [200, 409]
    winner = next(r for r in responses if r.status_code == 200).json()
    loser = next(r for r in responses if r.status_code == 409).json()
    assert "already triaged" in loser["detail"]
    assert Child.objects.count() == 1
    assert MissingEpisode.objects.count() == 1
    notification.refresh_from_db()
    assert (str(notification.child_id), str(notification.episode_id)) == (winner["child"], winner["episode"])
    assert AuditEvent.objects.filter(verb="notification.triaged").count() == 1


def test_two_episodes_opened_at_once_for_one_child_only_one_stays_open(mash, admin_user, authority):
    child = ChildFactory(authority=authority)
    now = timezone.now()
    body = {
        "category": "missing",
        "started_at": (now - timedelta(hours=3)).isoformat(),
        "reported_at": (now - timedelta(hours=2)).isoformat(),
        "risk_level": "high",
        "location_type": "home",
    }
    clients = [token_client(mash), token_client(admin_user)]
    responses = at_once(2, lambda i: clients[i].post(f"/api/v1/children/{child.pk}/episodes/", body, format="json"))
    assert sorted(r.status_code for r in responses) == [201, 400]
    assert MissingEpisode.objects.filter(child=child, returned_at__isnull=True).count() == 1
