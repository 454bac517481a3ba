"""API of panel intelligence: in the schema; 201 for members, 400 for bad input (nothing saved),
404 outside the panel, 403 to change what another member recorded."""

from datetime import date, timedelta

import pytest

from casework.models import AgencyKind, RecordAccess
from intelligence.models import Association, Person, Place
from intelligence.selectors import child_reference

pytestmark = pytest.mark.django_db


def test_the_endpoints_are_in_the_schema(api, people):
    schema = api(people["chair"]).get("/api/v1/schema/", HTTP_ACCEPT="application/json").content.decode()
    for path in ("/api/v1/intelligence/places/", "/api/v1/intelligence/places/{place_id}/network/",
                 "/api/v1/intelligence/places/{place_id}/episodes/", "/api/v1/intelligence/persons/",
                 "/api/v1/intelligence/associations/{association_id}/", "/api/v1/intelligence/disruptions/"):
        assert path in schema, path


def test_a_member_adds_a_place_and_bad_input_is_a_400(api, panel, people):
    client = api(people["nurse"])
    response = client.post("/api/v1/intelligence/places/", {
        "panel": str(panel.pk), "name": "Market Street chicken shop", "kind": "takeaway", "postcode": "dm2 7lp"},
        format="json")
    assert response.status_code == 201, response.content
    assert response.json()["postcode"] == "DM2 7LP" and response.json()["episode_count"] == 0
    bad = client.post("/api/v1/intelligence/places/", {"panel": str(panel.pk), "name": "Park", "kind": "castle"},
                      format="json")
    assert bad.status_code == 400 and "kind" in bad.json()
    bad = client.post("/api/v1/intelligence/places/", {"panel": str(panel.pk), "name": "Park", "kind": "park",
                                                        "postcode": "XYZ"}, format="json")
    assert bad.status_code == 400 and list(bad.json()) == ["postcode"]
    assert client.post("/api/v1/intelligence/places/", "{not json", content_type="application/json").status_code == 400
    assert Place.objects.count() == 1


def test_outside_the_panel_is_404_and_lists_are_empty(api, world, panel, people, mash):
    for user in (people["outsider"], people["reader"], people["staff"], mash):
        client = api(user)
        for url in (f"/api/v1/intelligence/places/{world['place'].pk}/",
                    f"/api/v1/intelligence/places/{world['place'].pk}/network/",
                    f"/api/v1/intelligence/persons/{world['adult'].pk}/",
                    f"/api/v1/intelligence/persons/{world['adult'].pk}/network/",
                    f"/api/v1/intelligence/associations/{world['links']['child_adult'].pk}/",
                    f"/api/v1/intelligence/disruptions/{world['disruption'].pk}/",
                    "/api/v1/intelligence/places/not-a-uuid/"):
            assert client.get(url).status_code == 404, (user, url)
        for url in ("places", "persons", "associations", "disruptions"):
            assert client.get(f"/api/v1/intelligence/{url}/").json()["count"] == 0
        response = client.post("/api/v1/intelligence/persons/", {"panel": str(panel.pk), "name": "Anyone",
                                                                   "role": "posing_risk"}, format="json")
        assert response.status_code == 400 and "panel" in response.json()
    assert Person.objects.count() == 1


def test_a_member_may_not_change_anothers_record_403_but_the_recorder_may(api, world, people):
    url = f"/api/v1/intelligence/associations/{world['links']['child_adult'].pk}/"
    assert api(people["nurse"]).patch(url, {"source_evaluation": "1"}, format="json").status_code == 403
    assert api(people["nurse"]).delete(url).status_code == 403
    response = api(people["officer"]).patch(url, {"source_evaluation": "1", "handling": "C"}, format="json")
    assert response.status_code == 200 and response.json()["grade"] == "1BC"
    assert api(people["officer"]).patch(url, {"handling": "Z"}, format="json").status_code == 400
    assert api(people["chair"]).delete(url).status_code == 204
    assert not Association.objects.filter(pk=world["links"]["child_adult"].pk).exists()


def test_associations_are_recorded_with_their_ends_and_name_unseen_children_by_reference(api, world, panel, people):
    client = api(people["officer"])
    body = {"panel": str(panel.pk), "from": {"type": "place", "id": str(world["other_place"].pk)},
            "to": {"type": "child", "id": str(world["unseen"].pk)}, "nature": "found at", "source": "Patrol",
            "source_date": date.today().isoformat(), "source_evaluation": "1", "intelligence_evaluation": "A",
            "handling": "P"}
    response = client.post("/api/v1/intelligence/associations/", body, format="json")
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["kind"] == "child-place" and data["grade"] == "1AP"
    assert data["from"] == {"type": "child", "id": str(world["unseen"].pk), "label": child_reference(world["unseen"])}
    assert data["to"]["label"] == "Riverside park"
    for change, field in (({"to": {"type": "child", "id": str(panel.pk)}}, "to"),
                          ({"to": {"type": "planet", "id": str(panel.pk)}}, "to"),
                          ({"source_date": (date.today() + timedelta(days=3)).isoformat()}, "source_date"),
                          ({"intelligence_evaluation": "F"}, "intelligence_evaluation")):
        bad = client.post("/api/v1/intelligence/associations/", {**body, **change}, format="json")
        assert bad.status_code == 400 and field in bad.json(), (change, bad.content)
    listed = client.get(f"/api/v1/intelligence/associations/?child={world['unseen'].pk}").json()
    assert listed["count"] == 3
    assert RecordAccess.objects.filter(user=people["officer"], channel="api", child_id=world["unseen"].pk).exists()


def test_the_network_of_a_place_and_linking_an_episode(api, world, people):
    client = api(people["officer"])
    network = client.get(f"/api/v1/intelligence/places/{world['place'].pk}/network/").json()
    assert network["focus"]["label"] == "Station Road hotel"
    others = {link["other"]["label"] for link in network["links"]}
    assert others == {"Robin Testwell", child_reference(world["unseen"]), "Dale Example"}
    url = f"/api/v1/intelligence/places/{world['other_place'].pk}/episodes/"
    hidden = client.post(url, {"episode": str(world["episodes"][2].pk)}, format="json")
    assert hidden.status_code == 400 and "episode" in hidden.json()
    linked = client.post(url, {"episode": str(world["episodes"][0].pk)}, format="json")
    assert linked.status_code == 201 and linked.json()["episode_count"] == 1


def test_disruption_planned_then_done_with_its_outcome(api, world, panel, people, agencies):
    client = api(people["officer"])
    body = {"panel": str(panel.pk), "person": str(world["adult"].pk), "description": "Warning notice",
            "owner_agency": str(agencies[AgencyKind.POLICE].pk), "owner": str(people["officer"].pk),
            "planned_for": (date.today() + timedelta(days=2)).isoformat()}
    created = client.post("/api/v1/intelligence/disruptions/", body, format="json")
    assert created.status_code == 201, created.content
    assert created.json()["status"] == "planned"
    url = f"/api/v1/intelligence/disruptions/{created.json()['id']}/"
    assert client.patch(url, {"status": "done"}, format="json").json().keys() >= {"done_on", "outcome"}
    done = client.patch(url, {"status": "done", "done_on": date.today().isoformat(), "outcome": "Served."},
                        format="json")
    assert done.status_code == 200 and done.json()["outcome"] == "Served."
    assert api(people["nurse"]).patch(url, {"outcome": "x"}, format="json").status_code == 403
    no_target = client.post("/api/v1/intelligence/disruptions/", {**body, "person": None}, format="json")
    assert no_target.status_code == 400 and "target" in no_target.json()
    other = client.post("/api/v1/intelligence/disruptions/", {**body, "owner_agency": str(panel.pk)}, format="json")
    assert other.status_code == 400 and "owner_agency" in other.json()
