"""Evidence files: checked for type and size before anything is written, kept outside the web
root, served only to those who may see the action, and every download audited."""

import pytest
from django.conf import settings as django_settings
from django.core.files.uploadedfile import SimpleUploadedFile

from actions.models import ActionEvidence, ActionUpdate
from casework.models import AuditEvent

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture(autouse=True)
def evidence_root(settings, tmp_path):
    settings.ACTION_EVIDENCE_ROOT = tmp_path / "evidence"
    return settings.ACTION_EVIDENCE_ROOT


def stored_files(root):
    return sorted(p.name for p in root.rglob("*") if p.is_file()) if root.exists() else []


def upload(api, user, action, name, content):
    return api(user).post(
        f"/api/v1/actions/{action.pk}/evidence/", {"file": SimpleUploadedFile(name, content)}, format="multipart"
    )


def test_a_pdf_is_kept_outside_the_web_root_and_served_to_those_who_see_the_action(
    api, action, people, mash, evidence_root
):
    response = upload(api, people["worker"], action, "appointment letter.pdf", PDF)
    assert response.status_code == 201, response.json()
    item = ActionEvidence.objects.get()
    assert item.content_type == "application/pdf" and item.original_name == "appointment letter.pdf"
    path = evidence_root / item.stored_name
    assert path.read_bytes() == PDF
    assert "appointment" not in item.stored_name  # our name, never the uploader's
    assert not str(path).startswith(str(django_settings.STATIC_ROOT))
    assert not str(path.resolve()).startswith(str((django_settings.BASE_DIR / "static").resolve()))
    download = api(mash).get(response.json()["url"])
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == PDF
    assert "attachment" in download["Content-Disposition"]
    assert AuditEvent.objects.filter(verb="action.evidence_downloaded", object_id=str(item.pk)).count() == 1
    assert api(people["outsider"]).get(response.json()["url"]).status_code == 404
    assert api().get(response.json()["url"]).status_code == 401
    detail = api(people["worker"]).get(f"/api/v1/actions/{action.pk}/").json()
    assert [e["id"] for e in detail["evidence"]] == [str(item.pk)]


@pytest.mark.parametrize(
    "name, content",
    [
        ("virus.exe", b"MZ\x90\x00" + b"\x00" * 100),
        ("letter.pdf", b"MZ\x90\x00 not a pdf at all"),
        ("photo.png", PDF),
        ("notes.txt", b"\x00\x01\x02binary"),
        ("empty.pdf", b""),
        ("no-extension", PDF),
    ],
)
def test_a_wrong_type_is_refused_and_nothing_is_stored(api, action, people, evidence_root, name, content):
    response = upload(api, people["worker"], action, name, content)
    assert response.status_code == 400
    assert list(response.json()) in (["evidence"], ["file"])
    assert stored_files(evidence_root) == []
    assert not ActionEvidence.objects.exists() and not ActionUpdate.objects.exists()


def test_an_oversize_file_is_refused_and_nothing_is_stored(api, action, people, evidence_root, settings):
    settings.ACTION_EVIDENCE_MAX_BYTES = 1024
    response = upload(api, people["worker"], action, "big.pdf", PDF + b"0" * 2000)
    assert response.status_code == 400
    assert "smaller than" in response.json()["evidence"][0]
    assert stored_files(evidence_root) == []
    assert not ActionEvidence.objects.exists()


def test_only_those_who_may_change_the_action_add_evidence(api, action, people, mash, evidence_root):
    assert upload(api, mash, action, "a.pdf", PDF).status_code == 403
    assert upload(api, people["outsider"], action, "a.pdf", PDF).status_code == 404
    assert stored_files(evidence_root) == []


def test_an_update_with_a_refused_file_saves_nothing_at_all(signed_in, action, people, evidence_root):
    client = signed_in(people["worker"])
    response = client.post(
        f"/actions/{action.pk}/update/",
        {"update": "Done", "status": "done", "evidence": SimpleUploadedFile("x.pdf", b"not a pdf")},
    )
    assert response.status_code == 400
    assert "is not a PDF" in response.content.decode()
    action.refresh_from_db()
    assert action.status == "open" and not ActionUpdate.objects.exists()
    assert stored_files(evidence_root) == []


def test_a_download_name_cannot_carry_a_path_or_header_tricks():
    from actions.evidence import safe_download_name

    assert safe_download_name('../../etc/evil"\r\nX: y.pdf') == "evil___X_ y.pdf"
    assert safe_download_name("") == "evidence"
