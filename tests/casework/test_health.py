"""/healthz and /readyz for load balancers (issue 14, item 3), and JSON logs with a request id."""

import io
import json
import logging

import pytest
from django.test import Client

from casework.clocks.services import deadlines_sweep
from casework.logs import JsonFormatter

from ..brokers import OwnRedis, celery_broker

pytestmark = pytest.mark.django_db


@pytest.fixture
def swept(authority):
    deadlines_sweep()


def test_healthz_answers_without_the_database_session_or_https(client, settings, django_assert_num_queries):
    settings.SECURE_SSL_REDIRECT = True
    with django_assert_num_queries(0):
        response = client.get("/healthz", HTTP_HOST="10.1.2.3:8000")
    assert response.status_code == 200 and response.json() == {"status": "ok"}
    assert "Set-Cookie" not in response.headers and response["Cache-Control"] == "no-store"


def test_readyz_is_ok_when_database_migrations_clock_and_broker_are(swept, client, settings):
    settings.SECURE_SSL_REDIRECT = True
    response = client.get("/readyz", HTTP_HOST="10.1.2.3:8000")  # by address, plain http: as a load balancer
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "ok"
    assert {name: check["status"] for name, check in body["checks"].items()} == {
        "database": "ok", "migrations": "ok", "clock": "ok", "broker": "ok"
    }
    assert "Set-Cookie" not in response.headers


def test_readyz_writes_no_session_for_a_signed_in_caller(swept, signed_in, mash):
    client = signed_in(mash)
    before = dict(client.session)
    assert client.get("/readyz").status_code == 200
    assert dict(client.session) == before


def test_readyz_is_degraded_not_failing_while_the_broker_is_down(swept, client):
    broker = OwnRedis().start()
    with celery_broker(broker.url):
        assert client.get("/readyz").json()["checks"]["broker"]["status"] == "ok"
        broker.stop()
        response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json()["status"] == "degraded"
    assert response.json()["checks"]["broker"]["status"] == "degraded"


def test_only_get_and_head(client):
    assert client.post("/readyz").status_code == 405
    assert client.head("/healthz").status_code == 200


def test_a_request_id_is_taken_from_the_caller_or_made_and_every_log_line_is_one_json_object(swept, mash):
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("casework.request")
    logger.addHandler(handler)
    try:
        client = Client()
        given = client.get("/healthz", HTTP_X_REQUEST_ID="lb-7f3a.91")
        made = client.get("/missing/children/?q=Smith")
        odd = client.get("/healthz", HTTP_X_REQUEST_ID="bad id\nwith newline")
    finally:
        logger.removeHandler(handler)
    assert given["X-Request-ID"] == "lb-7f3a.91"
    assert len(made["X-Request-ID"]) == 32 and odd["X-Request-ID"] != "bad id\nwith newline"
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert [line["request_id"] for line in lines] == ["lb-7f3a.91", made["X-Request-ID"], odd["X-Request-ID"]]
    assert lines[1]["path"] == "/missing/children/" and "Smith" not in stream.getvalue()  # no query strings
    assert lines[0]["status"] == 200 and lines[0]["level"] == "INFO" and "duration_ms" in lines[0]
