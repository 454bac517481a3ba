"""Every screen and API read of config/screens.py makes as many queries with more data as with less
(issue 13). Not timed: the benchmark (scripts/benchmark.sh) times them; this guards the cause.

The data set is seed_national's (two authorities, the demo's made through the services); it then
grows in the demo's authority: more children with history, recent episodes with their clocks and
interviews, notifications in the triage queue, and a longer panel agenda. Each page is one case.
"""

import random
import re
from collections import Counter
from datetime import date, timedelta

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from casework.models import Agency, AgencyKind, ClockHeartbeat, LocalAuthority, User
from casework.services import api_token_issue
from casework.tallies import tally_count
from config.screens import APIS, PAGES, Fixtures, sign_in
from missing.management.commands.seed_demo import Command as SeedDemo
from missing.models import Child, PoliceNotification
from missing.services import notification_receive
from missing.tallies import LIVE_CHILDREN, NOTIFICATIONS

# Marked so that pytest-django sets the test database up; the counting itself happens once, in `counts`.
pytestmark = pytest.mark.django_db

SMALL_AGENDA, LARGE_AGENDA = 4, 12


def _grow(rng):
    """Triple the demo authority's live data, through the same paths the seed uses."""
    la = LocalAuthority.objects.get(name="Demo Borough Council")
    agencies = {a.kind: a for a in Agency.objects.filter(authority=la)}
    users = {u.username: u for u in User.objects.filter(agency__authority=la)}
    now = timezone.now()
    seed = SeedDemo()
    kids = seed._children(la, agencies, users, 60, rng, now)
    seed._history(kids, rng, now)
    seed._recent(kids, users["mash"], rng, now)
    seed._interviews(users["mash"], users["rhi"], rng)
    for n, child in enumerate(kids[:12]):
        notification_receive(
            sender=users["police"], authority=la, source_ref=f"GROW-{n}", kind="missing",
            received_at=now - timedelta(hours=n + 1), occurred_at=now - timedelta(hours=n + 2),
            child_given_name=child.given_name, child_family_name=child.family_name,
            child_date_of_birth=child.date_of_birth if n % 2 else date(2013, 1, 1 + n), police_person_id="",
            risk_level="high", location_type="home", found_location="", circumstances="Grown for the guard.",
        )


def _shape(sql):
    """A query with its values taken out, so that two runs' queries can be compared."""
    return re.sub(r"'[^']*'|\b\d+\b|(%s, )+%s", "?", sql)[:200]


def _count(client, path, headers):
    # The clock swept just now, as it does each minute in service: a slow run must not find it late
    # (CLOCK_LATE_AFTER) between the two sizes, which adds the outage banner's queries to one of them.
    ClockHeartbeat.objects.filter(pk=1).update(last_finished_at=timezone.now())
    client.get(path, **headers)  # the first request of a session may fill caches
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path, **headers)
    return response.status_code, len(captured), [_shape(q["sql"]) for q in captured.captured_queries]


def _measure(agenda_size):
    fixtures = Fixtures(agenda_size=agenda_size)
    found = {}
    for rows, api in ((PAGES, False), (APIS, True)):
        for label, who, build in rows:
            path = build(fixtures)
            if path is None:
                found[label] = None
                continue
            user = User.objects.get(username=who)
            client = Client()
            headers = {}
            if api:
                headers = {"HTTP_AUTHORIZATION": f"Token {api_token_issue(user=user)}"}
            else:
                sign_in(client, user)
            found[label] = _count(client, path, headers)
    return found


@pytest.fixture(scope="module")
def counts(django_db_setup, django_db_blocker):
    """Query counts of every row at the small and the grown size, in one transaction rolled back."""
    with django_db_blocker.unblock(), transaction.atomic():
        call_command("seed_national", authorities=2, children=120, live=40, notifications=6, seed=7)
        seeded = _tallies_and_rows()
        small = _measure(SMALL_AGENDA)
        _grow(random.Random(8))
        large = _measure(LARGE_AGENDA)
        grown = Child.objects.count()
        transaction.set_rollback(True)
    assert grown >= 180
    return small, large, seeded


def _tallies_and_rows():
    """Per authority: the live children and notifications as the tallies say and as counted."""
    found = {}
    for authority in LocalAuthority.objects.all():
        live = Child.objects.filter(authority=authority, merged_into__isnull=True).count()
        notifications = PoliceNotification.objects.filter(authority=authority).count()
        tallied = (tally_count(LIVE_CHILDREN, authority.pk), tally_count(NOTIFICATIONS, authority.pk))
        found[authority.name] = (tallied, (live, notifications))
    return found


def test_the_seed_leaves_the_tallies_equal_to_the_rows(counts):
    seeded = counts[2]
    assert len(seeded) >= 2 and all(rows[0] > 0 and rows[1] > 0 for _, rows in seeded.values())
    assert all(tallied == rows for tallied, rows in seeded.values()), seeded


@pytest.mark.parametrize("label", [label for label, _, _ in PAGES + APIS])
def test_queries_do_not_grow_with_the_data(counts, label):
    small, large, _ = counts
    assert small[label] is not None, f"{label}: the seeded data set has no object for this screen"
    assert (small[label][0], large[label][0]) == (200, 200), label
    extra = Counter(large[label][2]) - Counter(small[label][2])
    assert large[label][1] == small[label][1], (
        f"{label}: {small[label][1]} queries, then {large[label][1]}; more of: {list(extra.items())}"
    )
