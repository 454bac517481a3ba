"""A batch of police notifications in one POST (issue 13): each element answered as a single POST
would be, the good ones saved in one transaction, a bad one saving nothing of itself."""

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from casework.models import AuditEvent
from missing.api import NOTIFICATION_BATCH_LIMIT
from missing.models import MissingEpisode, PoliceNotification
from missing.services import notification_receive, notifications_receive

from ..factories import ChildFactory, EpisodeFactory, notification_fields

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 11, 10, 0, tzinfo=UTC)
URL = "/api/v1/notifications/"


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def element(ref, **overrides):
    body = {
        "source_ref": ref,
        "kind": "missing",
        "received_at": (NOW - timedelta(hours=1)).isoformat(),
        "occurred_at": (NOW - timedelta(hours=3)).isoformat(),
        "child": {"given_name": "Quill", "family_name": f"Batchly{ref}", "date_of_birth": "2012-05-17"},
        "risk_level": "high",
        "location_type": "home",
    }
    body.update(overrides)
    return body


def codes(response):
    assert response.status_code == 200, response.content
    return [result["status_code"] for result in response.json()["results"]]


def test_each_element_is_answered_in_order_and_only_the_good_ones_are_saved(api, police):
    response = api(police).post(
        URL, [element("B-1"), element("B-2", kind="lost"), element("B-3", child=None), element("B-4")], format="json"
    )
    assert codes(response) == [201, 400, 400, 201]
    results = response.json()["results"]
    assert results[1]["errors"] == {"kind": ['"lost" is not a valid choice.']}
    assert set(results[2]["errors"]) == {"child"}
    saved = {n.source_ref: n for n in PoliceNotification.objects.all()}
    assert set(saved) == {"B-1", "B-4"}
    for result in (results[0], results[3]):
        body = result["notification"]
        stored = saved[body["source_ref"]]
        assert (body["id"], body["status"], body["child"], body["episode"]) == (str(stored.pk), "pending", None, None)
        assert body["child_details"]["family_name"] == stored.child_family_name
        assert (stored.sent_by, stored.sender_agency) == (police, police.agency)
        assert AuditEvent.objects.filter(
            verb="notification.received", object_id=str(stored.pk), actor=police, data={"source_ref": stored.source_ref}
        ).count() == 1
        assert list(stored.history.values_list("history_type", "history_user")) == [("+", police.pk)]


def test_a_batch_answers_as_single_posts_would_for_values_only_the_service_refuses(api, police):
    too_late = element("B-9", occurred_at=(NOW + timedelta(hours=2)).isoformat())
    response = api(police).post(URL, [too_late, element("B-10")], format="json")
    assert codes(response) == [400, 201]
    assert set(response.json()["results"][0]["errors"]) == {"occurred_at"}
    single = api(police).post(URL, too_late, format="json")
    assert single.status_code == 400 and single.json() == response.json()["results"][0]["errors"]


def test_a_resent_batch_changes_nothing_and_answers_the_same_ids(api, police, row_counts):
    first = api(police).post(URL, [element("R-1"), element("R-2")], format="json")
    before = row_counts()
    again = api(police).post(
        URL, [element("R-2", circumstances="changed"), element("R-1"), element("R-3")], format="json"
    )
    assert codes(again) == [200, 200, 201]
    ids = {r["notification"]["source_ref"]: r["notification"]["id"] for r in first.json()["results"]}
    answered = [r["notification"] for r in again.json()["results"]]
    assert [answered[0]["id"], answered[1]["id"]] == [ids["R-2"], ids["R-1"]]
    assert answered[0]["circumstances"] == ""
    after = row_counts()
    assert after != before  # R-3 only
    assert PoliceNotification.objects.count() == 3


def test_a_single_post_and_a_batch_share_idempotency_both_ways(api, police):
    single = api(police).post(URL, element("S-1"), format="json")
    batch = api(police).post(URL, [element("S-1"), element("S-2")], format="json")
    assert codes(batch) == [200, 201]
    assert batch.json()["results"][0]["notification"]["id"] == single.json()["id"]
    again = api(police).post(URL, element("S-2"), format="json")
    assert (again.status_code, again.json()["id"]) == (200, batch.json()["results"][1]["notification"]["id"])


def test_the_same_reference_twice_in_one_batch_is_kept_once(api, police):
    response = api(police).post(
        URL, [element("D-1"), element("D-1", risk_level="low"), element("D-1", kind="found")], format="json"
    )
    assert codes(response) == [201, 200, 201]
    results = response.json()["results"]
    assert results[0]["notification"]["id"] == results[1]["notification"]["id"]
    assert results[1]["notification"]["risk_level"] == "high"
    assert PoliceNotification.objects.filter(source_ref="D-1").count() == 2


def test_batches_need_credentials_and_a_sender_role(api, health_worker, row_counts):
    before = row_counts()
    assert api().post(URL, [element("P-1")], format="json").status_code == 401
    refused = api(health_worker).post(URL, [element("P-1")], format="json")
    assert refused.status_code == 403
    assert row_counts() == before


@pytest.mark.parametrize(
    "body",
    [
        [],
        [element(f"L-{n}") for n in range(NOTIFICATION_BATCH_LIMIT + 1)],
    ],
)
def test_an_empty_or_oversized_batch_is_400_and_saves_nothing(api, police, row_counts, body):
    before = row_counts()
    response = api(police).post(URL, body, format="json")
    assert response.status_code == 400
    assert list(response.json()) == ["non_field_errors"]
    assert row_counts() == before


@pytest.mark.parametrize(
    "raw",
    [b"[", b'[{"source_ref": "x"', b"\xff\xfe[]", b"[1,2,3]x"],
)
def test_malformed_json_is_400(api, police, row_counts, raw):
    before = row_counts()
    response = api(police).generic("POST", URL, raw, content_type="application/json")
    assert response.status_code == 400
    assert row_counts() == before


def test_elements_that_are_not_objects_are_each_400(api, police, row_counts):
    before = row_counts()
    response = api(police).post(URL, [None, 7, "text", [1], {"child": {"given_name": ["x"]}}, {}], format="json")
    assert codes(response) == [400] * 6
    errors = [r["errors"] for r in response.json()["results"]]
    assert all(isinstance(e, dict) and e for e in errors)
    assert {"source_ref", "kind", "received_at", "occurred_at", "child"} <= set(errors[-1])
    assert row_counts() == before


def test_a_batch_makes_the_same_number_of_queries_for_5_or_50_notifications(api, police):
    client = api(police)
    counts = []
    for size, prefix in ((5, "Q5"), (50, "Q50")):
        with CaptureQueriesContext(connection) as captured:
            response = client.post(URL, [element(f"{prefix}-{n}") for n in range(size)], format="json")
        assert codes(response) == [201] * size
        counts.append(len(captured))
    assert counts[0] == counts[1]


# The batch links exactly what a single notification links (N2/N3) --------------------------------


def fields(**overrides):
    return notification_fields(NOW, **overrides)


def eden(authority, **overrides):
    values = {"given_name": "Eden", "family_name": "Servicecase", "date_of_birth": date(2012, 8, 8)}
    values.update(overrides)
    return ChildFactory(authority=authority, **values)


def scenario_pid_links(authority):
    eden(authority, police_person_id="PID-9")
    return fields(police_person_id="PID-9")


def scenario_pid_and_two_children(authority):
    eden(authority, police_person_id="PID-9")
    ChildFactory(authority=authority, police_person_id="PID-9")
    return fields(police_person_id="PID-9")


def scenario_pid_names_in_other_case(authority):
    eden(authority, police_person_id="PID-9")
    return fields(police_person_id="PID-9", child_given_name=" eden ", child_family_name="SERVICECASE")


def scenario_found_by_name(authority):
    EpisodeFactory(child=eden(authority), started_at=NOW - timedelta(days=1))
    return fields(kind="found", found_location="Library")


def scenario_found_two_named(authority):
    EpisodeFactory(child=eden(authority), started_at=NOW - timedelta(days=1))
    eden(authority)
    return fields(kind="found")


def scenario_found_other_childs_pid(authority):
    other = ChildFactory(
        authority=authority, police_person_id="PID-9", given_name="Robin", family_name="Elsewhere",
        date_of_birth=date(2011, 1, 1),
    )
    EpisodeFactory(child=other, started_at=NOW - timedelta(days=2), reported_at=NOW - timedelta(days=2))
    return fields(kind="found", police_person_id="PID-9")


def scenario_missing_by_name_only_waits(authority):
    eden(authority)
    return fields()


def scenario_open_episode_waits(authority):
    EpisodeFactory(child=eden(authority, police_person_id="PID-9"))
    return fields(police_person_id="PID-9", occurred_at=NOW - timedelta(days=1))


def scenario_found_before_episode_waits(authority):
    EpisodeFactory(child=eden(authority), started_at=NOW - timedelta(hours=1), reported_at=NOW - timedelta(hours=1))
    return fields(kind="found")


def scenario_letters_beyond_ascii(authority):
    EpisodeFactory(child=eden(authority, given_name="Zoë", family_name="Şahin"), started_at=NOW - timedelta(days=1))
    return fields(kind="found", child_given_name="ZOË", child_family_name="şahin")


def scenario_merged_child_is_not_matched(authority):
    kept = ChildFactory(authority=authority)
    merged = eden(authority, police_person_id="PID-9")
    merged.merged_into = kept
    merged.save(update_fields=["merged_into"])
    return fields(police_person_id="PID-9")


SCENARIOS = [
    scenario_pid_links,
    scenario_pid_and_two_children,
    scenario_pid_names_in_other_case,
    scenario_found_by_name,
    scenario_found_two_named,
    scenario_found_other_childs_pid,
    scenario_missing_by_name_only_waits,
    scenario_open_episode_waits,
    scenario_found_before_episode_waits,
    scenario_letters_beyond_ascii,
    scenario_merged_child_is_not_matched,
]


def outcome(notification):
    notification.refresh_from_db()
    episode = notification.episode
    return (
        notification.status,
        notification.child_id,
        episode.child_id if episode else None,
        episode.returned_at if episode else None,
        MissingEpisode.objects.filter(returned_at__isnull=False).count(),
        AuditEvent.objects.filter(verb="notification.auto_linked").count(),
    )


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda s: s.__name__)
def test_a_batch_links_exactly_what_a_single_notification_links(police, authority, scenario):
    from django.db import transaction

    sid = transaction.savepoint()
    single, _ = notification_receive(sender=police, authority=authority, **scenario(authority))
    expected = outcome(single)
    transaction.savepoint_rollback(sid)
    assert not PoliceNotification.objects.exists()
    [(batched, created, error)] = notifications_receive(sender=police, authority=authority, items=[scenario(authority)])
    assert (created, error) == (True, None)
    got = outcome(batched)
    # The child is made afresh for each run, so compare whether it is linked, not which row.
    assert (got[0], got[1] is not None, got[3] is not None, got[4], got[5]) == (
        expected[0], expected[1] is not None, expected[3] is not None, expected[4], expected[5]
    )
    if expected[1] is not None:
        assert got[1] == got[2]


def test_a_batch_links_each_certain_match_and_leaves_the_rest_pending(police, authority):
    found_child = eden(authority)
    episode = EpisodeFactory(child=found_child, started_at=NOW - timedelta(days=1))
    by_id = eden(authority, given_name="Ash", police_person_id="PID-4")
    answers = notifications_receive(
        sender=police,
        authority=authority,
        items=[
            fields(source_ref="A", kind="found"),
            fields(source_ref="B", child_given_name="Ash", police_person_id="PID-4"),
            fields(source_ref="C", child_given_name="Nobody"),
        ],
    )
    [(found, _, _), (missing, _, _), (unknown, _, _)] = answers
    episode.refresh_from_db()
    assert (found.status, found.child, found.episode) == ("linked", found_child, episode)
    assert episode.returned_at == found.occurred_at
    assert (missing.status, missing.child, missing.episode.child) == ("linked", by_id, by_id)
    assert (unknown.status, unknown.child) == ("pending", None)
