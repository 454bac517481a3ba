"""Issue 7 item 8: the Content-Security-Policy, HTTPS settings in production, responses kept out of
caches, and JSON errors for oversized API bodies."""

import json
import os
import re
import secrets
import subprocess
import sys
from datetime import datetime, timedelta
from html.parser import HTMLParser
from pathlib import Path

import pytest
import time_machine
from django.conf import settings as django_settings
from django.test import Client

from casework.calendar import LONDON
from missing.interviews import services as interview_services
from missing.models import ReturnInterview
from missing.services import episode_create, episode_update
from tests.factories import ChildFactory

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=LONDON)
PROJECT = Path(__file__).resolve().parents[2]


@pytest.fixture
def interview(authority, mash):
    with time_machine.travel(NOW, tick=False):
        child = ChildFactory(authority=authority, given_name="Sam", family_name="Testfield")
        episode = episode_create(
            actor=mash, child=child, category="missing", started_at=NOW - timedelta(hours=30),
            reported_at=NOW - timedelta(hours=29), risk_level="medium", location_type="home",
        )
        episode_update(actor=mash, episode=episode, returned_at=NOW - timedelta(hours=10))
        interview = ReturnInterview.objects.get(child=child)
        interview_services.return_interview_decline(
            actor=mash, interview=interview, declined_by="child", refusal_learnt="Tired."
        )
    return interview


def signed_in(user):
    client = Client()
    client.force_login(user)
    return client


# Content-Security-Policy -------------------------------------------------------------------------


def policy_of(response):
    header = response["Content-Security-Policy"]
    directives = (part.strip().split() for part in header.split(";") if part.strip())
    return {name: values for name, *values in directives}


class InlineCode(HTMLParser):
    """Collects what a Content-Security-Policy without 'unsafe-inline' must see a nonce on, or refuse."""

    def __init__(self):
        super().__init__()
        self.script_nonces, self.style_elements, self.style_attributes, self.handlers = [], 0, 0, []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "script" and "src" not in attrs:
            self.script_nonces.append(attrs.get("nonce"))
        if tag == "style":
            self.style_elements += 1
        if "style" in attrs:
            self.style_attributes += 1
        self.handlers += [name for name in attrs if name.startswith("on")]


def test_the_policy_allows_only_our_files_and_this_responses_nonce(client):
    response = client.get("/accounts/login/")
    policy = policy_of(response)
    nonce = re.fullmatch(r"'nonce-([A-Za-z0-9+/=]+)'", policy["script-src"][1]).group(1)
    assert policy == {
        "default-src": ["'self'"],
        "script-src": ["'self'", f"'nonce-{nonce}'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
    code = InlineCode()
    code.feed(response.content.decode())
    assert code.script_nonces == [nonce]  # GOV.UK Frontend's js-enabled class, before anything is drawn
    another = policy_of(client.get("/accounts/login/"))["script-src"][1]
    assert another != f"'nonce-{nonce}'"


def test_no_page_has_inline_code_the_policy_would_refuse(client, mash, interview):
    mash_client = signed_in(mash)
    pages = [
        (client, "/accounts/login/"),
        (client, "/no-such-page/"),
        (mash_client, "/missing/triage/"),
        (mash_client, "/interviews/"),
        (mash_client, "/missing/children/"),
        (mash_client, f"/missing/children/{interview.child_id}/"),
        (mash_client, f"/interviews/{interview.pk}/"),
        (mash_client, "/missing/notifications/upload/"),
    ]
    for http, path in pages:
        response = http.get(path)
        assert response.status_code in (200, 404), path
        nonce = policy_of(response)["script-src"][1]
        code = InlineCode()
        code.feed(response.content.decode())
        assert [f"'nonce-{value}'" for value in code.script_nonces] == [nonce], path
        assert (code.style_elements, code.style_attributes, code.handlers) == (0, 0, []), path


def test_htmx_is_told_to_add_no_inline_styles_and_not_to_eval(client):
    page = client.get("/accounts/login/").content.decode()
    config = re.search(r"<meta name=\"htmx-config\" content='([^']*)'>", page).group(1)
    assert json.loads(config) == {"includeIndicatorStyles": False, "allowEval": False}


# HTTPS in production -----------------------------------------------------------------------------


def production_environment(**overrides):
    """Production as docker-compose runs it: DEBUG off, a real secret key, a host name, nothing said about HTTPS."""
    return {
        "PATH": os.environ["PATH"],
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "casework.example.org",
        "DATABASE_URL": os.environ.get("DATABASE_URL", "postgres://app:app@127.0.0.1:5432/casework"),
        "REDIS_URL": os.environ.get("REDIS_URL", ""),
        "CASEWORK_VAR_DIR": os.environ.get("CASEWORK_VAR_DIR", str(PROJECT / "var")),
        "PYTHONDONTWRITEBYTECODE": "1",
        **overrides,
    }


def manage(*arguments, environment):
    return subprocess.run(
        [sys.executable, "manage.py", *arguments],
        cwd=PROJECT, env=environment, capture_output=True, text=True, timeout=120,
    )


def test_check_deploy_is_clean_with_production_settings():
    result = manage("check", "--deploy", "--fail-level", "WARNING", environment=production_environment())
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout
    assert "WARNINGS" not in result.stderr


HTTPS_SETTINGS = (
    "SECURE_SSL_REDIRECT", "SECURE_HSTS_SECONDS", "SECURE_HSTS_INCLUDE_SUBDOMAINS", "SECURE_HSTS_PRELOAD",
    "SECURE_PROXY_SSL_HEADER", "SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE",
)
PRINT_HTTPS_SETTINGS = f"import json; from django.conf import settings; print(json.dumps({{name: getattr(settings, name) for name in {HTTPS_SETTINGS!r}}}))"


def https_settings(**overrides):
    result = manage("shell", "--no-imports", "-c", PRINT_HTTPS_SETTINGS, environment=production_environment(**overrides))
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_production_is_https_only_behind_one_proxy_and_plain_http_runs_can_say_otherwise():
    assert https_settings() == {
        "SECURE_SSL_REDIRECT": True,
        "SECURE_HSTS_SECONDS": 365 * 24 * 60 * 60,
        "SECURE_HSTS_INCLUDE_SUBDOMAINS": True,
        "SECURE_HSTS_PRELOAD": True,
        "SECURE_PROXY_SSL_HEADER": ["HTTP_X_FORWARDED_PROTO", "https"],
        "SESSION_COOKIE_SECURE": True,
        "CSRF_COOKIE_SECURE": True,
    }
    plain_http = https_settings(SECURE_SSL_REDIRECT="false", SECURE_COOKIES="false", TRUSTED_PROXY_COUNT="0")
    assert plain_http["SECURE_SSL_REDIRECT"] is False
    assert plain_http["SECURE_PROXY_SSL_HEADER"] is None
    assert (plain_http["SESSION_COOKIE_SECURE"], plain_http["CSRF_COOKIE_SECURE"]) == (False, False)


# Cache-Control -----------------------------------------------------------------------------------


def cache_directives(response):
    return {part.strip() for part in response.get("Cache-Control", "").split(",") if part.strip()}


def test_pages_api_answers_and_letters_are_never_stored(client, api, mash, interview):
    mash_client = signed_in(mash)
    responses = {
        "sign-in page": client.get("/accounts/login/"),
        "child page": mash_client.get(f"/missing/children/{interview.child_id}/"),
        "interview page": mash_client.get(f"/interviews/{interview.pk}/"),
        "letter": mash_client.get(f"/interviews/{interview.pk}/letter.pdf"),
        "API child": api(mash).get(f"/api/v1/children/{interview.child_id}/"),
        "API letter": api(mash).get(f"/api/v1/return-interviews/{interview.pk}/letter.pdf"),
        "API refusal": api().get("/api/v1/children/"),
        "not found": mash_client.get("/no-such-page/"),
    }
    assert responses["letter"]["Content-Type"] == "application/pdf"
    assert responses["API letter"]["Content-Type"] == "application/pdf"
    for name, response in responses.items():
        assert {"no-store", "private"} <= cache_directives(response), name


def test_static_files_keep_their_caching(client):
    response = client.get(f"{django_settings.STATIC_URL}casework/casework.css")
    assert response.status_code == 200
    assert "no-store" not in cache_directives(response)


# Oversized bodies --------------------------------------------------------------------------------


def assert_json_413(response):
    assert response.status_code == 413
    assert response["Content-Type"] == "application/json"
    assert set(response.json()) == {"detail"}
    assert "too large" in response.json()["detail"]


def test_an_oversized_json_body_is_a_json_413(api, settings):
    body = json.dumps({"username": "x" * settings.DATA_UPLOAD_MAX_MEMORY_SIZE, "password": "y"})
    response = api().post("/api/v1/auth/token/", body, content_type="application/json")
    assert_json_413(response)


def test_a_too_large_content_length_is_a_json_413_before_the_body_is_read(api, mash, row_counts, settings):
    before = row_counts()
    response = api(mash).post(
        "/api/v1/children/", b'{"given_name": "Sam"}', content_type="application/json",
        CONTENT_LENGTH=str(settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1),
    )
    assert_json_413(response)
    assert row_counts() == before


def test_a_request_django_refuses_before_the_view_is_json_on_the_api(api, mash, settings):
    """Django's own 400s (here too many query-string fields) answer in the API's shape, never an HTML page."""
    query = "&".join(f"f{number}=1" for number in range(settings.DATA_UPLOAD_MAX_NUMBER_FIELDS + 1))
    response = api(mash).get(f"/api/v1/children/?{query}")
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert list(response.json()) == ["non_field_errors"]


def test_an_oversized_form_on_a_page_is_an_html_413(mash, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    response = signed_in(mash).post("/missing/children/new/", {"given_name": "x" * 2000})
    assert response.status_code == 413
    assert response["Content-Type"].startswith("text/html")
    assert "What you sent is too large" in response.content.decode()
