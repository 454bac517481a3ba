"""The MASH's pages at national scale (issue 13): what changed so they cost the same at any size
still shows the coordinator the same answers."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from casework.clocks.selectors import deadlines_due_for
from casework.models import Deadline, DeadlineKind, DeadlineStatus, RecordAccess
from missing.selectors import CANDIDATES_SHOWN, candidates_for_notifications
from tests.factories import ChildFactory, LocalAuthorityFactory, NotificationFactory

pytestmark = pytest.mark.django_db

NOW = datetime(2025, 6, 11, 15, 0, tzinfo=ZoneInfo("Europe/London"))


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield NOW


def signed_in(client, user):
    client.force_login(user)
    return client


def test_likely_matches_agree_with_the_reasons_whatever_the_case_and_spaces(mash, authority):
    dob = date(2011, 3, 4)
    notification = NotificationFactory(authority=authority, child_given_name=" Rae", child_family_name="quillby ",
                                       child_date_of_birth=dob, police_person_id="PP-9")
    by_name = ChildFactory(authority=authority, given_name="RAE", family_name="Quillby", date_of_birth=date(2010, 1, 1))
    by_dob = ChildFactory(authority=authority, given_name="Zed", family_name="QUILLBY", date_of_birth=dob)
    by_person_id = ChildFactory(authority=authority, given_name="Una", family_name="Other", police_person_id="PP-9")
    ChildFactory(authority=authority, given_name="Zed", family_name="Quillby", date_of_birth=date(2009, 9, 9))
    elsewhere = LocalAuthorityFactory(name="Elsewhere County Council")
    ChildFactory(authority=elsewhere, given_name="Rae", family_name="Quillby", date_of_birth=dob,
                 police_person_id="PP-9")

    found = candidates_for_notifications(mash, [notification])[notification.pk]

    assert {c["child"].pk for c in found} == {by_name.pk, by_dob.pk, by_person_id.pk}


def test_the_queue_shows_the_closest_likely_children_and_says_how_many_more(client, mash, authority, frozen):
    dob = date(2012, 5, 17)
    notification = NotificationFactory(authority=authority, child_given_name="Tam", child_family_name="Oakley",
                                       child_date_of_birth=dob)
    exact = ChildFactory(authority=authority, given_name="Tam", family_name="Oakley", date_of_birth=dob)
    same_name = [ChildFactory(authority=authority, given_name="Tam", family_name="Oakley",
                              date_of_birth=date(2005, 1, 1) + timedelta(days=n)) for n in range(CANDIDATES_SHOWN + 1)]

    response = signed_in(client, mash).get(reverse("missing:triage_queue"))

    page = response.content.decode()
    shown = response.context["rows"][0]["candidates"]
    assert len(shown) == CANDIDATES_SHOWN and shown[0]["child"] == exact
    assert f"link-{notification.pk}-{exact.pk}" in page
    assert "More children on your records are likely matches" in page
    assert "/missing/children/?q=Tam+Oakley" in page
    logged = set(RecordAccess.objects.filter(user=mash).values_list("child_id", flat=True))
    assert logged == {c["child"].pk for c in shown}
    assert len(logged & {c.pk for c in same_name}) == CANDIDATES_SHOWN - 1


def test_a_notification_with_few_likely_children_says_nothing_of_more(client, mash, authority, frozen):
    NotificationFactory(authority=authority, child_given_name="Bo", child_family_name="Quarry")
    ChildFactory(authority=authority, given_name="Bo", family_name="Quarry")
    page = signed_in(client, mash).get(reverse("missing:triage_queue")).content.decode()
    assert "likely matches, none closer" not in page


def test_one_form_per_notification_still_links_the_child_pressed(client, mash, authority, frozen):
    notification = NotificationFactory(authority=authority, child_given_name="Ivy", child_family_name="Marsh",
                                       child_date_of_birth=date(2013, 2, 2))
    child = ChildFactory(authority=authority, given_name="Ivy", family_name="Marsh", date_of_birth=date(2013, 2, 2))
    client = signed_in(client, mash)
    page = client.get(reverse("missing:triage_queue")).content.decode()
    assert f'name="child" value="{child.pk}" id="link-{notification.pk}-{child.pk}"' in page
    assert f'name="child" value="" id="create-{notification.pk}"' in page
    assert page.count('<form method="post" action="/missing/triage/">') == 1

    pressed = {"notification": str(notification.pk), "child": str(child.pk)}
    response = client.post(reverse("missing:triage_queue"), pressed)

    assert response.status_code == 302
    notification.refresh_from_db()
    assert notification.child_id == child.pk


def test_a_broad_search_counts_to_the_cap_and_says_so(client, mash, authority, monkeypatch):
    monkeypatch.setattr("casework.paginator.COUNT_CAP", 3)
    for n in range(5):
        ChildFactory(authority=authority, given_name=f"Lee{n}", family_name="Capton")
    client = signed_in(client, mash)

    broad = client.get(reverse("missing:child_list"), {"q": "Capton"})
    narrow = client.get(reverse("missing:child_list"), {"q": "Lee1"})

    assert broad.context["page"].paginator.count == 3 and broad.context["page"].paginator.capped
    assert "More than 3 children matching" in broad.content.decode()
    assert "Only the first 3 are listed" in broad.content.decode()
    assert not narrow.context["page"].paginator.capped
    assert "1 child matching" in narrow.content.decode()


def _duty(authority, child_id, due_at, rule="T1"):
    return Deadline.objects.create(
        authority=authority, child_id=child_id, subject_type="missing.episode", subject_id=child_id, rule=rule,
        key="", kind=DeadlineKind.DUTY, title="Return home interview", counts_from=due_at - timedelta(days=3),
        due_at=due_at, status=DeadlineStatus.OPEN,
    )


def test_due_and_overdue_keeps_to_the_coordinators_authority_and_live_records(mash, authority, frozen):
    mine = ChildFactory(authority=authority)
    survivor = ChildFactory(authority=authority)
    merged = ChildFactory(authority=authority, merged_into=survivor)
    elsewhere = ChildFactory(authority=LocalAuthorityFactory(name="Elsewhere County Council"))
    due = frozen + timedelta(hours=2)
    shown = _duty(authority, mine.pk, due)
    _duty(authority, merged.pk, due)
    _duty(elsewhere.authority, elsewhere.pk, due)
    done = _duty(authority, survivor.pk, due)
    Deadline.objects.filter(pk=done.pk).update(status=DeadlineStatus.DONE)

    assert list(deadlines_due_for(mash)) == [shown]


def test_a_name_search_within_an_authority_is_served_by_the_live_name_index(mash, authority):
    """The search's SQL keeps the shape migration 0022's index answers (the authority, and each name's
    UPPER(...) LIKE). With the table's other indexes dropped (inside this test's transaction, so
    rolled back after it) and no sequential scan allowed, PostgreSQL answers from that index."""
    from django.db import DatabaseError, connection, transaction

    from missing.selectors import children_search

    ChildFactory(authority=authority, given_name="Hayley", family_name="Ashby")
    ChildFactory(authority=authority, given_name="Other", family_name="Name")
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexname FROM pg_indexes WHERE tablename = 'missing_child' "
                       "AND indexname <> 'child_live_name_trgm'")
        for (name,) in cursor.fetchall():
            try:
                with transaction.atomic():  # an index behind a constraint stays
                    cursor.execute(f'DROP INDEX "{name}"')
            except DatabaseError:
                pass
        cursor.execute("SET LOCAL enable_seqscan = off")
    for term in ("ley", "Ash"):
        sql, params = children_search(mash, term)[:50].query.sql_with_params()
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN " + sql, params)
            plan = "\n".join(row[0] for row in cursor.fetchall())
        assert "child_live_name_trgm" in plan, plan
        assert [c.full_name for c in children_search(mash, term)] == ["Hayley Ashby"]
