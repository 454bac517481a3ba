"""The missing person profile (issue 11, part 3): pages, photo, API (JSON and PDF) and N8."""

import io
import struct
import zlib
from datetime import datetime, timedelta

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from pypdf import PdfReader

from casework.calendar import add_days
from casework.clocks.services import deadlines_sweep
from casework.models import AgencyKind, AuditEvent, Deadline, DeadlineStatus, LocalProtocol, RecordAccess
from missing.models import LegalStatus, MissingPersonProfile
from missing.profiles.clocks import N8, PROFILE

from ..factories import AgencyFactory, ChildFactory, EpisodeFactory, LocalAuthorityFactory, UserFactory

pytestmark = pytest.mark.django_db

NOW = datetime.fromisoformat("2026-03-10T10:00:00+00:00")


def png_bytes():
    """A valid 1x1 PNG, made here so the PDF can draw it."""
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\x00\xff\x00\x00"))
            + chunk(b"IEND", b""))


@pytest.fixture(autouse=True)
def photo_root(settings, tmp_path):
    settings.MISSING_PHOTO_ROOT = tmp_path / "photos"
    return settings.MISSING_PHOTO_ROOT


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def child(authority, agencies):
    return ChildFactory(
        authority=authority, given_name="Robin", family_name="Examplechild", legal_status=LegalStatus.LOOKED_AFTER,
        lead_agency=agencies[AgencyKind.HEALTH],
    )


PROFILE_DATA = {
    "height": "160 cm", "build": "Slim", "hair": "Short, dark", "eyes": "Brown",
    "distinguishing_features": "Scar on left hand", "usual_clothing": "Grey hooded top",
    "phone_numbers": "07700 900123", "social_media": "@example_user", "associates": "A friend at school",
    "places": "The retail park; the skate park", "medical_needs": "Asthma: carries an inhaler",
}


def stored_files(root):
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def create(client, child, photo=None):
    data = dict(PROFILE_DATA)
    if photo is not None:
        data["photo"] = photo
    return client.post(f"/missing/children/{child.pk}/profile/edit/", data)


def test_mash_creates_a_profile_with_a_photo_kept_outside_the_web_root(signed_in, mash, child, photo_root, frozen):
    response = create(signed_in(mash), child, SimpleUploadedFile("face.png", png_bytes(), content_type="image/png"))
    assert response.status_code == 302
    profile = MissingPersonProfile.objects.get(child=child)
    assert profile.places == PROFILE_DATA["places"] and profile.last_reviewed_at == NOW
    files = stored_files(photo_root)
    assert len(files) == 1 and files[0].read_bytes() == png_bytes() and "face" not in files[0].name
    assert profile.photo_content_type == "image/png" and profile.photo_size == len(png_bytes())
    assert AuditEvent.objects.filter(verb="profile.created", child_id=child.pk).exists()
    row = Deadline.objects.get(subject_type=PROFILE, rule=N8)
    assert row.status == DeadlineStatus.OPEN and row.due_at == add_days(NOW, 90)

    page = signed_in(mash).get(f"/missing/children/{child.pk}/profile/")
    assert page.status_code == 200 and b"Scar on left hand" in page.content and b"Next review due by" in page.content


@pytest.mark.parametrize(
    "name, content, message",
    [
        ("face.png", b"GIF89a" + b"\x00" * 40, "is not a PNG image"),
        ("face.gif", b"GIF89a" + b"\x00" * 40, "must be a JPEG or PNG image"),
        ("face.jpg", b"", "is empty"),
    ],
)
def test_a_photo_of_the_wrong_type_is_refused_and_nothing_is_saved(
    signed_in, mash, child, photo_root, row_counts, name, content, message
):
    client = signed_in(mash)
    before = row_counts()
    response = create(client, child, SimpleUploadedFile(name, content))
    assert response.status_code == 400 and message in response.content.decode()
    after = row_counts()
    assert after.pop("casework.RecordAccess") == before.pop("casework.RecordAccess") + 1  # the form page was shown
    assert after == before and stored_files(photo_root) == []


def test_a_photo_too_big_is_refused(signed_in, mash, child, photo_root, settings):
    settings.MISSING_PHOTO_MAX_BYTES = 20
    response = create(signed_in(mash), child, SimpleUploadedFile("face.png", png_bytes()))
    assert response.status_code == 400 and "must be smaller than" in response.content.decode()
    assert not MissingPersonProfile.objects.exists() and stored_files(photo_root) == []


def test_reading_and_changing_follow_the_child(signed_in, client, mash, health_worker, agencies, child, authority):
    create(signed_in(mash), child, SimpleUploadedFile("face.png", png_bytes()))
    client.logout()
    reader = signed_in(health_worker)  # the lead agency sees the child but may not change it
    assert reader.get(f"/missing/children/{child.pk}/profile/").status_code == 200
    assert reader.get(f"/missing/children/{child.pk}/profile/edit/").status_code == 403
    assert create(reader, child).status_code == 403
    assert reader.post(f"/missing/children/{child.pk}/profile/review/").status_code == 403
    photo = reader.get(f"/missing/children/{child.pk}/profile/photo/")
    assert photo.status_code == 200 and b"".join(photo.streaming_content) == png_bytes()
    assert AuditEvent.objects.filter(verb="profile.photo_read", actor=health_worker).count() == 1
    assert RecordAccess.objects.filter(user=health_worker, child_id=child.pk).count() == 2
    client.logout()
    stranger = UserFactory(agency=agencies[AgencyKind.EDUCATION])
    for path in ("", "edit/", "photo/", "profile.pdf"):
        assert signed_in(stranger).get(f"/missing/children/{child.pk}/profile/{path}").status_code == 404


def test_police_of_the_authority_read_the_profile_as_json_and_pdf(api, mash, police, child, signed_in, frozen):
    create(signed_in(mash), child, SimpleUploadedFile("face.png", png_bytes()))
    EpisodeFactory(child=child, started_at=NOW - timedelta(days=20), returned_at=NOW - timedelta(days=19),
                   found_location="Bus station")
    EpisodeFactory(child=child, started_at=NOW - timedelta(hours=6), circumstances="Left after an argument")
    response = api(police).get(f"/api/v1/children/{child.pk}/profile/")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["child"] == str(child.pk) and body["places"] == PROFILE_DATA["places"]
    assert body["missing_history"]["episode_count"] == 2 and body["missing_history"]["currently_missing"] is True
    assert body["missing_history"]["episodes"][1]["found_location"] == "Bus station"
    assert body["review_stale"] is False and body["photo"] == f"/api/v1/children/{child.pk}/profile/photo/"
    assert api(police).get(body["photo"]).status_code == 200

    pdf = api(police).get(f"/api/v1/children/{child.pk}/profile/?format=pdf")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.content)).pages)
    assert "Missing person profile: Robin Examplechild" in text
    assert "Asthma: carries an inhaler" in text and "Bus station" in text and "Last reviewed 10 March 2026" in text
    assert "Missing now" in text and "Circumstances: Left after an argument" in text
    assert AuditEvent.objects.filter(verb="profile.pdf_read", actor=police).count() == 1
    assert RecordAccess.objects.filter(user=police, child_id=child.pk, channel="api").count() == 3


def test_police_of_another_authority_and_unknown_children_answer_404(api, mash, child, signed_in):
    create(signed_in(mash), child)
    elsewhere = AgencyFactory(authority=LocalAuthorityFactory(name="Other Council"), kind=AgencyKind.POLICE)
    other_police = UserFactory(agency=elsewhere)
    assert api(other_police).get(f"/api/v1/children/{child.pk}/profile/").status_code == 404
    assert api(other_police).get(f"/api/v1/children/{child.pk}/profile/?format=pdf").status_code == 404
    patch = api(other_police).patch(f"/api/v1/children/{child.pk}/profile/", {"hair": "x"}, format="json")
    assert patch.status_code == 404
    assert api(mash).get("/api/v1/children/not-an-id/profile/").status_code == 404
    without = ChildFactory(authority=child.authority)
    response = api(mash).get(f"/api/v1/children/{without.pk}/profile/")
    assert response.status_code == 404 and "No missing person profile" in response.json()["detail"]


def test_n8_the_review_goes_stale_after_the_protocol_period_and_a_review_ends_it(signed_in, mash, child, frozen):
    LocalProtocol.objects.create(authority=child.authority, n8_profile_review_days=30)
    create(signed_in(mash), child)
    row = Deadline.objects.get(subject_type=PROFILE, rule=N8)
    assert row.due_at == add_days(NOW, 30) and row.params == {"days": 30}
    frozen.move_to(NOW + timedelta(days=31))
    deadlines_sweep()
    row.refresh_from_db()
    assert row.status == DeadlineStatus.OVERDUE
    page = signed_in(mash).get(f"/missing/children/{child.pk}/profile/")
    assert b"Out of date" in page.content
    assert signed_in(mash).post(f"/missing/children/{child.pk}/profile/review/").status_code == 302
    row.refresh_from_db()
    assert row.status == DeadlineStatus.DONE and row.completed_by == mash
    live = Deadline.objects.get(subject_type=PROFILE, rule=N8, status=DeadlineStatus.OPEN)
    assert live.due_at == add_days(NOW + timedelta(days=31), 30)
    assert AuditEvent.objects.filter(verb="profile.reviewed").count() == 1


def test_n8_wants_nothing_once_the_child_is_no_longer_looked_after(signed_in, mash, child, frozen):
    create(signed_in(mash), child)
    child.legal_status = LegalStatus.NONE
    child.save()
    frozen.move_to(add_days(NOW, 90) + timedelta(seconds=1))
    result = deadlines_sweep()
    assert result.overdue == 0
    assert Deadline.objects.get(subject_type=PROFILE).status == DeadlineStatus.CANCELLED


def test_the_schema_documents_the_profile_and_updates(api, mash):
    schema = api(mash).get("/api/v1/schema/?format=json")
    assert schema.status_code == 200
    paths = schema.json()["paths"]
    assert "/api/v1/children/{child_id}/profile/" in paths
    assert "/api/v1/children/{child_id}/profile/photo/" in paths
    assert set(paths["/api/v1/children/{child_id}/updates/"]) >= {"get", "post"}


def test_retention_removes_the_profile_its_photo_and_updates_and_anonymising_too(
    signed_in, mash, child, photo_root, django_capture_on_commit_callbacks
):
    from missing.child_data import child_data_parts
    from missing.models import MissingChildUpdate
    from missing.retention import child_record_dispose

    create(signed_in(mash), child, SimpleUploadedFile("face.png", png_bytes()))
    episode = EpisodeFactory(child=child)
    MissingChildUpdate.objects.create(child=child, episode=episode, position="Seen in town", written_at=NOW)
    parts = {part.key: part for part in child_data_parts()}
    exported = parts["missing_profile"].collect(child)
    assert any(value == PROFILE_DATA["medical_needs"] for _, _, value in exported[0].fields)
    assert "photo_stored_name" not in {name for name, _, _ in exported[0].fields}
    assert len(stored_files(photo_root)) == 1
    with django_capture_on_commit_callbacks(execute=True):
        child_record_dispose(child.pk, "anonymise")
    assert not MissingPersonProfile.objects.exists() and not MissingPersonProfile.history.exists()
    assert not MissingChildUpdate.objects.exists() and stored_files(photo_root) == []


def test_the_api_changes_the_profile_for_those_who_may_change_the_child(
    api, mash, health_worker, child, photo_root, row_counts
):
    url = f"/api/v1/children/{child.pk}/profile/"
    response = api(mash).patch(url, {"hair": "Blond", "places": "The library"}, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["hair"] == "Blond" and response.json()["places"] == "The library"
    response = api(mash).patch(url, {"eyes": "Grey"}, format="json")
    assert response.json()["hair"] == "Blond" and response.json()["eyes"] == "Grey"

    client = api(mash)
    before = row_counts()
    response = client.patch(url, {"height": "x" * 51}, format="json")
    assert response.status_code == 400 and "height" in response.json()
    response = client.post(f"{url}photo/", {"file": SimpleUploadedFile("face.png", b"not a png")}, format="multipart")
    assert response.status_code == 400 and "is not a PNG image" in response.json()["file"][0]
    assert row_counts() == before and stored_files(photo_root) == []

    reader = api(health_worker)  # sees the child (lead agency) but may not change it
    assert reader.patch(url, {"hair": "Red"}, format="json").status_code == 403
    photo = SimpleUploadedFile("face.png", png_bytes())
    assert reader.post(f"{url}photo/", {"file": photo}, format="multipart").status_code == 403
    assert MissingPersonProfile.objects.get().hair == "Blond"

    photo = SimpleUploadedFile("face.png", png_bytes())
    response = api(mash).post(f"{url}photo/", {"file": photo}, format="multipart")
    assert response.status_code == 200 and response.json()["photo"].endswith("/profile/photo/")
    assert len(stored_files(photo_root)) == 1
