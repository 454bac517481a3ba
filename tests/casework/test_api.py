import pytest

from casework.models import AuditEvent, User

pytestmark = pytest.mark.django_db


def test_token_then_me(api, mash):
    response = api().post("/api/v1/auth/token/", {"username": "mash", "password": "correct-horse-battery-9"}, format="json")
    assert response.status_code == 200
    token = response.json()["token"]
    me = api().get("/api/v1/users/me/", HTTP_AUTHORIZATION=f"Token {token}")
    assert me.status_code == 200
    assert me.json() == {
        "id": str(mash.pk),
        "username": "mash",
        "email": "mash@example.test",
        "agency": str(mash.agency_id),
        "roles": ["mash_coordinator"],
        "line_manager": None,
        "is_active": True,
    }


def test_token_with_wrong_password_is_400(api, mash):
    response = api().post("/api/v1/auth/token/", {"username": "mash", "password": "nope"}, format="json")
    assert response.status_code == 400
    assert "non_field_errors" in response.json()


def test_schema_documents_the_optional_code_of_the_token_request(db):
    from drf_spectacular.generators import SchemaGenerator

    token_request = SchemaGenerator().get_schema(request=None, public=True)["components"]["schemas"]["TokenInputRequest"]
    assert "otp" in token_request["properties"]
    assert "authenticator" in token_request["properties"]["otp"]["description"]
    assert sorted(token_request["required"]) == ["password", "username"]


def test_no_credentials_is_401(api):
    assert api().get("/api/v1/users/me/").status_code == 401


def test_administrator_creates_agency_and_user(api, admin_user):
    client = api(admin_user)
    agency = client.post("/api/v1/agencies/", {"name": "Northside Youth Offending", "kind": "youth_offending"}, format="json")
    assert agency.status_code == 201, agency.content
    agency_id = agency.json()["id"]
    user = client.post(
        "/api/v1/users/",
        {"username": "yos1", "password": "a-long-enough-pass-77", "email": "yos1@example.test", "agency": agency_id,
         "roles": ["agency_staff"]},
        format="json",
    )
    assert user.status_code == 201, user.content
    created = User.objects.get(username="yos1")
    assert created.check_password("a-long-enough-pass-77")
    assert created.agency.group in created.groups.all()
    assert AuditEvent.objects.filter(verb="user.created", object_id=str(created.pk)).exists()


def test_non_administrator_cannot_create_agency(api, mash):
    response = api(mash).post("/api/v1/agencies/", {"name": "X", "kind": "health"}, format="json")
    assert response.status_code == 403


def test_user_with_unknown_role_and_weak_password_is_400_and_saves_nothing(api, admin_user):
    response = api(admin_user).post(
        "/api/v1/users/", {"username": "weak", "password": "123", "roles": ["overlord"]}, format="json"
    )
    assert response.status_code == 400
    assert "roles" in response.json()
    assert not User.objects.filter(username="weak").exists()


def test_schema_is_served(api, mash):
    response = api(mash).get("/api/v1/schema/")
    assert response.status_code == 200
    assert b"/api/v1/notifications/" in response.content


def test_agencies_list_is_paginated_and_needs_credentials(api, mash, agencies):
    assert api().get("/api/v1/agencies/").status_code == 401
    body = api(mash).get("/api/v1/agencies/").json()
    assert set(body) == {"count", "next", "previous", "results"}
    assert body["count"] == len(agencies)
    assert set(body["results"][0]) == {"id", "name", "kind"}


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"kind": "health"}, "name"),
        ({"name": "", "kind": "health"}, "name"),
        ({"name": "N" * 201, "kind": "health"}, "name"),
        ({"name": ["Clinic"], "kind": "health"}, "name"),
        ({"name": "Demo Health", "kind": "health"}, "name"),
        ({"name": "Clinic"}, "kind"),
        ({"name": "Clinic", "kind": "hospital"}, "kind"),
        ({"name": "Clinic", "kind": None}, "kind"),
    ],
)
def test_bad_agency_is_400_and_saves_nothing(api, admin_user, row_counts, body, field):
    before = row_counts()
    response = api(admin_user).post("/api/v1/agencies/", body, format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert row_counts() == before


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"username": None}, "username"),
        ({"username": "has space"}, "username"),
        ({"username": "u" * 151}, "username"),
        ({"username": "MASH"}, "username"),
        ({"password": None}, "password"),
        ({"password": "short"}, "password"),
        ({"password": "p" * 201}, "password"),
        ({"email": "not-an-email"}, "email"),
        ({"agency": "not-a-uuid"}, "agency"),
        ({"agency": "00000000-0000-0000-0000-000000000000"}, "agency"),
        ({"agency": 12}, "agency"),
        ({"roles": "administrator"}, "roles"),
        ({"roles": ["administrator", "king"]}, "roles"),
        ({"roles": [None]}, "roles"),
    ],
)
def test_bad_user_is_400_and_saves_nothing(api, admin_user, mash, row_counts, changes, field):
    body = {"username": "newperson", "password": "a-long-enough-pass-77", "email": "new@example.test", "roles": []}
    body.update(changes)
    before = row_counts()
    response = api(admin_user).post("/api/v1/users/", body, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json()
    assert row_counts() == before


def test_only_administrators_create_users(api, mash, police, row_counts):
    body = {"username": "sneaky", "password": "a-long-enough-pass-77", "roles": ["administrator"]}
    before = row_counts()
    assert api().post("/api/v1/users/", body, format="json").status_code == 401
    assert api(mash).post("/api/v1/users/", body, format="json").status_code == 403
    assert api(police).post("/api/v1/users/", body, format="json").status_code == 403
    assert row_counts() == before


def test_token_errors(api, mash):
    client = api()
    assert client.post("/api/v1/auth/token/", {}, format="json").json().keys() == {"username", "password"}
    bad = client.post("/api/v1/auth/token/", {"username": ["mash"], "password": {"a": 1}}, format="json")
    assert bad.status_code == 400
    assert api().get("/api/v1/users/me/", HTTP_AUTHORIZATION="Token not-a-real-token").status_code == 401
    mash.is_active = False
    mash.save()
    refused = client.post("/api/v1/auth/token/", {"username": "mash", "password": "correct-horse-battery-9"}, format="json")
    assert refused.status_code == 400


def test_administrator_without_agency_reads_me(api, admin_user):
    admin_user.agency = None
    admin_user.save()
    assert api(admin_user).get("/api/v1/users/me/").json()["agency"] is None


def test_schema_is_valid_openapi_without_warnings(tmp_path):
    from django.core.management import call_command

    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yml"))
    schema = (tmp_path / "schema.yml").read_text()
    for path in ("/api/v1/children/{child_id}/episodes/", "/api/v1/notifications/{notification_id}/triage/"):
        assert path in schema
