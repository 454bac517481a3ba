import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from casework.models import AgencyKind, Role

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
    """An API client factory: api(user) is authenticated with that user's token; api() is anonymous."""

    def make(user=None):
        client = APIClient()
        if user is not None:
            token, _ = Token.objects.get_or_create(user=user)
            client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
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
