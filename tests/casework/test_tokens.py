"""API tokens (issue 7, item 5): stored hashed, expiring, revoked by sign-out, by a password or
second-factor change, by deactivation and by a lockout."""

import hashlib
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django import forms
from django.conf import global_settings
from django.db import connection
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from knox.models import AuthToken

from casework.models import AuditEvent, LocalAuthority, Role, User
from casework.services import api_token_issue

from ..factories import PASSWORD, AgencyFactory, UserFactory

pytestmark = pytest.mark.django_db

START = datetime(2026, 3, 11, 9, 0, tzinfo=UTC)
TOKEN = "/api/v1/auth/token/"
ME = "/api/v1/users/me/"
NEW_PASSWORD = "a-brand-new-passphrase-42"


@pytest.fixture
def clock():
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


def issued_token(api, username, **extra):
    response = api().post(TOKEN, {"username": username, "password": PASSWORD, **extra}, format="json")
    assert response.status_code == 200, response.content
    return response.json()["token"]


def me_status(api, key):
    return api().get(ME, HTTP_AUTHORIZATION=f"Token {key}").status_code


def code_for(device):
    return f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift):0{device.digits}d}"


def admin_form_data(response, **changes):
    """What the admin form on `response` would post as it stands, with `changes` made to it."""
    form = response.context["adminform"].form
    data = {}
    for name, field in form.fields.items():
        if field.disabled:
            continue
        value = changes[name] if name in changes else form[name].value()
        widget = field.widget
        if isinstance(widget, forms.MultiWidget):
            for index, part in enumerate(widget.decompress(value)):
                data[f"{name}_{index}"] = "" if part is None else part
        elif isinstance(widget, forms.CheckboxInput):
            if value:
                data[name] = "on"
        elif value is not None:
            data[name] = value
    return data


# Stored hashed, expiring --------------------------------------------------------------------------


def test_the_database_holds_a_digest_of_the_token_never_the_token(api, health_worker):
    key = issued_token(api, "health")
    stored = AuthToken.objects.get(user=health_worker)
    assert stored.digest == hashlib.sha512(key.encode()).hexdigest()
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f'SELECT count(*) FROM "{table}" AS row WHERE row::text LIKE %s', [f"%{key}%"])
            assert cursor.fetchone()[0] == 0, f"the token is stored in {table}"
    assert "authtoken_token" not in connection.introspection.table_names()
    assert me_status(api, key) == 200


def test_a_token_expires_api_token_hours_after_it_was_issued(api, health_worker, settings, clock):
    settings.API_TOKEN_HOURS = 3
    key = issued_token(api, "health")
    assert AuthToken.objects.get(user=health_worker).expiry == START + timedelta(hours=3)
    clock.shift(timedelta(hours=3))
    assert me_status(api, key) == 200
    clock.shift(timedelta(seconds=1))
    assert me_status(api, key) == 401
    assert not AuthToken.objects.filter(user=health_worker).exists()
    assert me_status(api, issued_token(api, "health")) == 200  # asking again is all it takes


def test_api_token_hours_comes_from_the_environment():
    def settings_with(hours):
        environment = {**os.environ, "API_TOKEN_HOURS": hours, "DJANGO_SETTINGS_MODULE": "config.settings"}
        code = "from django.conf import settings; print(settings.API_TOKEN_HOURS, settings.REST_KNOX['TOKEN_TTL'])"
        return subprocess.run([sys.executable, "-c", code], env=environment, capture_output=True, text=True)

    assert settings_with("4").stdout.split() == ["4", "4:00:00"]
    refused = settings_with("0")
    assert refused.returncode != 0
    assert "API_TOKEN_HOURS" in refused.stderr


def test_issuing_a_token_clears_the_users_expired_ones(api, health_worker, settings, clock):
    issued_token(api, "health")
    clock.shift(timedelta(hours=settings.API_TOKEN_HOURS, minutes=1))
    issued_token(api, "health")
    assert AuthToken.objects.filter(user=health_worker).count() == 1


def test_a_key_with_a_tokens_prefix_but_not_its_secret_is_a_401(api, health_worker):
    from knox.settings import CONSTANTS

    key = issued_token(api, "health")
    prefix = key[: CONSTANTS.TOKEN_KEY_LENGTH]
    forged = prefix + "".join("1" if c == "0" else "0" for c in key[CONSTANTS.TOKEN_KEY_LENGTH:])
    assert me_status(api, forged) == 401
    assert me_status(api, key) == 200


def test_the_token_brings_its_user_and_the_users_agency_in_one_query(api, health_worker, django_assert_num_queries):
    from casework.authentication import ApiTokenAuthentication

    key = issued_token(api, "health")
    with django_assert_num_queries(2):  # the token with its user and agency; the user's other tokens (knox)
        user, _ = ApiTokenAuthentication().authenticate_credentials(key.encode())
        assert user == health_worker and user.agency.name == health_worker.agency.name


@pytest.mark.parametrize("key", ["\xff" * 64, "abc\x00def", "not-a-real-token", "", "a b"])
def test_a_malformed_token_is_a_401(api, health_worker, key):
    assert api().get(ME, HTTP_AUTHORIZATION=f"Token {key}").status_code == 401


# Sign-out ---------------------------------------------------------------------------------------


def test_sign_out_revokes_the_token_presented_and_no_other(api, health_worker):
    laptop, script = issued_token(api, "health"), issued_token(api, "health")
    response = api().delete(TOKEN, HTTP_AUTHORIZATION=f"Token {laptop}")
    assert response.status_code == 204
    assert me_status(api, laptop) == 401
    assert api().delete(TOKEN, HTTP_AUTHORIZATION=f"Token {laptop}").status_code == 401
    assert me_status(api, script) == 200


def test_sign_out_needs_a_token(api, client, health_worker):
    key = issued_token(api, "health")
    assert api().delete(TOKEN).status_code == 401
    client.force_login(health_worker, backend="django.contrib.auth.backends.ModelBackend")
    assert client.delete(TOKEN).status_code == 401  # a browser session has no token to revoke
    assert me_status(api, key) == 200


def test_administrators_see_who_holds_tokens_and_revoke_one_in_the_admin(api, signed_in, admin_user, health_worker):
    key = issued_token(api, "health")
    client = signed_in(admin_user)
    listing = client.get("/admin/knox/authtoken/")
    assert listing.status_code == 200
    assert "health" in listing.content.decode()
    assert key not in listing.content.decode()
    assert client.get("/admin/knox/authtoken/add/").status_code == 403  # knox's form allows no expiry
    digest = AuthToken.objects.get(user=health_worker).digest
    assert client.post(f"/admin/knox/authtoken/{digest}/delete/", {"post": "yes"}).status_code == 302
    assert me_status(api, key) == 401


# Password changes ---------------------------------------------------------------------------------


def test_changing_ones_own_password_on_the_admin_page_revokes_ones_tokens(api, signed_in, admin_user):
    key = api_token_issue(user=admin_user)
    client = signed_in(admin_user)
    response = client.post(
        "/admin/password_change/",
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert response.status_code == 302, response.content
    assert me_status(api, key) == 401


def test_an_administrator_setting_someones_password_revokes_their_tokens(api, signed_in, admin_user, health_worker):
    key = issued_token(api, "health")
    response = signed_in(admin_user).post(
        f"/admin/casework/user/{health_worker.pk}/password/",
        {"usable_password": "true", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )
    assert response.status_code == 302, response.content
    assert me_status(api, key) == 401
    renewed = api().post(TOKEN, {"username": "health", "password": NEW_PASSWORD}, format="json")
    assert me_status(api, renewed.json()["token"]) == 200


def test_an_administrator_disabling_someones_password_revokes_their_tokens(api, signed_in, admin_user, health_worker):
    key = issued_token(api, "health")
    response = signed_in(admin_user).post(
        f"/admin/casework/user/{health_worker.pk}/password/", {"usable_password": "false", "unset-password": "1"}
    )
    assert response.status_code == 302, response.content
    assert not User.objects.get(pk=health_worker.pk).has_usable_password()
    assert me_status(api, key) == 401


def test_any_password_change_revokes_the_tokens(api, health_worker, mash):
    """changepassword, the password forms and code: every path is set_password() then save()."""
    key, others = issued_token(api, "health"), issued_token(api, "mash")
    health_worker.set_password(NEW_PASSWORD)
    health_worker.save()
    assert me_status(api, key) == 401
    assert me_status(api, others) == 200


def test_upgrading_a_password_hash_at_sign_in_is_not_a_password_change(api, health_worker, settings):
    key = issued_token(api, "health")  # the password is stored with the tests' MD5 hasher
    settings.PASSWORD_HASHERS = [*global_settings.PASSWORD_HASHERS, "django.contrib.auth.hashers.MD5PasswordHasher"]
    assert api().post(TOKEN, {"username": "health", "password": PASSWORD}, format="json").status_code == 200
    assert User.objects.get(pk=health_worker.pk).password.startswith("pbkdf2_sha256$")
    assert me_status(api, key) == 200


# Second factor ----------------------------------------------------------------------------------


def test_turning_on_two_factor_revokes_the_tokens_issued_on_the_password_alone(api, client, health_worker, clock):
    key = issued_token(api, "health")
    client.post("/accounts/login/", {"username": "health", "password": PASSWORD})
    client.get("/accounts/two-factor/setup/")
    device = TOTPDevice.objects.get(user=health_worker, confirmed=False)
    assert client.post("/accounts/two-factor/setup/", {"token": code_for(device)}).status_code == 302
    assert me_status(api, key) == 401
    assert AuditEvent.objects.filter(verb="two_factor.enabled", object_id=str(health_worker.pk)).count() == 1
    clock.shift(timedelta(minutes=1))
    assert api().post(TOKEN, {"username": "health", "password": PASSWORD}, format="json").status_code == 400
    assert me_status(api, issued_token(api, "health", otp=code_for(device))) == 200


def test_an_administrator_adding_an_authenticator_for_someone_revokes_their_tokens(
    api, signed_in, admin_user, health_worker
):
    key = issued_token(api, "health")
    client = signed_in(admin_user)
    form = client.get("/admin/otp_totp/totpdevice/add/")
    data = admin_form_data(form, user=str(health_worker.pk), name="Phone", confirmed=True)
    assert client.post("/admin/otp_totp/totpdevice/add/", data).status_code == 302
    assert TOTPDevice.objects.filter(user=health_worker, confirmed=True).exists()
    assert me_status(api, key) == 401


def test_an_administrator_confirming_someones_authenticator_revokes_their_tokens(
    api, signed_in, admin_user, health_worker
):
    device = TOTPDevice.objects.create(user=health_worker, name="Phone", confirmed=False)
    key = issued_token(api, "health")
    client = signed_in(admin_user)
    url = f"/admin/otp_totp/totpdevice/{device.pk}/change/"
    assert client.post(url, admin_form_data(client.get(url), confirmed=True)).status_code == 302
    assert me_status(api, key) == 401


# Deactivation -----------------------------------------------------------------------------------


def user_url(user):
    return f"/api/v1/users/{user.pk}/"


def test_deactivation_answers_401_on_the_old_token_at_once_and_for_good(api, admin_user, health_worker):
    key = issued_token(api, "health")
    response = api(admin_user).patch(user_url(health_worker), {"is_active": False}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["is_active"] is False
    assert me_status(api, key) == 401
    assert not AuthToken.objects.filter(user=health_worker).exists()
    event = AuditEvent.objects.get(verb="user.updated", object_id=str(health_worker.pk))
    assert event.actor == admin_user
    assert event.data == {"is_active": {"from": True, "to": False}}

    assert api(admin_user).patch(user_url(health_worker), {"is_active": True}, format="json").status_code == 200
    assert me_status(api, key) == 401  # coming back does not bring the old token back
    assert me_status(api, issued_token(api, "health")) == 200


def test_an_administrator_changes_roles(api, admin_user, health_worker):
    key = issued_token(api, "health")
    response = api(admin_user).patch(
        user_url(health_worker), {"roles": ["panel_member", "agency_staff", "panel_member"]}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["roles"] == ["agency_staff", "panel_member"]
    health_worker.refresh_from_db()
    assert health_worker.roles == ["agency_staff", "panel_member"]
    assert me_status(api, key) == 200  # a change of roles takes effect on the same token
    event = AuditEvent.objects.get(verb="user.updated", object_id=str(health_worker.pk))
    assert event.data == {"roles": {"from": ["agency_staff"], "to": ["agency_staff", "panel_member"]}}


def test_deactivating_someone_in_the_admin_revokes_their_tokens(api, signed_in, admin_user, health_worker):
    key = issued_token(api, "health")
    client = signed_in(admin_user)
    url = f"/admin/casework/user/{health_worker.pk}/change/"
    response = client.post(url, admin_form_data(client.get(url), is_active=False))
    assert response.status_code == 302
    health_worker.refresh_from_db()
    assert not health_worker.is_active
    assert me_status(api, key) == 401


@pytest.mark.parametrize(
    "body, field",
    [
        ({"is_active": "perhaps"}, "is_active"),
        ({"is_active": None}, "is_active"),
        ({"roles": ["administrator", "king"]}, "roles"),
        ({"roles": "agency_staff"}, "roles"),
        ({"line_manager": "not-an-id"}, "line_manager"),
        ({"line_manager": "5d0c1b1e-0000-4000-8000-000000000000"}, "line_manager"),
    ],
)
def test_bad_changes_are_400_and_change_nothing(api, admin_user, health_worker, row_counts, body, field):
    key = issued_token(api, "health")
    before = row_counts()
    response = api(admin_user).patch(user_url(health_worker), body, format="json")
    assert response.status_code == 400
    assert list(response.json()) == [field]
    assert row_counts() == before
    assert me_status(api, key) == 200


def test_an_administrator_cannot_deactivate_themselves(api, admin_user):
    response = api(admin_user).patch(user_url(admin_user), {"is_active": False}, format="json")
    assert response.status_code == 400
    assert list(response.json()) == ["is_active"]


def test_only_administrators_change_users_and_only_those_of_their_authority(api, admin_user, mash, health_worker):
    key = issued_token(api, "health")
    assert api().patch(user_url(health_worker), {"is_active": False}, format="json").status_code == 401
    assert api(mash).patch(user_url(health_worker), {"is_active": False}, format="json").status_code == 403

    role_admin = UserFactory(username="roleadmin", agency=mash.agency, roles=[Role.ADMINISTRATOR])
    other_authority = LocalAuthority.objects.create(name="Elsewhere Council")
    stranger = UserFactory(agency=AgencyFactory(authority=other_authority))
    for target in ("not-an-id", "5d0c1b1e-0000-4000-8000-000000000000", str(stranger.pk)):
        response = api(role_admin).patch(f"/api/v1/users/{target}/", {"is_active": False}, format="json")
        assert response.status_code == 404, target
    assert api(role_admin).patch(user_url(admin_user), {"is_active": False}, format="json").status_code == 403
    assert User.objects.get(pk=admin_user.pk).is_active
    assert api(admin_user).patch(user_url(stranger), {"is_active": False}, format="json").status_code == 200
    assert me_status(api, key) == 200


# Lockout ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("surface", ["page", "api"])
def test_a_lockout_revokes_the_accounts_tokens(api, client, health_worker, mash, settings, surface):
    key, others = issued_token(api, "health"), issued_token(api, "mash")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        if surface == "page":
            response = client.post("/accounts/login/", {"username": "health", "password": "wrong-password"})
        else:
            response = api().post(TOKEN, {"username": "health", "password": "wrong-password"}, format="json")
    assert response.status_code == 429
    assert me_status(api, key) == 401
    assert me_status(api, others) == 200
