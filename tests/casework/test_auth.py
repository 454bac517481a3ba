"""Sign-in security: hashed passwords, django-axes lockout, the idle timeout, and TOTP two-factor."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.conf import global_settings
from django.test import Client
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from knox.models import AuthToken
from rest_framework.test import APIClient

from casework.models import AuditEvent, User

from ..factories import PASSWORD

pytestmark = pytest.mark.django_db

START = datetime(2026, 3, 11, 9, 0, tzinfo=UTC)
LOGIN = "/accounts/login/"


@pytest.fixture
def clock():
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


def code_for(device):
    return f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift):0{device.digits}d}"


def sign_in_with_password(client, username, password=PASSWORD, next_url=None):
    data = {"username": username, "password": password}
    path = f"{LOGIN}?next={next_url}" if next_url else LOGIN
    return client.post(path, data)


# Passwords ---------------------------------------------------------------------------------------


def test_passwords_are_stored_hashed(api, admin_user, settings):
    settings.PASSWORD_HASHERS = global_settings.PASSWORD_HASHERS
    response = api(admin_user).post(
        "/api/v1/users/", {"username": "hashcheck", "password": "plain-text-never-stored-8"}, format="json"
    )
    assert response.status_code == 201
    stored = User.objects.get(username="hashcheck").password
    assert stored.startswith("pbkdf2_sha256$")
    assert "plain-text-never-stored-8" not in stored
    assert User.objects.get(username="hashcheck").check_password("plain-text-never-stored-8")


def test_sign_in_page_and_ordinary_sign_in(client, health_worker):
    assert client.get(LOGIN).status_code == 200
    response = sign_in_with_password(client, "health")
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert client.get("/api/v1/users/me/").json()["username"] == "health"


# Lockout (django-axes) ---------------------------------------------------------------------------


def test_page_sign_in_locks_after_the_failure_limit(client, health_worker, mash, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        response = sign_in_with_password(client, "health", "wrong-password")
        assert response.status_code == 200
        assert "correct username and password" in response.content.decode()
    locked = sign_in_with_password(client, "health", "wrong-password")
    assert locked.status_code == 429
    assert "Too many attempts to sign in" in locked.content.decode()
    right_password = sign_in_with_password(client, "health")
    assert right_password.status_code == 429
    assert client.get("/api/v1/users/me/").status_code == 401
    assert sign_in_with_password(Client(), "mash").status_code == 302  # not the address: offices share one


# An anonymous caller must not be able to lock someone else out: a username locks only at the address
# that failed, and an address that fails on many usernames is refused (casework.lockout).

ATTACKER = "203.0.113.9"
ELSEWHERE = "192.0.2.44"


def test_failures_at_one_address_do_not_lock_the_account_at_another(health_worker, settings):
    attacker = Client(REMOTE_ADDR=ATTACKER)
    for _ in range(settings.AXES_FAILURE_LIMIT):
        sign_in_with_password(attacker, "health", "wrong-password")
    assert sign_in_with_password(attacker, "health").status_code == 429
    owner = Client(REMOTE_ADDR=ELSEWHERE)
    assert sign_in_with_password(owner, "health").status_code == 302
    assert owner.get("/api/v1/users/me/").json()["username"] == "health"


def test_token_failures_at_one_address_do_not_lock_the_account_at_another(health_worker, settings):
    attacker = APIClient(REMOTE_ADDR=ATTACKER)
    for _ in range(settings.AXES_FAILURE_LIMIT):
        attacker.post("/api/v1/auth/token/", {"username": "health", "password": "nope"}, format="json")
    refused = attacker.post("/api/v1/auth/token/", {"username": "health", "password": PASSWORD}, format="json")
    assert refused.status_code == 429
    owner = APIClient(REMOTE_ADDR=ELSEWHERE)
    answer = owner.post("/api/v1/auth/token/", {"username": "health", "password": PASSWORD}, format="json")
    assert answer.status_code == 200
    assert "token" in answer.json()
    assert sign_in_with_password(Client(REMOTE_ADDR=ELSEWHERE), "health").status_code == 302


def test_an_address_failing_on_many_usernames_is_refused(health_worker, mash, settings):
    attacker = Client(REMOTE_ADDR=ATTACKER)
    for number in range(settings.AXES_ADDRESS_FAILURE_LIMIT - 1):
        assert sign_in_with_password(attacker, f"guess{number}", "wrong-password").status_code == 200
    assert sign_in_with_password(attacker, "health", "wrong-password").status_code == 429
    assert sign_in_with_password(attacker, "mash").status_code == 429  # every username, right password too
    token = APIClient(REMOTE_ADDR=ATTACKER).post(
        "/api/v1/auth/token/", {"username": "mash", "password": PASSWORD}, format="json"
    )
    assert token.status_code == 429
    assert sign_in_with_password(Client(REMOTE_ADDR=ELSEWHERE), "health").status_code == 302
    assert sign_in_with_password(Client(REMOTE_ADDR=ELSEWHERE), "mash").status_code == 302


def test_an_address_failing_on_many_usernames_at_the_token_endpoint_is_refused(mash, settings):
    attacker = APIClient(REMOTE_ADDR=ATTACKER)
    for number in range(settings.AXES_ADDRESS_FAILURE_LIMIT - 1):
        failed = attacker.post("/api/v1/auth/token/", {"username": f"guess{number}", "password": "x"}, format="json")
        assert failed.status_code == 400
    locked = attacker.post("/api/v1/auth/token/", {"username": "mash", "password": "x"}, format="json")
    assert locked.status_code == 429
    assert "locked" in locked.json()["detail"]
    right = attacker.post("/api/v1/auth/token/", {"username": "mash", "password": PASSWORD}, format="json")
    assert right.status_code == 429
    assert "token" not in right.json()
    assert sign_in_with_password(Client(REMOTE_ADDR=ATTACKER), "mash").status_code == 429
    elsewhere = APIClient(REMOTE_ADDR=ELSEWHERE)
    assert elsewhere.post("/api/v1/auth/token/", {"username": "mash", "password": PASSWORD}, format="json").status_code == 200


def test_the_address_behind_the_proxy_is_the_one_the_proxy_saw(health_worker, settings):
    """One trusted proxy: the last X-Forwarded-For entry is the caller; what they add before it is ignored."""
    settings.TRUSTED_PROXY_COUNT = 1
    for number in range(settings.AXES_FAILURE_LIMIT):
        spoofing = Client(REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR=f"198.51.100.{number}, {ATTACKER}")
        sign_in_with_password(spoofing, "health", "wrong-password")
    through_proxy = Client(REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR=f"198.51.100.99, {ATTACKER}")
    assert sign_in_with_password(through_proxy, "health").status_code == 429
    owner = Client(REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR=ELSEWHERE)
    assert sign_in_with_password(owner, "health").status_code == 302


def test_api_token_locks_after_the_failure_limit(api, health_worker, settings):
    client = api()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        response = client.post("/api/v1/auth/token/", {"username": "health", "password": "nope"}, format="json")
        assert response.status_code == 400
    locked = client.post("/api/v1/auth/token/", {"username": "health", "password": "nope"}, format="json")
    assert locked.status_code == 429
    assert "locked" in locked.json()["detail"]
    right_password = client.post("/api/v1/auth/token/", {"username": "health", "password": PASSWORD}, format="json")
    assert right_password.status_code == 429
    assert "token" not in right_password.json()


def test_a_successful_sign_in_resets_the_failures(client, health_worker, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        sign_in_with_password(client, "health", "wrong-password")
    assert sign_in_with_password(client, "health").status_code == 302
    client.post("/accounts/logout/")
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert sign_in_with_password(client, "health", "wrong-password").status_code == 200


def test_lockout_ends_after_the_cool_off(client, health_worker, settings, clock):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        sign_in_with_password(client, "health", "wrong-password")
    assert sign_in_with_password(client, "health").status_code == 429
    clock.shift(settings.AXES_COOLOFF_TIME + timedelta(minutes=1))
    assert sign_in_with_password(client, "health").status_code == 302


# Idle timeout ------------------------------------------------------------------------------------


def test_idle_session_is_signed_out(client, health_worker, settings, clock):
    assert sign_in_with_password(client, "health").status_code == 302
    assert client.get("/").status_code == 200
    clock.shift(settings.SESSION_IDLE_TIMEOUT - timedelta(minutes=1))
    assert client.get("/api/v1/users/me/").status_code == 200  # activity: the clock starts again
    clock.shift(settings.SESSION_IDLE_TIMEOUT - timedelta(minutes=1))
    assert client.get("/api/v1/users/me/").status_code == 200
    clock.shift(settings.SESSION_IDLE_TIMEOUT + timedelta(seconds=1))
    response = client.get("/missing/children/?q=a")
    assert response.status_code == 302
    assert response["Location"] == f"{LOGIN}?next=%2Fmissing%2Fchildren%2F%3Fq%3Da"
    assert client.get("/api/v1/users/me/").status_code == 401
    page = client.get(response["Location"])
    assert "You were signed out because you had been inactive." in page.content.decode()


def test_a_session_idle_from_the_moment_of_sign_in_times_out(client, health_worker, settings, clock):
    sign_in_with_password(client, "health")
    clock.shift(settings.SESSION_IDLE_TIMEOUT + timedelta(seconds=1))
    assert client.get("/api/v1/users/me/").status_code == 401


def test_polling_is_not_activity(client, health_worker, settings, clock):
    sign_in_with_password(client, "health")
    client.get("/")
    half = settings.SESSION_IDLE_TIMEOUT / 2
    clock.shift(half)
    assert client.get("/api/v1/users/me/", HTTP_X_CASEWORK_POLL="1").status_code == 200
    clock.shift(half + timedelta(seconds=1))
    assert client.get("/api/v1/users/me/", HTTP_X_CASEWORK_POLL="1").status_code == 401


def test_htmx_poll_after_the_timeout_is_told_to_go_to_sign_in(client, health_worker, settings, clock):
    sign_in_with_password(client, "health")
    client.get("/")
    clock.shift(settings.SESSION_IDLE_TIMEOUT + timedelta(minutes=1))
    response = client.get("/missing/children/", HTTP_X_CASEWORK_POLL="1", HTTP_HX_REQUEST="true")
    assert response["HX-Redirect"] == LOGIN


def test_api_tokens_have_no_idle_timeout(api, health_worker, settings, clock):
    client = api(health_worker)
    assert client.get("/api/v1/users/me/").status_code == 200
    clock.shift(settings.SESSION_IDLE_TIMEOUT * 10)
    assert client.get("/api/v1/users/me/").status_code == 200


# Two-factor --------------------------------------------------------------------------------------


def test_administrator_must_set_up_two_factor_before_any_page(client, admin_user, clock):
    response = sign_in_with_password(client, "admin", next_url="/audit/record-access/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/two-factor/setup/?next=%2Faudit%2Frecord-access%2F"
    for path in ("/", "/audit/record-access/", "/missing/children/", "/admin/"):
        blocked = client.get(path)
        assert blocked.status_code == 302 and blocked["Location"].startswith("/accounts/two-factor/"), path
    assert client.get("/api/v1/users/me/").status_code == 403

    setup = client.get(response["Location"])
    assert setup.status_code == 200
    device = TOTPDevice.objects.get(user=admin_user, confirmed=False)
    assert setup.context["secret"]
    wrong = client.post(response["Location"], {"token": "000000" if code_for(device) != "000000" else "111111"})
    assert wrong.status_code == 200
    assert "not correct" in wrong.content.decode()
    clock.shift(timedelta(seconds=2))  # django-otp throttles the attempt after a wrong code
    done = client.post(response["Location"], {"token": code_for(device)})
    assert done.status_code == 302
    assert done["Location"] == "/audit/record-access/"
    device.refresh_from_db()
    assert device.confirmed
    assert client.get("/audit/record-access/").status_code == 200
    assert client.get("/api/v1/users/me/").status_code == 200
    assert AuditEvent.objects.filter(verb="two_factor.enabled", object_id=str(admin_user.pk)).count() == 1


def test_administrator_with_a_device_is_asked_for_a_code_at_every_sign_in(client, admin_user, clock):
    device = TOTPDevice.objects.create(user=admin_user, name="Phone", confirmed=True)
    response = sign_in_with_password(client, "admin")
    assert response["Location"] == "/accounts/two-factor/?next=%2F"
    assert client.get("/audit/record-access/")["Location"].startswith("/accounts/two-factor/")
    assert client.get("/accounts/two-factor/setup/")["Location"].startswith("/accounts/two-factor/?")
    bad = client.post("/accounts/two-factor/", {"token": "12345678", "next": "/audit/record-access/"})
    assert bad.status_code == 200
    clock.shift(timedelta(seconds=2))
    good = client.post("/accounts/two-factor/", {"token": code_for(device), "next": "/audit/record-access/"})
    assert good["Location"] == "/audit/record-access/"
    assert client.get("/audit/record-access/").status_code == 200


def test_a_used_code_cannot_be_used_again(client, admin_user, clock):
    device = TOTPDevice.objects.create(user=admin_user, name="Phone", confirmed=True)
    code = code_for(device)
    first = Client()
    sign_in_with_password(first, "admin")
    assert first.post("/accounts/two-factor/", {"token": code})["Location"] == "/"
    second = Client()
    sign_in_with_password(second, "admin")
    assert second.post("/accounts/two-factor/", {"token": code}).status_code == 200
    assert second.get("/")["Location"].startswith("/accounts/two-factor/")


def test_two_factor_never_redirects_off_site(client, admin_user, clock):
    device = TOTPDevice.objects.create(user=admin_user, name="Phone", confirmed=True)
    sign_in_with_password(client, "admin")
    response = client.post("/accounts/two-factor/", {"token": code_for(device), "next": "https://evil.example/"})
    assert response["Location"] == "/"


def test_ordinary_users_are_not_asked_for_a_code_until_they_opt_in(client, health_worker, clock):
    sign_in_with_password(client, "health")
    assert client.get("/").status_code == 200
    setup = client.get("/accounts/two-factor/setup/")
    assert setup.status_code == 200
    device = TOTPDevice.objects.get(user=health_worker)
    assert client.post("/accounts/two-factor/setup/", {"token": code_for(device)}).status_code == 302
    client.post("/accounts/logout/")

    clock.shift(timedelta(minutes=1))
    response = sign_in_with_password(client, "health")
    assert response["Location"] == "/accounts/two-factor/?next=%2F"
    assert client.get("/")["Location"].startswith("/accounts/two-factor/")
    assert client.get("/api/v1/users/me/").status_code == 403
    assert client.post("/accounts/two-factor/", {"token": code_for(device)})["Location"] == "/"
    assert client.get("/").status_code == 200


def test_a_page_ignores_an_authorization_header_when_asking_for_the_second_factor(client, admin_user, clock):
    TOTPDevice.objects.create(user=admin_user, name="Phone", confirmed=True)
    sign_in_with_password(client, "admin")
    for header in ("Token nonsense", "Bearer nonsense"):
        response = client.get("/missing/children/", HTTP_AUTHORIZATION=header)
        assert response.status_code == 302, header
        assert response["Location"] == "/accounts/two-factor/?next=%2Fmissing%2Fchildren%2F"
    assert client.get("/api/v1/users/me/", HTTP_AUTHORIZATION="Token nonsense").status_code == 401


def test_a_page_ignores_an_authorization_header_when_timing_out(client, health_worker, settings, clock):
    sign_in_with_password(client, "health")
    clock.shift(settings.SESSION_IDLE_TIMEOUT + timedelta(seconds=1))
    response = client.get("/missing/children/", HTTP_AUTHORIZATION="Token nonsense")
    assert response.status_code == 302
    assert response["Location"] == f"{LOGIN}?next=%2Fmissing%2Fchildren%2F"
    assert client.get("/api/v1/users/me/").status_code == 401


# API tokens and the second factor ----------------------------------------------------------------

TOKEN = "/api/v1/auth/token/"


def ask_for_token(client, username, **extra):
    return client.post(TOKEN, {"username": username, "password": PASSWORD, **extra}, format="json")


def wrong_code_for(device):
    return "000000" if code_for(device) != "000000" else "111111"


def test_an_administrator_without_an_authenticator_gets_no_token(api, admin_user, clock):
    response = ask_for_token(api(), "admin", otp="123456")
    assert response.status_code == 400
    assert response.json() == {"otp": ["Set up two-factor sign-in in the browser before using the API."]}
    assert not AuthToken.objects.filter(user=admin_user).exists()


def test_an_administrator_gets_a_token_only_with_a_code(api, admin_user, clock):
    device = TOTPDevice.objects.create(user=admin_user, name="Phone", confirmed=True)
    missing = ask_for_token(api(), "admin")
    assert missing.status_code == 400
    assert list(missing.json()) == ["otp"]
    wrong = ask_for_token(api(), "admin", otp=wrong_code_for(device))
    assert wrong.status_code == 400
    assert wrong.json() == {"otp": ["The security code is not correct or has expired."]}
    assert not AuthToken.objects.filter(user=admin_user).exists()
    clock.shift(timedelta(seconds=2))  # django-otp throttles the attempt after a wrong code
    right = ask_for_token(api(), "admin", otp=code_for(device))
    assert right.status_code == 200
    token = right.json()["token"]
    assert api().get("/api/v1/users/me/", HTTP_AUTHORIZATION=f"Token {token}").json()["username"] == "admin"


def test_a_wrong_password_with_a_right_code_gets_no_token(api, admin_user, clock):
    device = TOTPDevice.objects.create(user=admin_user, name="Phone", confirmed=True)
    response = api().post(TOKEN, {"username": "admin", "password": "nope", "otp": code_for(device)}, format="json")
    assert response.status_code == 400
    assert list(response.json()) == ["non_field_errors"]


@pytest.mark.parametrize("otp", ["", "12345", "1234567", "abcdef", "12 456", None, ["123456"]])
def test_a_malformed_code_is_a_clear_400(api, admin_user, clock, otp):
    TOTPDevice.objects.create(user=admin_user, name="Phone", confirmed=True)
    response = ask_for_token(api(), "admin", otp=otp)
    assert response.status_code == 400
    assert list(response.json()) == ["otp"]
    assert not AuthToken.objects.filter(user=admin_user).exists()


def test_a_code_gets_one_token_request_only(api, admin_user, clock):
    device = TOTPDevice.objects.create(user=admin_user, name="Phone", confirmed=True)
    code = code_for(device)
    assert ask_for_token(api(), "admin", otp=code).status_code == 200
    again = ask_for_token(api(), "admin", otp=code)
    assert again.status_code == 400
    assert list(again.json()) == ["otp"]


def test_anyone_who_set_up_an_authenticator_needs_a_code_for_a_token(api, health_worker, clock):
    assert ask_for_token(api(), "health").status_code == 200  # no device yet: the password is enough
    device = TOTPDevice.objects.create(user=health_worker, name="Phone", confirmed=True)
    assert list(ask_for_token(api(), "health").json()) == ["otp"]
    clock.shift(timedelta(seconds=2))
    assert ask_for_token(api(), "health", otp=code_for(device)).status_code == 200


def test_an_unconfirmed_authenticator_asks_nothing_of_an_ordinary_user(api, health_worker, clock):
    TOTPDevice.objects.create(user=health_worker, name="Phone", confirmed=False)
    response = ask_for_token(api(), "health")
    assert response.status_code == 200
    me = api().get("/api/v1/users/me/", HTTP_AUTHORIZATION=f"Token {response.json()['token']}")
    assert me.json()["username"] == "health"


def test_wrong_and_missing_codes_count_towards_the_lockout(api, admin_user, settings, clock):
    device = TOTPDevice.objects.create(user=admin_user, name="Phone", confirmed=True)
    client = api()
    assert ask_for_token(client, "admin").status_code == 400
    for _ in range(settings.AXES_FAILURE_LIMIT - 2):
        clock.shift(timedelta(minutes=1))
        assert ask_for_token(client, "admin", otp=wrong_code_for(device)).status_code == 400
    clock.shift(timedelta(minutes=1))
    locked = ask_for_token(client, "admin", otp=wrong_code_for(device))
    assert locked.status_code == 429
    assert "locked" in locked.json()["detail"]
    clock.shift(timedelta(minutes=1))
    right_code = ask_for_token(client, "admin", otp=code_for(device))
    assert right_code.status_code == 429
    assert "token" not in right_code.json()
    assert not AuthToken.objects.filter(user=admin_user).exists()


@pytest.mark.parametrize("token", ["", "abcdef", "1" * 9, "\x00\x00\x00"])
def test_malformed_codes_are_form_errors(client, admin_user, token):
    TOTPDevice.objects.create(user=admin_user, name="Phone", confirmed=True)
    sign_in_with_password(client, "admin")
    response = client.post("/accounts/two-factor/", {"token": token})
    assert response.status_code == 200
    assert client.get("/")["Location"].startswith("/accounts/two-factor/")
