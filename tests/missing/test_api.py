"""API §2 and §3 exactly as API.md writes them, every error code included, on PostgreSQL."""

import json
from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from casework.models import AgencyKind, AuditEvent, Role
from missing.models import Child, MissingEpisode, NotificationStatus, PoliceNotification

from ..factories import (
    AgencyFactory,
    ChildFactory,
    EpisodeFactory,
    LocalAuthorityFactory,
    NotificationFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 11, 10, 0, tzinfo=UTC)  # a Wednesday, in GMT


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def iso(moment):
    return moment.isoformat()


def notification_body(**overrides):
    body = {
        "source_ref": "MPS-000101",
        "kind": "missing",
        "received_at": iso(NOW - timedelta(hours=1)),
        "occurred_at": iso(NOW - timedelta(hours=3)),
        "child": {"given_name": "Robin", "family_name": "Example", "date_of_birth": "2012-05-17"},
        "risk_level": "high",
        "location_type": "home",
    }
    body.update(overrides)
    return body


def child_body(**overrides):
    body = {"given_name": "Sam", "family_name": "Placeholder", "date_of_birth": "2011-09-02", "legal_status": "none"}
    body.update(overrides)
    return body


def episode_body(**overrides):
    body = {
        "category": "missing",
        "started_at": iso(NOW - timedelta(hours=6)),
        "reported_at": iso(NOW - timedelta(hours=5)),
        "risk_level": "medium",
        "location_type": "home",
    }
    body.update(overrides)
    return body


def assert_field_errors(response, field):
    assert response.status_code == 400, response.content
    body = response.json()
    assert field in body, body
    assert isinstance(body[field], (list, dict)) and body[field]


# Police notifications (API §3) -----------------------------------------------------------------


def test_notification_is_stored_pending_and_audited(api, police):
    response = api(police).post("/api/v1/notifications/", notification_body(), format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "pending"
    assert body["child"] is None and body["episode"] is None
    stored = PoliceNotification.objects.get(pk=body["id"])
    assert (stored.source_ref, stored.kind, stored.sent_by) == ("MPS-000101", "missing", police)
    assert AuditEvent.objects.filter(verb="notification.received", object_id=body["id"]).count() == 1


def test_resent_notification_answers_200_with_same_id_and_changes_nothing(api, police, row_counts):
    first = api(police).post("/api/v1/notifications/", notification_body(), format="json")
    before = row_counts()
    again = api(police).post(
        "/api/v1/notifications/", notification_body(risk_level="low", circumstances="Sent again"), format="json"
    )
    assert again.status_code == 200
    assert again.json()["id"] == first.json()["id"]
    assert row_counts() == before
    stored = PoliceNotification.objects.get()
    assert (stored.risk_level, stored.circumstances) == ("high", "")


def test_another_senders_reference_reveals_nothing_and_makes_a_separate_notification(
    api, police, authority, row_counts
):
    """N1 per sender (issue 7, finding 1): guessing a reference shows nothing of the stored one."""
    first = api(police).post(
        "/api/v1/notifications/", notification_body(circumstances="Seen near the station"), format="json"
    )
    other_force = UserFactory(agency=AgencyFactory(authority=authority, kind=AgencyKind.POLICE))
    guess = api(other_force).post(
        "/api/v1/notifications/",
        notification_body(child={"given_name": "Any", "family_name": "Guess", "date_of_birth": "2013-02-02"}),
        format="json",
    )
    assert guess.status_code == 201, guess.content
    assert guess.json()["id"] != first.json()["id"]
    assert "Robin" not in guess.content.decode() and "station" not in guess.content.decode()
    assert api(other_force).get(f"/api/v1/notifications/{first.json()['id']}/").status_code == 404
    # ...and its own re-send is idempotent for that sender too.
    before = row_counts()
    again = api(other_force).post("/api/v1/notifications/", notification_body(), format="json")
    assert (again.status_code, again.json()["id"]) == (200, guess.json()["id"])
    assert row_counts() == before


def test_same_source_ref_with_another_kind_is_another_notification(api, police):
    missing = api(police).post("/api/v1/notifications/", notification_body(), format="json")
    found = api(police).post("/api/v1/notifications/", notification_body(kind="found"), format="json")
    assert (missing.status_code, found.status_code) == (201, 201)
    assert missing.json()["id"] != found.json()["id"]


def test_notifications_need_credentials_and_a_sender_role(api, health_worker, row_counts):
    before = row_counts()
    assert api().post("/api/v1/notifications/", notification_body(), format="json").status_code == 401
    assert api(health_worker).post("/api/v1/notifications/", notification_body(), format="json").status_code == 403
    assert api().get("/api/v1/notifications/").status_code == 401
    assert row_counts() == before


TOO_OLD = (NOW.date() - timedelta(days=366 * 26)).isoformat()


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"source_ref": None}, "source_ref"),
        ({"source_ref": ""}, "source_ref"),
        ({"source_ref": "R" * 65}, "source_ref"),
        ({"source_ref": {"nested": 1}}, "source_ref"),
        ({"source_ref": "MPS\x00101"}, "source_ref"),
        ({"kind": "lost"}, "kind"),
        ({"kind": ["missing"]}, "kind"),
        ({"received_at": "yesterday"}, "received_at"),
        ({"received_at": 1700000000}, "received_at"),
        ({"received_at": iso(NOW + timedelta(hours=2))}, "received_at"),
        ({"occurred_at": iso(NOW + timedelta(days=1))}, "occurred_at"),
        ({"occurred_at": "0001-01-01T00:00:00+05:00"}, "occurred_at"),
        ({"occurred_at": "9999-12-31T23:59:59-05:00"}, "occurred_at"),
        ({"occurred_at": "2010-01-01T10:00:00+00:00"}, "occurred_at"),
        ({"child": None}, "child"),
        ({"child": ["Robin", "Example"]}, "child"),
        ({"child": {"given_name": "Robin", "family_name": "Example"}}, "child"),
        ({"child": {"given_name": "Robin", "family_name": "Example", "date_of_birth": "2099-01-01"}}, "child"),
        ({"child": {"given_name": "Robin", "family_name": "Example", "date_of_birth": TOO_OLD}}, "child"),
        ({"child": {"given_name": "Robin", "family_name": "Example", "date_of_birth": "17th May"}}, "child"),
        ({"child": {"given_name": "", "family_name": "Example", "date_of_birth": "2012-05-17"}}, "child"),
        ({"child": {"given_name": "R" * 101, "family_name": "Example", "date_of_birth": "2012-05-17"}}, "child"),
        ({"risk_level": "extreme"}, "risk_level"),
        ({"location_type": "street"}, "location_type"),
        ({"found_location": "x" * 301}, "found_location"),
        ({"circumstances": "x" * 5001}, "circumstances"),
        ({"circumstances": None}, "circumstances"),
    ],
)
def test_bad_notification_is_400_for_its_field_and_saves_nothing(api, police, row_counts, changes, field):
    before = row_counts()
    response = api(police).post("/api/v1/notifications/", notification_body(**changes), format="json")
    assert_field_errors(response, field)
    assert row_counts() == before


def test_missing_fields_are_each_named(api, police, row_counts):
    before = row_counts()
    response = api(police).post("/api/v1/notifications/", {}, format="json")
    assert response.status_code == 400
    assert {"source_ref", "kind", "received_at", "occurred_at", "child"} <= set(response.json())
    assert row_counts() == before


def test_triage_queue_is_pending_by_risk_then_age_and_paginated(api, mash, authority):
    low_old = NotificationFactory(authority=authority, risk_level="low", received_at=NOW - timedelta(days=2))
    high_new = NotificationFactory(authority=authority, risk_level="high", received_at=NOW - timedelta(hours=1))
    high_old = NotificationFactory(authority=authority, risk_level="high", received_at=NOW - timedelta(days=1))
    NotificationFactory(authority=authority, status=NotificationStatus.LINKED)
    response = api(mash).get("/api/v1/notifications/?status=pending")
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"count", "next", "previous", "results"}
    assert body["count"] == 3
    assert [n["id"] for n in body["results"]] == [str(high_old.pk), str(high_new.pk), str(low_old.pk)]


def test_lists_page_in_fifties(api, mash, authority):
    NotificationFactory.create_batch(51, authority=authority)
    first = api(mash).get("/api/v1/notifications/").json()
    assert (first["count"], len(first["results"]), first["previous"]) == (51, 50, None)
    second = api(mash).get(first["next"]).json()
    assert (len(second["results"]), second["next"]) == (1, None)
    assert second["previous"] is not None


@pytest.mark.parametrize("query", ["?status=archived", "?status=%00"])
def test_unknown_status_filter_is_400(api, mash, query):
    response = api(mash).get(f"/api/v1/notifications/{query}")
    assert_field_errors(response, "status")


def test_notification_detail_hides_what_the_caller_may_not_see(api, mash, police, authority):
    elsewhere = NotificationFactory(authority=LocalAuthorityFactory(name="Another Council"))
    mine = NotificationFactory(authority=authority)
    assert api(mash).get(f"/api/v1/notifications/{mine.pk}/").json()["id"] == str(mine.pk)
    assert api(mash).get(f"/api/v1/notifications/{elsewhere.pk}/").status_code == 404
    assert api(police).get(f"/api/v1/notifications/{mine.pk}/").status_code == 404
    assert api(mash).get("/api/v1/notifications/not-a-uuid/").status_code == 404


# Triage ----------------------------------------------------------------------------------------


def test_triage_missing_to_new_child_opens_an_episode(api, mash, authority):
    notification = NotificationFactory(
        authority=authority, risk_level="high", location_type="care", occurred_at=NOW - timedelta(hours=4)
    )
    response = api(mash).post(f"/api/v1/notifications/{notification.pk}/triage/", {"child": None}, format="json")
    assert response.status_code == 200, response.content
    body = response.json()
    child = Child.objects.get(pk=body["child"])
    assert (child.given_name, child.family_name, child.date_of_birth) == (
        notification.child_given_name,
        notification.child_family_name,
        notification.child_date_of_birth,
    )
    episode = MissingEpisode.objects.get(pk=body["episode"])
    assert (episode.child, episode.category, episode.risk_level, episode.location_type) == (
        child,
        "missing",
        "high",
        "care",
    )
    assert episode.started_at == notification.occurred_at and episode.returned_at is None
    notification.refresh_from_db()
    assert (notification.status, notification.child, notification.episode, notification.triaged_by) == (
        "linked",
        child,
        episode,
        mash,
    )


def test_triage_absent_to_existing_child(api, mash, authority):
    child = ChildFactory(authority=authority)
    notification = NotificationFactory(authority=authority, kind="absent")
    response = api(mash).post(f"/api/v1/notifications/{notification.pk}/triage/", {"child": str(child.pk)}, format="json")
    assert response.status_code == 200
    assert response.json()["child"] == str(child.pk)
    assert MissingEpisode.objects.get(pk=response.json()["episode"]).category == "absent"
    assert Child.objects.count() == 1


def test_triage_found_closes_the_open_episode_at_occurred_at(api, mash, authority):
    child = ChildFactory(authority=authority)
    episode = EpisodeFactory(child=child, started_at=NOW - timedelta(days=1))
    found = NotificationFactory(
        authority=authority, kind="found", occurred_at=NOW - timedelta(hours=2), found_location="Bus station"
    )
    response = api(mash).post(f"/api/v1/notifications/{found.pk}/triage/", {"child": str(child.pk)}, format="json")
    assert response.status_code == 200
    assert response.json() == {"child": str(child.pk), "episode": str(episode.pk), "triaged_at": NOW.isoformat().replace("+00:00", "Z")}
    episode.refresh_from_db()
    assert episode.returned_at == found.occurred_at
    assert episode.found_location == "Bus station"


def test_found_for_a_child_with_no_open_episode_is_400_and_saves_nothing(api, mash, authority, row_counts):
    found = NotificationFactory(authority=authority, kind="found")
    before = row_counts()
    response = api(mash).post(f"/api/v1/notifications/{found.pk}/triage/", {"child": None}, format="json")
    assert_field_errors(response, "child")
    assert row_counts() == before


def test_triage_twice_is_409_and_changes_nothing(api, mash, authority, row_counts):
    notification = NotificationFactory(authority=authority)
    client = api(mash)
    assert client.post(f"/api/v1/notifications/{notification.pk}/triage/", {"child": None}, format="json").status_code == 200
    before = row_counts()
    again = client.post(f"/api/v1/notifications/{notification.pk}/triage/", {"child": None}, format="json")
    assert again.status_code == 409
    assert "already triaged by mash" in again.json()["detail"]
    assert row_counts() == before


@pytest.mark.parametrize(
    "body", [{}, {"child": "not-a-uuid"}, {"child": 7}, {"child": ["a"]}, {"child": "00000000-0000-0000-0000-000000000000"}]
)
def test_triage_with_a_bad_child_is_400_and_saves_nothing(api, mash, authority, row_counts, body):
    notification = NotificationFactory(authority=authority)
    before = row_counts()
    response = api(mash).post(f"/api/v1/notifications/{notification.pk}/triage/", body, format="json")
    assert_field_errors(response, "child")
    assert row_counts() == before


def test_triage_to_a_child_the_caller_cannot_see_is_400(api, mash, authority):
    stranger = ChildFactory(authority=LocalAuthorityFactory(name="Another Council"))
    notification = NotificationFactory(authority=authority)
    response = api(mash).post(f"/api/v1/notifications/{notification.pk}/triage/", {"child": str(stranger.pk)}, format="json")
    assert_field_errors(response, "child")
    assert PoliceNotification.objects.get().status == "pending"


def test_triage_errors_404_403_401(api, mash, police, health_worker, authority):
    sent = api(police).post("/api/v1/notifications/", notification_body(), format="json").json()
    path = f"/api/v1/notifications/{sent['id']}/triage/"
    assert api().post(path, {"child": None}, format="json").status_code == 401
    assert api(police).post(path, {"child": None}, format="json").status_code == 403
    assert api(health_worker).post(path, {"child": None}, format="json").status_code == 404
    assert api(mash).post("/api/v1/notifications/nope/triage/", {"child": None}, format="json").status_code == 404
    elsewhere = NotificationFactory(authority=LocalAuthorityFactory(name="Another Council"))
    assert api(mash).post(f"/api/v1/notifications/{elsewhere.pk}/triage/", {"child": None}, format="json").status_code == 404
    assert PoliceNotification.objects.filter(status="pending").count() == 2


# Children (API §2) -----------------------------------------------------------------------------


def test_create_child_with_every_field(api, mash, agencies):
    health = agencies[AgencyKind.HEALTH]
    body = child_body(
        gender="female",
        legal_status="looked_after",
        send=True,
        responsible_authority="Northshire County Council",
        placed_by_other_authority=True,
        vulnerabilities=["cse", "gangs", "cse"],
        lead_agency=str(health.pk),
    )
    response = api(mash).post("/api/v1/children/", body, format="json")
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["vulnerabilities"] == ["cse", "gangs"]
    assert data["lead_agency"] == str(health.pk)
    assert data["placed_by_other_authority"] is True
    assert data["age"] == 14
    assert data["currently_missing"] is False
    assert data["strategy_reasons"] == []
    assert AuditEvent.objects.filter(verb="child.created", object_id=data["id"]).exists()


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"given_name": None}, "given_name"),
        ({"given_name": "G" * 101}, "given_name"),
        ({"family_name": ""}, "family_name"),
        ({"date_of_birth": "2099-01-01"}, "date_of_birth"),
        ({"date_of_birth": "2001-01-01"}, "date_of_birth"),
        ({"date_of_birth": "31/02/2012"}, "date_of_birth"),
        ({"date_of_birth": 20120101}, "date_of_birth"),
        ({"legal_status": "adopted"}, "legal_status"),
        ({"legal_status": None}, "legal_status"),
        ({"gender": "unknown-value"}, "gender"),
        ({"send": "perhaps"}, "send"),
        ({"vulnerabilities": ["cse", "dragons"]}, "vulnerabilities"),
        ({"vulnerabilities": "cse"}, "vulnerabilities"),
        ({"lead_agency": "not-a-uuid"}, "lead_agency"),
        ({"lead_agency": "00000000-0000-0000-0000-000000000000"}, "lead_agency"),
        ({"responsible_authority": "x" * 201}, "responsible_authority"),
    ],
)
def test_bad_child_is_400_and_saves_nothing(api, mash, row_counts, changes, field):
    before = row_counts()
    response = api(mash).post("/api/v1/children/", child_body(**changes), format="json")
    assert_field_errors(response, field)
    assert row_counts() == before


def test_care_leaver_or_send_young_person_is_in_scope_until_25(api, mash):
    nineteen = (NOW.date() - timedelta(days=365 * 19 + 10)).isoformat()
    assert api(mash).post("/api/v1/children/", child_body(date_of_birth=nineteen), format="json").status_code == 400
    leaver = child_body(date_of_birth=nineteen, legal_status="care_leaver")
    assert api(mash).post("/api/v1/children/", leaver, format="json").status_code == 201


def test_lead_agency_of_another_authority_is_400(api, mash, row_counts):
    foreign = AgencyFactory(authority=LocalAuthorityFactory(name="Another Council"), kind=AgencyKind.HEALTH)
    before = row_counts()
    response = api(mash).post("/api/v1/children/", child_body(lead_agency=str(foreign.pk)), format="json")
    assert_field_errors(response, "lead_agency")
    assert row_counts() == before


def test_only_mash_coordinators_create_children(api, police, health_worker, row_counts):
    before = row_counts()
    assert api(police).post("/api/v1/children/", child_body(), format="json").status_code == 403
    assert api(health_worker).post("/api/v1/children/", child_body(), format="json").status_code == 403
    assert api().post("/api/v1/children/", child_body(), format="json").status_code == 401
    assert row_counts() == before


def test_search_children(api, mash, authority):
    match = ChildFactory(authority=authority, given_name="Jordan", family_name="Sampleton", police_person_id="PP-77")
    ChildFactory(authority=authority, given_name="Alex", family_name="Other")
    ChildFactory(authority=LocalAuthorityFactory(name="Another Council"), given_name="Jordan", family_name="Sampleton")
    for query in ("jordan", "SAMPLE", "jordan sampleton", "PP-77"):
        body = api(mash).get("/api/v1/children/", {"q": query}).json()
        assert [c["id"] for c in body["results"]] == [str(match.pk)], query
    assert api(mash).get("/api/v1/children/").json()["count"] == 2


@pytest.mark.parametrize("query", ["x" * 201, "a\x00b"])
def test_bad_search_is_400(api, mash, query):
    assert_field_errors(api(mash).get("/api/v1/children/", {"q": query}), "q")


@pytest.mark.parametrize("child_id", ["not-a-uuid", "00000000-0000-0000-0000-000000000000", "1", "%00"])
def test_unknown_or_malformed_child_id_is_404(api, mash, child_id):
    assert api(mash).get(f"/api/v1/children/{child_id}/").status_code == 404
    assert api(mash).patch(f"/api/v1/children/{child_id}/", {}, format="json").status_code == 404
    assert api(mash).post(f"/api/v1/children/{child_id}/episodes/", episode_body(), format="json").status_code == 404


def test_patch_child(api, mash, health_worker, authority, agencies, row_counts):
    child = ChildFactory(authority=authority, lead_agency=agencies[AgencyKind.HEALTH])
    response = api(mash).patch(f"/api/v1/children/{child.pk}/", {"school": "Hillside Academy"}, format="json")
    assert response.status_code == 200
    assert response.json()["school"] == "Hillside Academy"
    before = row_counts()
    assert api(health_worker).patch(f"/api/v1/children/{child.pk}/", {"school": "X"}, format="json").status_code == 403
    assert_field_errors(api(mash).patch(f"/api/v1/children/{child.pk}/", {"legal_status": "x"}, format="json"), "legal_status")
    assert row_counts() == before


# Computed fields of GET child ------------------------------------------------------------------


def get_child(api, user, child):
    response = api(user).get(f"/api/v1/children/{child.pk}/")
    assert response.status_code == 200, response.content
    return response.json()


def returned_episode(child, days_ago, *, hours=3, category="missing"):
    started = NOW - timedelta(days=days_ago)
    return EpisodeFactory(
        child=child, category=category, started_at=started, reported_at=started, returned_at=started + timedelta(hours=hours)
    )


def test_child_with_no_episodes(api, mash, authority):
    child = ChildFactory(authority=authority, date_of_birth=date(2012, 3, 12))
    data = get_child(api, mash, child)
    assert data["age"] == 13  # 14 tomorrow
    assert (data["currently_missing"], data["frequent_missing"], data["strategy_meeting_due"]) == (False, False, False)
    assert (data["strategy_reasons"], data["episode_count_90_days"]) == ([], 0)


def test_f1_holds_at_the_third_episode_in_90_days(api, mash, authority, frozen):
    child = ChildFactory(authority=authority, date_of_birth=date(2010, 1, 1))
    returned_episode(child, 100)
    returned_episode(child, 80)
    returned_episode(child, 40)
    data = get_child(api, mash, child)
    assert (data["frequent_missing"], data["episode_count_90_days"]) == (False, 2)
    returned_episode(child, 1)
    data = get_child(api, mash, child)
    assert (data["frequent_missing"], data["episode_count_90_days"]) == (True, 3)
    frozen.shift(timedelta(days=11))  # the episode 80 days ago leaves the window
    data = get_child(api, mash, child)
    assert (data["frequent_missing"], data["episode_count_90_days"]) == (False, 2)


def test_s1_holds_at_the_third_missing_or_absent_episode_in_30_days(api, mash, authority):
    child = ChildFactory(authority=authority, date_of_birth=date(2010, 1, 1))
    returned_episode(child, 25, category="away_without_authorisation")
    returned_episode(child, 20)
    returned_episode(child, 10, category="absent")
    assert "S1" not in get_child(api, mash, child)["strategy_reasons"]
    returned_episode(child, 2)
    data = get_child(api, mash, child)
    assert data["strategy_reasons"] == ["S1"]
    assert data["strategy_meeting_due"] is True


@pytest.mark.parametrize(("date_of_birth", "s4"), [(date(2013, 3, 12), True), (date(2013, 3, 11), False)])
def test_s4_is_the_age_on_the_day_the_episode_began(api, mash, authority, date_of_birth, s4):
    """Thirteen tomorrow: still twelve at the start, so S4 holds; thirteen today: it does not."""
    child = ChildFactory(authority=authority, date_of_birth=date_of_birth)
    EpisodeFactory(child=child, started_at=NOW - timedelta(hours=2), reported_at=NOW - timedelta(hours=1))
    data = get_child(api, mash, child)
    assert data["currently_missing"] is True
    assert ("S4" in data["strategy_reasons"]) is s4


def test_s2_s3_s5_s6_each_with_their_own_reason(api, mash, authority, frozen):
    child = ChildFactory(authority=authority, date_of_birth=date(2010, 1, 1), vulnerabilities=["cce"])
    EpisodeFactory(
        child=child, significant_harm=True, started_at=NOW - timedelta(hours=47), reported_at=NOW - timedelta(hours=46)
    )
    assert get_child(api, mash, child)["strategy_reasons"] == ["S2", "S5"]
    frozen.shift(timedelta(hours=1))
    assert get_child(api, mash, child)["strategy_reasons"] == ["S2", "S5", "S6"]
    frozen.shift(timedelta(days=3, hours=23))
    assert get_child(api, mash, child)["strategy_reasons"] == ["S2", "S3", "S5", "S6"]


def test_child_in_need_is_s5(api, mash, authority):
    child = ChildFactory(authority=authority, date_of_birth=date(2010, 1, 1), legal_status="child_in_need")
    EpisodeFactory(child=child)
    assert get_child(api, mash, child)["strategy_reasons"] == ["S5"]


# Episodes --------------------------------------------------------------------------------------


def test_create_episode(api, mash, authority):
    child = ChildFactory(authority=authority)
    response = api(mash).post(
        f"/api/v1/children/{child.pk}/episodes/", episode_body(police_ref="CAD 1234", significant_harm=True), format="json"
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["child"], body["police_ref"], body["significant_harm"], body["returned_at"]) == (
        str(child.pk),
        "CAD 1234",
        True,
        None,
    )
    assert AuditEvent.objects.filter(verb="episode.created", object_id=body["id"], child_id=child.pk).exists()
    listed = api(mash).get(f"/api/v1/children/{child.pk}/episodes/").json()
    assert [e["id"] for e in listed["results"]] == [body["id"]]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"category": "runaway"}, "category"),
        ({"category": None}, "category"),
        ({"risk_level": "HIGH"}, "risk_level"),
        ({"location_type": 3}, "location_type"),
        ({"started_at": "not a time"}, "started_at"),
        ({"started_at": iso(NOW + timedelta(hours=1))}, "started_at"),
        ({"started_at": "1990-01-01T00:00:00+00:00", "reported_at": "1990-01-01T01:00:00+00:00"}, "started_at"),
        ({"reported_at": iso(NOW - timedelta(hours=7))}, "reported_at"),
        ({"reported_at": iso(NOW + timedelta(hours=1))}, "reported_at"),
        ({"returned_at": iso(NOW - timedelta(hours=8))}, "returned_at"),
        ({"returned_at": iso(NOW + timedelta(days=1))}, "returned_at"),
        ({"police_ref": "P" * 65}, "police_ref"),
        ({"significant_harm": "often"}, "significant_harm"),
        ({"circumstances": "c" * 5001}, "circumstances"),
    ],
)
def test_bad_episode_is_400_and_saves_nothing(api, mash, authority, row_counts, changes, field):
    child = ChildFactory(authority=authority)
    before = row_counts()
    response = api(mash).post(f"/api/v1/children/{child.pk}/episodes/", episode_body(**changes), format="json")
    assert_field_errors(response, field)
    assert row_counts() == before


def test_episode_missing_fields_are_each_named(api, mash, authority):
    child = ChildFactory(authority=authority)
    response = api(mash).post(f"/api/v1/children/{child.pk}/episodes/", {}, format="json")
    assert response.status_code == 400
    assert set(response.json()) == {"category", "started_at", "reported_at", "risk_level", "location_type"}


def test_second_open_episode_is_400(api, mash, authority, row_counts):
    child = ChildFactory(authority=authority)
    EpisodeFactory(child=child)
    before = row_counts()
    assert_field_errors(api(mash).post(f"/api/v1/children/{child.pk}/episodes/", episode_body(), format="json"), "returned_at")
    assert row_counts() == before


def test_patch_episode_corrections_keep_history(api, mash, authority, frozen):
    child = ChildFactory(authority=authority)
    episode = EpisodeFactory(child=child, started_at=NOW - timedelta(days=1), reported_at=NOW - timedelta(hours=23))
    client = api(mash)
    first_return = NOW - timedelta(hours=2)
    response = client.patch(
        f"/api/v1/episodes/{episode.pk}/", {"returned_at": iso(first_return), "found_location": "Friend's flat"}, format="json"
    )
    assert response.status_code == 200, response.content
    frozen.shift(timedelta(minutes=30))
    corrected = NOW - timedelta(hours=3)
    assert client.patch(f"/api/v1/episodes/{episode.pk}/", {"returned_at": iso(corrected)}, format="json").status_code == 200
    episode.refresh_from_db()
    assert episode.returned_at == corrected
    history = list(episode.history.order_by("history_date"))
    assert [h.returned_at for h in history] == [None, first_return, corrected]
    assert history[-1].history_user == mash
    assert AuditEvent.objects.filter(verb="episode.updated", object_id=str(episode.pk)).count() == 2
    got = client.get(f"/api/v1/episodes/{episode.pk}/").json()
    assert (got["found_location"], got["returned_at"]) == ("Friend's flat", corrected.isoformat().replace("+00:00", "Z"))


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"returned_at": iso(NOW - timedelta(days=2))}, "returned_at"),
        ({"returned_at": iso(NOW + timedelta(minutes=10))}, "returned_at"),
        ({"returned_at": "soon"}, "returned_at"),
        ({"started_at": None}, "started_at"),
        ({"found_location": "f" * 301}, "found_location"),
        ({"category": "lost"}, "category"),
    ],
)
def test_bad_episode_correction_is_400_and_saves_nothing(api, mash, authority, row_counts, changes, field):
    episode = EpisodeFactory(child=ChildFactory(authority=authority), started_at=NOW - timedelta(days=1))
    before = row_counts()
    assert_field_errors(api(mash).patch(f"/api/v1/episodes/{episode.pk}/", changes, format="json"), field)
    assert row_counts() == before


def test_episode_errors_404_403(api, mash, health_worker, authority, agencies):
    hidden = EpisodeFactory(child=ChildFactory(authority=authority))
    led = EpisodeFactory(child=ChildFactory(authority=authority, lead_agency=agencies[AgencyKind.HEALTH]))
    client = api(health_worker)
    assert client.get(f"/api/v1/episodes/{hidden.pk}/").status_code == 404
    assert client.patch(f"/api/v1/episodes/{hidden.pk}/", {"found_location": "x"}, format="json").status_code == 404
    assert client.get(f"/api/v1/episodes/{led.pk}/").status_code == 200
    assert client.patch(f"/api/v1/episodes/{led.pk}/", {"found_location": "x"}, format="json").status_code == 403
    assert client.post(f"/api/v1/children/{led.child_id}/episodes/", episode_body(), format="json").status_code == 403
    assert api(mash).get("/api/v1/episodes/zzz/").status_code == 404
    assert api().get(f"/api/v1/episodes/{led.pk}/").status_code == 401


# Malformed bodies on every write ---------------------------------------------------------------

MALFORMED = [
    b"{not json",
    b"[]",
    b"null",
    b'"a string"',
    b"42",
    b"[" * 50000 + b"]" * 50000,
    b'{"a": ' * 50000 + b"1" + b"}" * 50000,
    b"\xff\xfe\x00{\x00}",
    b'{"source_ref": "\xc3\x28"}',
    b"",
    # \u escapes of half a surrogate pair: they decode to text no database can store as UTF-8.
    b'{"source_ref": "N-1\\ud800", "kind": "missing"}',
    b'{"child": {"given_name": "A\\udfffB"}}',
    b'{"\\udc00": 1}',
    b'[{"a": ["x", "\\ude00"]}]',
]


@pytest.fixture
def write_paths(authority):
    child = ChildFactory(authority=authority)
    episode = EpisodeFactory(child=child)
    notification = NotificationFactory(authority=authority)
    return [
        ("post", "/api/v1/notifications/"),
        ("post", "/api/v1/children/"),
        ("patch", f"/api/v1/children/{child.pk}/"),
        ("post", f"/api/v1/children/{child.pk}/episodes/"),
        ("patch", f"/api/v1/episodes/{episode.pk}/"),
        ("post", f"/api/v1/notifications/{notification.pk}/triage/"),
        ("post", "/api/v1/agencies/"),
        ("post", "/api/v1/users/"),
        ("post", "/api/v1/auth/token/"),
    ]


@pytest.mark.parametrize("body", MALFORMED, ids=lambda b: repr(b[:12]))
def test_malformed_json_is_400_everywhere_and_saves_nothing(api, admin_user, write_paths, row_counts, body):
    client = api(admin_user)
    before = row_counts()
    for method, path in write_paths:
        response = getattr(client, method)(path, body, content_type="application/json")
        if body == b"" and method == "patch":
            assert response.status_code == 200, path  # an empty correction changes nothing
            continue
        assert response.status_code == 400, (path, response.content)
        assert isinstance(response.json(), dict)
    assert row_counts() == before


def test_a_character_written_as_a_surrogate_pair_is_text_like_any_other(api, police):
    """JSON writes a character beyond the first 65,536 as two \\u escapes; the pair is one character."""
    body = json.dumps(notification_body(child={"given_name": "Ro\U0001F600bin", "family_name": "Example",
                                               "date_of_birth": "2012-05-17"}), ensure_ascii=True)
    assert "\\ud83d\\ude00" in body
    response = api(police).post("/api/v1/notifications/", body, content_type="application/json")
    assert response.status_code == 201, response.content
    assert PoliceNotification.objects.get(pk=response.json()["id"]).child_given_name == "Ro\U0001F600bin"


def test_other_content_types_are_415(api, mash):
    response = api(mash).post("/api/v1/notifications/", "source_ref=1", content_type="application/x-www-form-urlencoded")
    assert response.status_code == 415


# Whatever arrives, never a 500 ---------------------------------------------------------------------

JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=400),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4),
    max_leaves=12,
)
PLAUSIBLE_VALUES = JSON_VALUES | st.sampled_from(
    ["missing", "found", "absent", "high", "care", "2012-05-17", iso(NOW), iso(NOW + timedelta(days=400)), "\x00"]
)
FIELDS = [
    "source_ref", "kind", "received_at", "occurred_at", "child", "risk_level", "location_type", "found_location",
    "circumstances", "given_name", "family_name", "date_of_birth", "legal_status", "vulnerabilities", "lead_agency",
    "send", "category", "started_at", "reported_at", "returned_at", "police_person_id", "significant_harm",
]
BODIES = st.dictionaries(st.sampled_from(FIELDS), PLAUSIBLE_VALUES, max_size=10) | JSON_VALUES


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=BODIES)
def test_no_body_makes_any_write_answer_500(api, admin_user, write_paths, body):
    client = api(admin_user)
    for method, path in write_paths:
        response = getattr(client, method)(path, body, format="json")
        assert response.status_code < 500, (path, body, response.content)


# The return-interview, safe-and-well, education and timeliness endpoints, for every kind of caller.

CASEWORK_FIELDS = [
    "interviewer", "interviewer_role", "declined_by", "refusal_learnt", "reason", "held_at", "voice_of_child",
    "push_factors", "pull_factors", "exploitation_indicators", "police_intelligence", "episode", "officer",
    "checked_at", "where_found", "harm_indicators", "child", "kind", "school", "first_day", "episodes",
    "contact_made_at", "safety_concerns", "referred_to_police_and_csc", "item", "done_on", "removed_on", "exit",
    "located_on", "returned_at",
]
CASEWORK_VALUES = PLAUSIBLE_VALUES | st.sampled_from(
    [
        "rhi_service", "teacher", "child", "parent", "cme", "cmfe", "located", "neighbours", "injury", "friends",
        "2026-03-02", "2026-04-30", "9999-12-31", "0001-01-01", iso(NOW - timedelta(hours=1)), [], ["friends"],
    ]
)
QUERY_VALUES = st.sampled_from(
    ["", "2026-01-01", "9999-12-31", "0001-01-01", "31/12/9999", "2026-02-30", "offered", "true", "\x00"]
) | st.text(max_size=20)


def _callers(agencies):
    """The administrator with an agency, the superuser without one, a MASH coordinator, and a teacher."""
    agencyless = UserFactory(username="installer", agency=None, roles=[Role.ADMINISTRATOR])
    agencyless.is_superuser = True
    agencyless.save()
    return {
        "agencyless administrator": agencyless,
        "mash": UserFactory(agency=agencies[AgencyKind.CHILDRENS_SOCIAL_CARE], roles=[Role.MASH_COORDINATOR]),
        "teacher": UserFactory(agency=agencies[AgencyKind.EDUCATION]),
    }


@pytest.fixture
def casework_targets(authority, agencies, admin_user):
    """A returned child with an owed interview, and an open education case; the ids a body may name."""
    from missing.education.services import education_case_open
    from missing.models import ReturnInterview
    from missing.services import episode_create, episode_update

    callers = {"administrator": admin_user, **_callers(agencies)}
    child = ChildFactory(authority=authority)
    episode = episode_create(
        actor=admin_user, child=child, category="missing", started_at=NOW - timedelta(hours=30),
        reported_at=NOW - timedelta(hours=29), risk_level="medium", location_type="home",
    )
    episode = episode_update(actor=admin_user, episode=episode, returned_at=NOW - timedelta(hours=10))
    interview = ReturnInterview.objects.get(episodes=episode)
    case = education_case_open(
        actor=callers["teacher"], child=ChildFactory(authority=authority), kind="cme", school="Demo School",
        first_day=date(2026, 3, 2),
    )
    interview_path = f"/api/v1/return-interviews/{interview.pk}"
    case_path = f"/api/v1/education-cases/{case.pk}"
    writes = [("post", f"{interview_path}/{action}/") for action in (
        "accept", "decline", "not-possible", "complete", "reoffer", "share-intelligence",
    )] + [
        ("post", "/api/v1/safe-and-well-checks/"),
        ("post", "/api/v1/education-cases/"),
        ("patch", f"{case_path}/"),
        ("post", f"{case_path}/enquiries/"),
        ("post", f"{case_path}/remove-from-roll/"),
        ("post", f"{case_path}/close/"),
        ("patch", f"/api/v1/episodes/{episode.pk}/"),
    ]
    reads = {
        "/api/v1/return-interviews/timeliness/": ["start", "end"],
        "/api/v1/return-interviews/": ["child", "state", "mine"],
        "/api/v1/safe-and-well-checks/": ["child", "episode"],
        "/api/v1/education-cases/": ["child"],
        f"{interview_path}/letter.pdf": [],
        f"{interview_path}/": [],
        f"{case_path}/": [],
    }
    ids = [str(child.pk), str(episode.pk), str(case.child_id), *(str(user.pk) for user in callers.values())]
    return {"callers": callers, "writes": writes, "reads": reads, "ids": ids}


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_no_request_to_interviews_checks_education_or_timeliness_answers_500(api, casework_targets, data):
    caller = data.draw(st.sampled_from(sorted(casework_targets["callers"])), label="caller")
    client = api(casework_targets["callers"][caller])
    values = CASEWORK_VALUES | st.sampled_from(casework_targets["ids"]) | st.lists(
        st.sampled_from(casework_targets["ids"]), max_size=2
    )
    body = data.draw(st.dictionaries(st.sampled_from(CASEWORK_FIELDS), values, max_size=12) | JSON_VALUES, label="body")
    for method, path in casework_targets["writes"]:
        response = getattr(client, method)(path, body, format="json")
        assert response.status_code < 500, (caller, path, body, response.content)
    for path, names in casework_targets["reads"].items():
        query = {name: data.draw(QUERY_VALUES | st.sampled_from(casework_targets["ids"])) for name in names}
        response = client.get(path, query)
        assert response.status_code < 500, (caller, path, query, response.content)


def test_an_agencyless_administrator_opening_an_education_case_is_a_400_that_saves_nothing(
    api, casework_targets, row_counts
):
    client = api(casework_targets["callers"]["agencyless administrator"])
    body = {"child": casework_targets["ids"][0], "kind": "cme", "school": "Demo School", "first_day": "2026-03-02"}
    before = row_counts()
    response = client.post("/api/v1/education-cases/", body, format="json")
    assert_field_errors(response, "non_field_errors")
    assert row_counts() == before


def test_an_administrator_without_an_agency_creates_a_child_of_the_installation(api, authority):
    administrator = UserFactory(agency=None, roles=[Role.ADMINISTRATOR])
    response = api(administrator).post("/api/v1/children/", child_body(), format="json")
    assert response.status_code == 201, response.content
    assert Child.objects.get(pk=response.json()["id"]).authority == authority
