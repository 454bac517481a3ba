"""A plain page view writes nothing but the record access log (issue 13): the idle timeout records
activity at most once a minute instead of saving the session on every request."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from casework.middleware import ACTIVITY_RESOLUTION

from ..factories import ChildFactory

pytestmark = pytest.mark.django_db

START = datetime(2026, 3, 11, 10, 0, tzinfo=UTC)
WRITES = ("INSERT", "UPDATE", "DELETE", "TRUNCATE")


@pytest.fixture
def clock():
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


def writes(client, path):
    with CaptureQueriesContext(connection) as captured:
        assert client.get(path).status_code == 200
    return [q["sql"] for q in captured if q["sql"].lstrip().upper().startswith(WRITES)]


def test_page_views_within_a_minute_write_only_the_record_access_log(signed_in, mash, authority, clock):
    child = ChildFactory(authority=authority)
    client = signed_in(mash)
    client.get("/")
    clock.shift(timedelta(seconds=ACTIVITY_RESOLUTION - 1))
    for path in ("/", "/missing/children/", f"/missing/children/{child.pk}/", "/clocks/due/", "/missing/triage/"):
        for sql in writes(client, path):
            assert sql.startswith('INSERT INTO "casework_recordaccess"'), sql
    clock.shift(timedelta(seconds=2))
    assert any('UPDATE "django_session"' in sql for sql in writes(client, "/"))
    assert writes(client, "/") == []


def test_activity_still_restarts_the_idle_timeout(signed_in, mash, settings, clock):
    client = signed_in(mash)
    client.get("/")
    clock.shift(settings.SESSION_IDLE_TIMEOUT - timedelta(minutes=1))
    assert client.get("/").status_code == 200
    clock.shift(settings.SESSION_IDLE_TIMEOUT - timedelta(minutes=1))
    assert client.get("/").status_code == 200
    clock.shift(settings.SESSION_IDLE_TIMEOUT + timedelta(seconds=1))
    assert client.get("/").status_code == 302
