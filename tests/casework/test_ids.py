"""Time-ordered primary keys (casework.ids): UUIDs of version 7 whose first 48 bits are the time."""

import uuid
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.db import connection
from django.test import RequestFactory

from casework.audit import audit_event_record, record_access_log
from casework.ids import time_ordered_id, time_ordered_ids
from casework.models import AuditEvent, RecordAccess

from ..factories import ChildFactory

MOMENT = datetime(2026, 3, 2, 9, 30, 15, 123000, tzinfo=UTC)


def _millis(value):
    return value.int >> 80


def test_an_id_is_a_version_7_uuid_of_the_rfc_variant():
    value = time_ordered_id()
    assert isinstance(value, uuid.UUID)
    assert value.version == 7
    assert value.variant == uuid.RFC_4122
    assert uuid.UUID(str(value)) == value


def test_its_first_48_bits_are_the_time_in_milliseconds():
    with time_machine.travel(MOMENT, tick=False):
        value = time_ordered_id()
    assert _millis(value) == int(MOMENT.timestamp() * 1000)
    assert str(value).replace("-", "")[:12] == f"{int(MOMENT.timestamp() * 1000):012x}"  # as the text shows it


def test_ids_made_later_sort_after_ids_made_earlier():
    made = []
    for step in range(5):
        with time_machine.travel(MOMENT + timedelta(milliseconds=step), tick=False):
            made.append(time_ordered_id())
    assert made == sorted(made)
    assert [str(value) for value in made] == sorted(str(value) for value in made)  # as PostgreSQL sorts uuid


def test_ids_of_one_millisecond_differ_in_their_random_bits():
    with time_machine.travel(MOMENT, tick=False):
        made = time_ordered_ids(2000)
    assert len(set(made)) == 2000
    assert {_millis(value) for value in made} == {int(MOMENT.timestamp() * 1000)}
    # 74 random bits: every one of them is seen both set and clear among 2,000 ids
    random_mask = ((1 << 80) - 1) & ~((0xF << 76) | (0b11 << 62))
    seen_set = seen_clear = 0
    for value in made:
        bits = value.int & random_mask
        seen_set |= bits
        seen_clear |= ~bits & random_mask
    assert seen_set == random_mask and seen_clear == random_mask


def test_the_two_append_only_audit_tables_make_time_ordered_ids():
    assert AuditEvent._meta.pk.default is time_ordered_id
    assert RecordAccess._meta.pk.default is time_ordered_id


@pytest.mark.django_db
def test_an_audit_event_made_through_the_orm_takes_the_time_of_its_making(mash):
    child = ChildFactory(authority=mash.agency.authority)
    with time_machine.travel(MOMENT, tick=False):
        event = audit_event_record(actor=mash, verb="test.ids", obj=child, child_id=child.pk)
    event.refresh_from_db()
    assert event.pk.version == 7
    assert _millis(event.pk) == int(event.at.timestamp() * 1000) == int(MOMENT.timestamp() * 1000)


@pytest.mark.django_db
def test_the_access_log_insert_gives_each_row_a_time_ordered_id(mash):
    children = ChildFactory.create_batch(3, authority=mash.agency.authority)
    request = RequestFactory().get("/api/v1/children/")
    request.user = mash
    with time_machine.travel(MOMENT, tick=False):
        logged = record_access_log(request, children)
    rows = list(RecordAccess.objects.filter(user=mash).order_by("child_id"))
    assert sorted(logged) == [row.child_id for row in rows] == sorted(c.pk for c in children)
    assert len({row.pk for row in rows}) == 3
    for row in rows:
        assert row.pk.version == 7
        assert _millis(row.pk) == int(row.at.timestamp() * 1000) == int(MOMENT.timestamp() * 1000)
    assert connection.vendor == "postgresql"  # the one-statement path, not the SQLite fallback
