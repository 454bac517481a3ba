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
    }


def test_token_with_wrong_password_is_400(api, mash):
    response = api().post("/api/v1/auth/token/", {"username": "mash", "password": "nope"}, format="json")
    assert response.status_code == 400
    assert "non_field_errors" in response.json()


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
