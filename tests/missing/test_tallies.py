"""The counts PostgreSQL keeps of an authority's live children, notifications and return interviews (casework.tallies,
issue 13): every way rows are written keeps them equal to counting the rows, the sweep folds them,
and the API's list counts read them."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.db import connection

from casework.clocks.services import deadlines_sweep
from casework.models import RowTally
from casework.tallies import fold_rows_read, tally_count, tally_fold, tally_rebuild
from missing.merge import child_merge
from casework.models import AgencyKind
from missing.interviews.services import return_interview_not_possible, return_interview_offer_for_return
from missing.models import Child, InterviewState, NotificationStatus, PoliceNotification, ReturnInterview
from missing.retention import child_record_dispose
from missing.services import notification_receive, notification_triage
from missing.tallies import INTERVIEWS, LIVE_CHILDREN, NOTIFICATIONS
from tests.factories import ChildFactory, EpisodeFactory, LocalAuthorityFactory, UserFactory, notification_fields

NOW = datetime(2026, 3, 11, 10, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def counted(authority):
    """What each tally says for the authority, and what counting the rows says."""
    by_status = {
        status: PoliceNotification.objects.filter(authority=authority, status=status).count()
        for status in NotificationStatus.values
    }
    live = Child.objects.filter(authority=authority, merged_into__isnull=True).count()
    tallied = {status: tally_count(NOTIFICATIONS, authority.pk, [status]) for status in NotificationStatus.values}
    return (tally_count(LIVE_CHILDREN, authority.pk), tallied), (live, by_status)


def test_every_way_of_writing_keeps_the_tallies_equal_to_the_rows(authority, mash, police, api):
    other_authority = LocalAuthorityFactory(name="Other Borough Council")
    ChildFactory(authority=other_authority)
    children = ChildFactory.create_batch(4, authority=authority)
    assert tally_count(LIVE_CHILDREN, authority.pk) == 4 and tally_count(LIVE_CHILDREN, other_authority.pk) == 1

    # One notification through the service, a batch through the API (one element sent twice: its
    # second copy is not inserted, and not counted), then triage links one.
    first, _ = notification_receive(sender=police, authority=authority, **notification_fields(NOW))
    batch = [
        {"source_ref": ref, "kind": "missing", "received_at": NOW.isoformat(), "occurred_at": NOW.isoformat(),
         "child": {"given_name": "Quill", "family_name": f"Tally{ref}", "date_of_birth": "2012-05-17"}}
        for ref in ("B-1", "B-2", "B-1")
    ]
    assert api(police).post("/api/v1/notifications/", batch, format="json").status_code == 200
    notification_triage(actor=mash, notification=first, child=children[0])
    tallied, rows = counted(authority)
    assert tallied == rows and rows[1][NotificationStatus.LINKED] == 1 and rows[1][NotificationStatus.PENDING] == 2

    # A merge takes a record out of the count; erasing another takes it out again.
    child_merge(actor=mash, child=children[0], other=children[1], keep={})
    child_record_dispose(str(children[2].pk), "delete")
    tallied, rows = counted(authority)
    assert tallied == rows and rows[0] == 2

    # An edit that moves nothing writes no change row.
    before = RowTally.objects.count()
    Child.objects.filter(pk=children[0].pk).update(given_name="Renamed")
    assert RowTally.objects.count() == before

    # The sweep folds each group into one row, keeping its sum.
    deadlines_sweep(now=NOW)
    groups = RowTally.objects.values_list("table_name", "authority_id", "key")
    assert len(groups) == len(set(groups))
    assert counted(authority)[0] == counted(authority)[1]
    assert tally_fold() == 0


def test_a_rebuild_counts_the_rows_again(authority):
    """After rows were written with the triggers off, or the table emptied by TRUNCATE (which
    fires no row trigger), the tally is made again from the rows."""
    ChildFactory.create_batch(3, authority=authority)
    RowTally.objects.filter(table_name="missing_child").delete()
    RowTally.objects.create(table_name="missing_child", authority_id=authority.pk, key="", n=40)
    assert tally_count(LIVE_CHILDREN, authority.pk) == 40
    tally_rebuild(LIVE_CHILDREN)
    assert tally_count(LIVE_CHILDREN, authority.pk) == 3
    assert RowTally.objects.filter(table_name="missing_child").count() == 1


def test_the_list_counts_read_the_tallies_for_a_coordinator_and_count_rows_for_others(
    authority, mash, police, api
):
    ChildFactory.create_batch(3, authority=authority)
    notification_receive(sender=police, authority=authority, **notification_fields(NOW))
    children, notifications = api(mash).get("/api/v1/children/"), api(mash).get("/api/v1/notifications/")
    assert children.json()["count"] == 3 and notifications.json()["count"] == 1
    by_status = api(mash).get("/api/v1/notifications/?status=linked")
    assert by_status.json()["count"] == 0

    # A change row the sweep has not folded yet is read with the rest: the count is the tally's.
    RowTally.objects.create(table_name="missing_child", authority_id=authority.pk, key="", n=2)
    RowTally.objects.create(table_name="missing_policenotification", authority_id=authority.pk, key="linked", n=5)
    assert api(mash).get("/api/v1/children/").json()["count"] == 5
    assert api(mash).get("/api/v1/notifications/?status=linked").json()["count"] == 5
    assert api(mash).get("/api/v1/notifications/").json()["count"] == 6
    # A search counts its matches, and the police count what their own force sent, row by row.
    assert api(mash).get("/api/v1/children/?q=zzz").json()["count"] == 0
    assert api(police).get("/api/v1/notifications/").json()["count"] == 1


def test_emptying_a_table_empties_its_tally(authority, police):
    ChildFactory.create_batch(2, authority=authority)
    notification_receive(sender=police, authority=authority, **notification_fields(NOW))
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # TRUNCATE refuses a table with checks pending
        cursor.execute("TRUNCATE missing_policenotification CASCADE")
    assert tally_count(NOTIFICATIONS, authority.pk) == 0
    assert tally_count(LIVE_CHILDREN, authority.pk) == 2


def test_a_fold_that_finds_its_rows_gone_changes_nothing(authority):
    """A rebuild between a fold's read and its write: the rebuild's count stands, once."""
    ChildFactory.create_batch(3, authority=authority)
    group = ("table_name", "authority_id", "key")
    read = list(RowTally.objects.filter(table_name="missing_child").values_list("pk", "n", *group))
    assert len(read) == 3
    tally_rebuild(LIVE_CHILDREN)
    assert fold_rows_read(RowTally, group, read) == 0
    assert tally_count(LIVE_CHILDREN, authority.pk) == 3
    assert RowTally.objects.filter(table_name="missing_child").count() == 1


def interviews_counted(authority):
    """What the interview tally says for the authority by state, and what counting the rows says."""
    rows = {state: ReturnInterview.objects.filter(authority=authority, state=state).count()
            for state in InterviewState.values}
    return {state: tally_count(INTERVIEWS, authority.pk, [state]) for state in InterviewState.values}, rows


def returned_episode(child):
    return EpisodeFactory(child=child, started_at=NOW - timedelta(days=2), returned_at=NOW - timedelta(days=1))


def test_the_interview_tally_follows_offers_moves_merges_and_erasure(authority, mash):
    children = ChildFactory.create_batch(4, authority=authority)
    offered = [return_interview_offer_for_return(actor=mash, episode=returned_episode(child)) for child in children]
    tallied, rows = interviews_counted(authority)
    assert tallied == rows and rows[InterviewState.OFFERED] == 4

    return_interview_not_possible(actor=mash, interview=offered[3], reason="Moved out of the area")
    # A merge keeps one owed interview of the two (the other is closed as not possible); erasing a
    # record removes its own.
    child_merge(actor=mash, child=children[0], other=children[1], keep={})
    child_record_dispose(str(children[2].pk), "delete")
    tallied, rows = interviews_counted(authority)
    assert tallied == rows
    assert rows == {**dict.fromkeys(InterviewState.values, 0), "offered": 1, "not_possible": 2}


def test_the_interview_list_counts_from_the_tally_for_a_coordinator_only(authority, mash, agencies, api):
    children = ChildFactory.create_batch(3, authority=authority, lead_agency=agencies[AgencyKind.HEALTH])
    for child in children:
        return_interview_offer_for_return(actor=mash, episode=returned_episode(child))
    nurse = UserFactory(agency=agencies[AgencyKind.HEALTH], roles=[])
    assert api(mash).get("/api/v1/return-interviews/").json()["count"] == 3
    assert api(mash).get("/api/v1/return-interviews/?state=completed").json()["count"] == 0

    # A change row the sweep has not folded yet is read with the rest: the coordinator's count is the
    # tally's. Narrower lists, and everyone else's, count their rows.
    RowTally.objects.create(table_name="missing_returninterview", authority_id=authority.pk, key="offered", n=2)
    assert api(mash).get("/api/v1/return-interviews/").json()["count"] == 5
    assert api(mash).get("/api/v1/return-interviews/?state=offered").json()["count"] == 5
    assert api(mash).get(f"/api/v1/return-interviews/?child={children[0].pk}").json()["count"] == 1
    assert api(nurse).get("/api/v1/return-interviews/").json()["count"] == 3
