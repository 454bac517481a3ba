import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
import redis
from django.db import connection
from rest_framework.test import APIClient

from casework.models import AgencyKind, Role
from casework.services import api_token_issue

from .factories import AgencyFactory, LocalAuthorityFactory, UserFactory


@pytest.fixture
def authority(db):
    return LocalAuthorityFactory()


@pytest.fixture
def agencies(authority):
    return {
        kind: AgencyFactory(authority=authority, name=f"Demo {label}", kind=kind)
        for kind, label in AgencyKind.choices
    }


@pytest.fixture
def mash(agencies):
    return UserFactory(username="mash", agency=agencies[AgencyKind.CHILDRENS_SOCIAL_CARE], roles=[Role.MASH_COORDINATOR])


@pytest.fixture
def police(agencies):
    return UserFactory(username="police", agency=agencies[AgencyKind.POLICE], roles=[Role.AGENCY_STAFF])


@pytest.fixture
def health_worker(agencies):
    return UserFactory(username="health", agency=agencies[AgencyKind.HEALTH], roles=[Role.AGENCY_STAFF])


@pytest.fixture
def admin_user(db, agencies):
    user = UserFactory(username="admin", agency=agencies[AgencyKind.CHILDRENS_SOCIAL_CARE], roles=[Role.ADMINISTRATOR])
    user.is_superuser = True
    user.is_staff = True
    user.save()
    return user


@pytest.fixture
def api():
    """An API client factory: api(user) is authenticated with a new token of that user, issued as the
    token endpoint issues them (so it expires API_TOKEN_HOURS after it was made); api() is anonymous."""

    def make(user=None):
        client = APIClient()
        if user is not None:
            client.credentials(HTTP_AUTHORIZATION=f"Token {api_token_issue(user=user)}")
        return client

    return make


@pytest.fixture
def row_counts(db):
    """row_counts() snapshots every casework and missing table (history included), so a test can
    assert that a refused request saved nothing at all."""
    from django.apps import apps

    def snapshot():
        return {
            model._meta.label: model.objects.count()
            for model in apps.get_models()
            if model._meta.app_label in {"casework", "missing"}
        }

    return snapshot


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """PBKDF2 is slow on purpose (about a second a user here); tests that check hashing set it back."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def signed_in(client):
    """signed_in(user): the browser client signed in as `user`, past the TOTP step where they need it."""
    from django.urls import reverse
    from django.utils import timezone
    from django_otp.oath import totp
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from casework.middleware import LAST_SEEN_KEY, needs_second_factor

    def sign_in(user):
        client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
        if needs_second_factor(user):
            device = TOTPDevice.objects.filter(user=user, confirmed=True).first() or TOTPDevice.objects.create(
                user=user, name="Test authenticator", confirmed=True
            )
            code = totp(device.bin_key, device.step, device.t0, device.digits, device.drift)
            response = client.post(reverse("two_factor"), {"token": f"{code:0{device.digits}d}"})
            assert response.status_code == 302, response.content
        # As the sign-in page does, the session starts active: its first page is then a page like any
        # other (activity is recorded at most once a minute, so a query count does not catch a write).
        session = client.session
        session[LAST_SEEN_KEY] = timezone.now().timestamp()
        session.save()
        return client

    return sign_in


ROOT = Path(__file__).resolve().parents[1]


def database_url():
    """The test database, for a process of its own (a Celery worker)."""
    db = connection.settings_dict
    return f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.fixture
def celery_queue():
    """A queue of this test's own. While the test runs, the project's Celery app sends every task to it
    (so tasks the code under test queues reach only this test's worker); afterwards it is deleted."""
    from django.conf import settings as django_settings

    from config.celery import app

    # Start from the configured broker and result backend, whatever an earlier test pointed the app at.
    if app.conf.broker_url != django_settings.CELERY_BROKER_URL or \
            app.conf.result_backend != django_settings.CELERY_RESULT_BACKEND:
        if app._pool is not None:
            app._pool.force_close_all()
        app._pool = None
        app.amqp._producer_pool = None
        app.conf.broker_url = django_settings.CELERY_BROKER_URL
        app.conf.result_backend = django_settings.CELERY_RESULT_BACKEND
    name = f"test-{uuid.uuid4().hex[:10]}"
    saved = app.conf.task_default_queue
    app.conf.task_default_queue = name
    yield name
    app.conf.task_default_queue = saved
    if app.conf.broker_url.startswith("redis://"):
        redis.Redis.from_url(app.conf.broker_url).delete(name)


@pytest.fixture
def start_celery_worker(celery_queue, tmp_path):
    """start_celery_worker(broker=None): a real Celery worker process on the test database that reads
    (and queues its own follow-up tasks on) this test's queue, on the project's broker unless told.
    Its log is worker-<n>.log in the test's tmp_path (a file: a full pipe would stall the worker)."""
    from config.celery import app

    processes, logs = [], []

    def start(broker=None):
        broker = broker or app.conf.broker_url
        env = {
            **os.environ,
            "DATABASE_URL": database_url(),
            "CELERY_BROKER_URL": broker,
            "CELERY_RESULT_BACKEND": broker,
            "CELERY_TASK_DEFAULT_QUEUE": celery_queue,
            "DEBUG": "false",
        }
        logs.append((tmp_path / f"worker-{len(logs) + 1}.log").open("wb"))
        process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool=solo", "--loglevel=WARNING",
             "-Q", celery_queue, "--without-gossip", "--without-mingle", "--without-heartbeat"],
            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=logs[-1],
        )
        processes.append(process)
        return process

    yield start
    for process in processes:
        if process.poll() is None:
            process.terminate()
        process.wait(timeout=30)
    for log in logs:
        log.close()


@pytest.fixture(autouse=True)
def files_folder(settings, tmp_path):
    """Files the product keeps (exports, profile photos) go to the test's own folder, never var/files."""
    settings.MEDIA_ROOT = tmp_path / "files"
    settings.MISSING_PHOTO_ROOT = tmp_path / "photos"
    return settings.MEDIA_ROOT
