"""Missing-child updates (seed 002 §14): recorded by whoever may see the child, newest on the child's page."""

from datetime import datetime, timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from casework.models import AgencyKind, AuditEvent, RecordAccess
from missing.models import MissingChildUpdate
from missing.updates.selectors import latest_missing_updates

from ..factories import ChildFactory, EpisodeFactory, UserFactory

pytestmark = pytest.mark.django_db

NOW = datetime.fromisoformat("2026-03-10T10:00:00+00:00")


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def child(authority, agencies):
    child = ChildFactory(authority=authority, lead_agency=agencies[AgencyKind.HEALTH])
    EpisodeFactory(child=child, started_at=NOW - timedelta(hours=30))
    return child


def test_anyone_who_sees_the_child_records_an_update_through_the_api(api, health_worker, child):
    response = api(health_worker).post(
        f"/api/v1/children/{child.pk}/updates/",
        {"position": "Seen near the station at 08:00", "actions_to_locate": "Police checking CCTV"},
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["written_by_username"] == "health" and body["episode"] == str(child.episodes.get().pk)
    assert AuditEvent.objects.filter(verb="missing_update.created", child_id=child.pk).count() == 1


def test_bad_input_is_a_400_and_nothing_is_saved(api, mash, child, row_counts):
    client = api(mash)
    other = EpisodeFactory(child=ChildFactory(authority=child.authority), started_at=NOW - timedelta(hours=2))
    before = row_counts()
    response = client.post(f"/api/v1/children/{child.pk}/updates/", {"position": "   "}, format="json")
    assert response.status_code == 400 and "position" in response.json()
    response = client.post(
        f"/api/v1/children/{child.pk}/updates/", {"position": "x", "episode": "not-a-uuid"}, format="json"
    )
    assert response.status_code == 400 and "episode" in response.json()
    response = client.post(
        f"/api/v1/children/{child.pk}/updates/", {"position": "x", "episode": str(other.pk)}, format="json"
    )
    assert response.status_code == 400 and response.json()["episode"] == ["This episode is not one of this child's."]
    after = row_counts()
    after.pop("casework.ApiToken", None), before.pop("casework.ApiToken", None)
    assert after == before


def test_a_child_who_is_not_missing_needs_the_episode_named(api, mash, authority):
    child = ChildFactory(authority=authority)
    episode = EpisodeFactory(child=child, started_at=NOW - timedelta(days=3), returned_at=NOW - timedelta(days=2))
    url = f"/api/v1/children/{child.pk}/updates/"
    response = api(mash).post(url, {"position": "Back home"}, format="json")
    assert response.status_code == 400 and "not missing now" in response.json()["episode"][0]
    assert api(mash).post(url, {"position": "Back home", "episode": str(episode.pk)}, format="json").status_code == 201


def test_an_invisible_child_answers_404(api, agencies, child):
    stranger = UserFactory(agency=agencies[AgencyKind.EDUCATION])
    url = f"/api/v1/children/{child.pk}/updates/"
    assert api(stranger).get(url).status_code == 404
    assert api(stranger).post(url, {"position": "x"}, format="json").status_code == 404
    assert not MissingChildUpdate.objects.exists()


def test_the_list_is_newest_first_and_logged(api, mash, child, frozen):
    client = api(mash)
    for text in ("first", "second"):
        client.post(f"/api/v1/children/{child.pk}/updates/", {"position": text}, format="json")
        frozen.shift(timedelta(minutes=30))
    response = client.get(f"/api/v1/children/{child.pk}/updates/")
    assert [u["position"] for u in response.json()["results"]] == ["second", "first"]
    assert RecordAccess.objects.filter(user=mash, child_id=child.pk, channel="api").exists()


def test_the_child_page_shows_the_newest_and_takes_a_new_one(signed_in, health_worker, child, frozen):
    client = signed_in(health_worker)
    page = client.get(f"/missing/children/{child.pk}/")
    assert b"No update is recorded." in page.content and b"Add an update" in page.content
    assert client.post(f"/missing/children/{child.pk}/updates/", {"position": ""}).status_code == 400
    response = client.post(
        f"/missing/children/{child.pk}/updates/", {"position": "Staying with a friend", "actions_to_locate": "Visit"}
    )
    assert response.status_code == 302
    frozen.shift(timedelta(minutes=5))  # within the session's idle timeout
    client.post(f"/missing/children/{child.pk}/updates/", {"position": "Friend's parent called"})
    page = client.get(f"/missing/children/{child.pk}/")
    assert page.status_code == 200, page
    page = page.content.decode()
    assert "Friend&#x27;s parent called" in page and "Staying with a friend" not in page
    listing = client.get(f"/missing/children/{child.pk}/updates/").content.decode()
    assert listing.index("Friend&#x27;s parent called") < listing.index("Staying with a friend")


def test_latest_missing_updates_answers_many_children_in_one_query(authority, mash, frozen):
    children = [ChildFactory(authority=authority) for _ in range(4)]
    for index, child in enumerate(children[:3]):
        for hour in range(3):
            MissingChildUpdate.objects.create(
                child=child, position=f"{index}-{hour}", written_by=mash, written_at=NOW - timedelta(hours=5 - hour)
            )
    with CaptureQueriesContext(connection) as queries:
        latest = latest_missing_updates([c.pk for c in children])
        names = {pk: update.written_by.username for pk, update in latest.items()}
    assert len(queries) == 1
    assert {pk: u.position for pk, u in latest.items()} == {c.pk: f"{i}-2" for i, c in enumerate(children[:3])}
    assert set(names.values()) == {"mash"}
    assert latest_missing_updates([]) == {}
