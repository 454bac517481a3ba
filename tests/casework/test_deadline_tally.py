"""The closed deadlines' tally (issue 13): the clock engine's services keep it equal to the rows, the
sweep folds it, and the deadlines list's count read from it equals the rows a user can page through."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.db.models import Count, Sum
from django.test.utils import CaptureQueriesContext

from casework.clocks.selectors import deadlines_visible_count, deadlines_visible_to
from casework.clocks.services import (
    deadline_complete,
    deadline_tally_fold,
    deadline_tally_rebuild,
    deadlines_erase_for_child,
    deadlines_sweep,
)
from casework.models import AgencyKind, Deadline, DeadlineStatus, DeadlineTally
from casework.models.clocks import CLOSED_STATUSES
from missing.models import Child, LegalStatus
from missing.services import episode_create, episode_update
from tests.factories import ChildFactory

LONDON = ZoneInfo("Europe/London")
START = datetime(2026, 6, 10, 9, 0, tzinfo=LONDON)
STATUSES = ("", "open", "overdue", "done", "cancelled")


def _rows():
    closed = Deadline.objects.filter(status__in=CLOSED_STATUSES)
    return {
        (a, t, s): n
        for a, t, s, n in closed.values_list("authority_id", "subject_type", "status").annotate(n=Count("pk")).order_by()
    }


def _tally():
    sums = DeadlineTally.objects.values_list("authority_id", "subject_type", "status").annotate(n=Sum("n")).order_by()
    return {(a, t, s): n for a, t, s, n in sums if n}


def _episode(mash, child, hours_back=0):
    return episode_create(actor=mash, child=child, category="missing", started_at=START - timedelta(hours=hours_back),
                          reported_at=START - timedelta(hours=hours_back) + timedelta(minutes=10), risk_level="high",
                          location_type="care")


@pytest.fixture
def setting(time_machine, mash, authority, agencies):
    time_machine.move_to(START + timedelta(hours=30), tick=False)
    seen = ChildFactory(authority=authority, legal_status=LegalStatus.LOOKED_AFTER,
                        lead_agency=agencies[AgencyKind.HEALTH])
    other = ChildFactory(authority=authority, legal_status=LegalStatus.LOOKED_AFTER)
    returned = _episode(mash, seen)
    _episode(mash, other)
    episode_update(actor=mash, episode=returned, returned_at=START + timedelta(hours=29))  # cancels T6's update
    deadlines_sweep()  # sends the notices: done
    return seen, other


def test_services_keep_the_tally_equal_to_the_closed_rows(mash, setting):
    seen, other = setting
    assert _rows() and _tally() == _rows()
    duty = Deadline.objects.filter(child_id=seen.pk, rule="T1", status=DeadlineStatus.OPEN).get()
    deadline_complete(deadline=duty, actor=mash, note="Interview held.")
    assert _tally() == _rows()
    deadlines_erase_for_child(child_id=other.pk)
    assert not Deadline.objects.filter(child_id=other.pk).exists()
    assert _tally() == _rows()


def test_the_sweep_folds_the_tally_into_one_row_per_group(mash, setting):
    seen, _ = setting
    duty = Deadline.objects.filter(child_id=seen.pk, rule="T1", status=DeadlineStatus.OPEN).get()
    deadline_complete(deadline=duty, actor=mash, note="Interview held.")
    before = _tally()
    assert DeadlineTally.objects.count() > len(before)
    deadlines_sweep()
    assert DeadlineTally.objects.count() == len(before)
    assert _tally() == before == _rows()
    assert deadline_tally_fold() == 0  # nothing left to fold


def test_rebuild_counts_rows_written_in_bulk(setting, authority):
    Deadline.objects.filter(status=DeadlineStatus.OPEN).update(status=DeadlineStatus.CANCELLED)  # as COPY would
    assert _tally() != _rows()
    assert deadline_tally_rebuild() == len(_rows())
    assert _tally() == _rows()


@pytest.mark.parametrize("status", STATUSES)
def test_the_list_count_equals_the_rows_a_mash_coordinator_pages_through(api, mash, setting, authority, status):
    seen, _ = setting
    # A record merged away with rows still naming it: the MASH coordinator does not see them, though
    # the tally counts them among the authority's closed rows.
    merged = ChildFactory(authority=authority, legal_status=LegalStatus.LOOKED_AFTER)
    _episode(mash, merged, hours_back=2)
    deadlines_sweep()
    Child.objects.filter(pk=merged.pk).update(merged_into=seen)
    assert Deadline.objects.filter(child_id=merged.pk, status__in=CLOSED_STATUSES).exists()
    query = {"status": status} if status else {}
    body = api(mash).get("/api/v1/deadlines/", query).json()
    assert body["next"] is None  # one page: every row is in the results
    assert body["count"] == len(body["results"])
    assert body["results"] or status == "overdue"  # nothing is overdue yet here
    assert str(merged.pk) not in {r["child"] for r in body["results"]}
    assert {r["status"] for r in body["results"]} <= ({status} if status else set(DeadlineStatus.values))


@pytest.mark.parametrize("few", [500, 0])
@pytest.mark.parametrize("status", STATUSES)
def test_the_count_is_the_rows_for_everyone(setting, mash, health_worker, admin_user, status, few, monkeypatch):
    """Counted from the tally (a MASH coordinator), or arm by arm (anyone else: the children's kinds
    and the meetings' each counted alone), with few children named or many asked about."""
    from missing import permissions

    monkeypatch.setattr(permissions, "FEW_CHILDREN", few)
    now = START + timedelta(hours=30)
    for user in (mash, health_worker, admin_user):
        for listing in (False, True):
            rows = deadlines_visible_to(user, listing=listing)
            if status:
                rows = rows.filter(Deadline.status_is(status, now))
            assert deadlines_visible_count(user, status=status, now=now, listing=listing) == rows.count()
    assert deadlines_visible_to(health_worker).exists()


@pytest.mark.parametrize("few", [500, 0])
def test_the_first_pages_read_row_by_row_hold_the_lists_rows(
    api, setting, authority, mash, police, health_worker, admin_user, few, monkeypatch
):
    """The API's first pages of the whole list take each kind's visible_in_walk: for someone who sees
    a large share of the authority's children (health, the lead agency of one of two), each row's
    child asked on its own. The rows are the list's, for everyone, and the page shows them."""
    from casework.clocks.selectors import WALK
    from missing import permissions
    from tests.factories import NotificationFactory

    monkeypatch.setattr(permissions, "FEW_CHILDREN", few)
    _seen, other = setting
    NotificationFactory(authority=authority, sent_by=police, child=other, status="linked")
    # A record the force reported, merged away with its rows still naming it: seen by no one's list.
    merged = ChildFactory(authority=authority, legal_status=LegalStatus.LOOKED_AFTER)
    _episode(mash, merged, hours_back=2)
    NotificationFactory(authority=authority, sent_by=police, child=merged, status="linked")
    Child.objects.filter(pk=merged.pk).update(merged_into=other)
    assert Deadline.objects.filter(child_id=merged.pk).exists()
    for user in (mash, police, health_worker, admin_user):
        walked = deadlines_visible_to(user, listing=WALK)
        assert set(walked) == set(deadlines_visible_to(user, listing=True)) == set(deadlines_visible_to(user))
        asked_one_by_one = "LIMIT 1) IS NOT NULL" in str(walked.query)
        assert asked_one_by_one is (few == 0 and user in (police, health_worker))
        with CaptureQueriesContext(connection) as captured:
            body = api(user).get("/api/v1/deadlines/").json()
        assert {row["id"] for row in body["results"]} == {str(row.pk) for row in walked}
        assert body["count"] == len(body["results"])
        assert str(merged.pk) not in {row["child"] for row in body["results"]}
        # The page is read row by row (when the user walks), its count is not.
        probes = [q["sql"] for q in captured.captured_queries
                  if "LIMIT 1) IS NOT NULL" in q["sql"] and 'AS "seen" FROM' not in q["sql"]]  # not the sample
        assert len(probes) == (1 if asked_one_by_one else 0)
        assert all(sql.startswith('SELECT "casework_deadline"."id"') for sql in probes)
        for query, walks in (({"status": "done"}, asked_one_by_one), ({"status": "open"}, False),
                             ({"page": "21"}, False)):
            # Closed rows are counted apart; a narrower list counts itself on its page, reading
            # every row; a later page is past the first rows.
            with CaptureQueriesContext(connection) as captured:
                api(user).get("/api/v1/deadlines/", query)
            pages = [q["sql"] for q in captured.captured_queries if q["sql"].startswith('SELECT "casework_deadline"."id"')]
            assert any("LIMIT 1) IS NOT NULL" in sql for sql in pages) is walks
    assert deadlines_visible_to(police).filter(child_id=other.pk).exists()
    assert not deadlines_visible_to(police).filter(child_id=_seen.pk).exists()
