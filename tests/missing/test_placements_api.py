"""The placements API (N7): providers, a child's placements, contacts; 400 saves nothing, an
invisible object is a 404, a visible one the caller may not change a 403."""

from datetime import date

import pytest

from casework.models import AgencyKind, RecordAccess, Role
from missing.models import AuthorityContact, LegalStatus, Placement, PlacementProvider
from missing.placements.services import provider_create
from tests.factories import AgencyFactory, ChildFactory, LocalAuthorityFactory, UserFactory

ELSEWHERE = "Farshire County Council"


@pytest.fixture
def child(authority):
    return ChildFactory(authority=authority, legal_status=LegalStatus.LOOKED_AFTER, date_of_birth=date(2011, 3, 1))


@pytest.fixture
def home(authority, mash):
    return provider_create(actor=mash, authority=authority, name="Oak Lodge", kind="childrens_home")


@pytest.fixture
def stranger(db):
    """A MASH coordinator of another council: sees none of ours."""
    other = LocalAuthorityFactory(name="Other Borough Council")
    agency = AgencyFactory(authority=other, kind=AgencyKind.CHILDRENS_SOCIAL_CARE)
    return UserFactory(username="stranger", agency=agency, roles=[Role.MASH_COORDINATOR])


def test_provider_create_list_and_change(api, mash, health_worker):
    created = api(mash).post("/api/v1/providers/", {
        "name": "Oak Lodge", "kind": "childrens_home", "ofsted_urn": "SC123456", "postcode": "AB1 2CD",
        "host_authority": "",
    }, format="json")
    assert created.status_code == 201, created.content
    body = created.json()
    assert (body["name"], body["episode_count"], body["children_now"]) == ("Oak Lodge", 0, 0)
    listed = api(health_worker).get("/api/v1/providers/")
    assert listed.status_code == 200 and [p["name"] for p in listed.json()["results"]] == ["Oak Lodge"]
    changed = api(mash).patch(f"/api/v1/providers/{body['id']}/", {"address": "1 Lane"}, format="json")
    assert changed.status_code == 200 and changed.json()["address"] == "1 Lane"


def test_provider_bad_input_is_400_and_saves_nothing(api, mash, row_counts):
    before = row_counts()
    response = api(mash).post("/api/v1/providers/", {"name": "", "kind": "castle"}, format="json")
    assert response.status_code == 400
    assert set(response.json()) == {"name", "kind"}
    response = api(mash).post("/api/v1/providers/", {"name": "X", "kind": "secure", "ofsted_urn": "??"},
                              format="json")
    assert response.status_code == 400 and "ofsted_urn" in response.json()
    assert row_counts() == before


def test_provider_of_another_council_is_404_and_others_may_not_change_it(api, home, stranger, health_worker):
    assert api(stranger).get(f"/api/v1/providers/{home.pk}/").status_code == 404
    assert api(stranger).patch(f"/api/v1/providers/{home.pk}/", {"name": "Mine"}, format="json").status_code == 404
    assert api(health_worker).get(f"/api/v1/providers/{home.pk}/").status_code == 200
    refused = api(health_worker).patch(f"/api/v1/providers/{home.pk}/", {"name": "Mine"}, format="json")
    assert refused.status_code == 403
    assert api(health_worker).post("/api/v1/providers/", {"name": "A", "kind": "other"},
                                   format="json").status_code == 403
    home.refresh_from_db()
    assert home.name == "Oak Lodge"


def test_child_placements_record_list_and_end(api, mash, child, home):
    url = f"/api/v1/children/{child.pk}/placements/"
    created = api(mash).post(url, {"provider": str(home.pk), "placement_type": "childrens_home",
                                   "started_on": "01/05/2026", "responsible_authority": ELSEWHERE}, format="json")
    assert created.status_code == 201, created.content
    assert created.json()["provider_name"] == "Oak Lodge"
    detail = api(mash).get(f"/api/v1/children/{child.pk}/").json()
    assert detail["provider"] == str(home.pk) and detail["placement_type"] == "childrens_home"
    assert detail["placed_by_other_authority"] is True and detail["placement_provider"] == "Oak Lodge"
    listed = api(mash).get(url)
    assert listed.status_code == 200 and listed.json()["count"] == 1
    assert RecordAccess.objects.filter(child_id=child.pk).exists()
    ended = api(mash).post(f"/api/v1/placements/{created.json()['id']}/end/", {"ended_on": "2026-05-20"},
                           format="json")
    assert ended.status_code == 200 and ended.json()["ended_on"] == "2026-05-20"
    assert api(mash).get(f"/api/v1/children/{child.pk}/").json()["provider"] is None


def test_child_placement_errors(api, mash, child, health_worker, stranger, row_counts):
    url = f"/api/v1/children/{child.pk}/placements/"
    before = row_counts()
    bad = api(mash).post(url, {"placement_type": "palace", "started_on": "yesterday"}, format="json")
    assert bad.status_code == 400 and set(bad.json()) == {"placement_type", "started_on"}
    future = api(mash).post(url, {"placement_type": "other", "started_on": "2099-01-01"}, format="json")
    assert future.status_code == 400 and "started_on" in future.json()
    assert row_counts() == before
    assert api(stranger).get(url).status_code == 404
    assert api(stranger).post(url, {"placement_type": "other", "started_on": "2026-01-01"},
                              format="json").status_code == 404
    child.lead_agency = health_worker.agency
    child.save()
    before = row_counts()
    assert api(health_worker).get(url).status_code == 200
    refused = api(health_worker).post(url, {"placement_type": "other", "started_on": "2026-01-01"}, format="json")
    assert refused.status_code == 403
    counts = row_counts()
    counts.pop("casework.RecordAccess"), before.pop("casework.RecordAccess")
    assert counts == before
    assert not Placement.objects.exists()


def test_end_placement_errors(api, mash, child, stranger, health_worker):
    placement = api(mash).post(f"/api/v1/children/{child.pk}/placements/",
                               {"placement_type": "foster_care", "started_on": "2026-01-05"}, format="json").json()
    url = f"/api/v1/placements/{placement['id']}/end/"
    assert api(stranger).post(url, {"ended_on": "2026-02-01"}, format="json").status_code == 404
    assert api(health_worker).post(url, {"ended_on": "2026-02-01"}, format="json").status_code == 404
    child.lead_agency = health_worker.agency
    child.save()
    assert api(health_worker).post(url, {"ended_on": "2026-02-01"}, format="json").status_code == 403
    assert api(mash).post(url, {}, format="json").status_code == 400
    early = api(mash).post(url, {"ended_on": "2025-12-01"}, format="json")
    assert early.status_code == 400 and "ended_on" in early.json()
    assert Placement.objects.get().ended_on is None


def test_child_api_takes_ethnicity_placement_type_and_home_area(api, mash, child):
    url = f"/api/v1/children/{child.pk}/"
    response = api(mash).patch(url, {"ethnicity": "MWBA", "placement_type": "foster_care", "home_area": "zz9"},
                               format="json")
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["ethnicity"], body["placement_type"], body["home_area"], body["provider"]) == (
        "MWBA", "foster_care", "ZZ9", None)
    bad = api(mash).patch(url, {"ethnicity": "ABCD", "home_area": "ZZ9 9ZZ"}, format="json")
    assert bad.status_code == 400 and set(bad.json()) == {"ethnicity"}
    bad = api(mash).patch(url, {"home_area": "ZZ9 9ZZ"}, format="json")
    assert bad.status_code == 400 and set(bad.json()) == {"home_area"}
    child.refresh_from_db()
    assert child.home_area == "ZZ9"


def test_contacts_are_for_administrators(api, admin_user, mash, row_counts):
    assert api(mash).get("/api/v1/authority-contacts/").status_code == 403
    assert api(mash).post("/api/v1/authority-contacts/", {"other_authority": ELSEWHERE, "email": "a@b.example"},
                          format="json").status_code == 403
    created = api(admin_user).post("/api/v1/authority-contacts/",
                                   {"other_authority": ELSEWHERE, "email": "mash@farshire.example"}, format="json")
    assert created.status_code == 201, created.content
    before = row_counts()
    again = api(admin_user).post("/api/v1/authority-contacts/",
                                 {"other_authority": ELSEWHERE.upper(), "email": "x@farshire.example"}, format="json")
    assert again.status_code == 400 and "other_authority" in again.json()
    bad = api(admin_user).post("/api/v1/authority-contacts/", {"other_authority": "X", "email": "nope"},
                               format="json")
    assert bad.status_code == 400 and "email" in bad.json()
    assert row_counts() == before
    assert AuthorityContact.objects.get().email == "mash@farshire.example"
    listed = api(admin_user).get("/api/v1/authority-contacts/")
    assert listed.json()["count"] == 1


def test_schema_documents_the_placement_endpoints(api, mash):
    text = api(mash).get("/api/v1/schema/", HTTP_ACCEPT="application/json").content.decode()
    for path in ("/api/v1/providers/", "/api/v1/providers/{provider_id}/", "/api/v1/children/{child_id}/placements/",
                 "/api/v1/placements/{placement_id}/end/", "/api/v1/authority-contacts/",
                 "/api/v1/letters-of-concern/"):
        assert path in text
    assert "home_area" in text and "episode_count" in text
    assert PlacementProvider.objects.count() == 0


def test_letter_of_concern_pdf_through_the_api(api, mash, child, home, health_worker):
    import io

    from pypdf import PdfReader

    from missing.placements.services import placement_record

    placement_record(actor=mash, child=child, provider=home, placement_type="childrens_home",
                     started_on=date(2026, 1, 5), responsible_authority=ELSEWHERE)
    url = "/api/v1/letters-of-concern/"
    query = {"authority": ELSEWHERE, "start": "2026-01-01", "end": "2026-01-31"}
    assert api(health_worker).get(url, query).status_code == 403
    bad = api(mash).get(url, {**query, "end": "2025-12-01"})
    assert bad.status_code == 400 and "end" in bad.json()
    response = api(mash).get(url, query)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = PdfReader(io.BytesIO(response.content)).pages[0].extract_text()
    assert child.full_name in text and "Oak Lodge" in text
    assert RecordAccess.objects.filter(child_id=child.pk, channel="api").exists()
