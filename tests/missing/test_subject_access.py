"""Subject access export (issue 14, item 6): everything held about one child as a PDF (read back)
and a zip of JSON, intelligence and third-party information marked for redaction review, produced
by a background job, audited, and downloadable only by administrators of the child's authority."""

import io
import json
import zipfile
from datetime import date, timedelta

import pytest
from django.utils import timezone
from pypdf import PdfReader

from casework.jobs import job_run
from casework.models import AgencyKind, AuditEvent, BackgroundJob, RecordAccess, Role
from casework.tasks import check_deadlines, run_job
from missing.exports import EXPORT_JOB
from missing.child_data import child_data_parts
from missing.models import EducationCase, PoliceNotification, ReturnInterview, SafeAndWellCheck, SubjectAccessExport
from missing.services import episode_create, episode_update
from tests.factories import AgencyFactory, ChildFactory, LocalAuthorityFactory, UserFactory

pytestmark = pytest.mark.django_db


def child_with_everything(authority, agencies, mash, police):
    """A child with a record, two episodes, a police notification, a safe and well check, a return
    interview with intelligence, a missing education case, deadlines, and a record access."""
    child = ChildFactory(authority=authority, given_name="Robin", family_name="Exampleton",
                         police_person_id="PP-77", school="Northgate Academy")
    now = timezone.now()
    first = episode_create(actor=mash, child=child, category="missing", started_at=now - timedelta(days=20),
                           reported_at=now - timedelta(days=20), risk_level="high", location_type="home",
                           circumstances="Left after an argument with her stepfather Dale Other.")
    episode_update(actor=mash, episode=first, returned_at=now - timedelta(days=19), found_location="Flat 3, Mill Lane")
    episode_create(actor=mash, child=child, category="absent", started_at=now - timedelta(hours=3),
                   reported_at=now - timedelta(hours=2), risk_level="low", location_type="home")
    PoliceNotification.objects.create(
        authority=authority, source_ref="MPS-4455", kind="missing", received_at=now - timedelta(days=20),
        occurred_at=now - timedelta(days=20), child_given_name="Robin", child_family_name="Exampleton",
        child_date_of_birth=child.date_of_birth, circumstances="Known to associate with a county lines group.",
        status="linked", child=child, episode=first, sent_by=police, sender_agency=police.agency,
    )
    SafeAndWellCheck.objects.create(
        episode=first, officer="PC 123 Jones", checked_at=now - timedelta(days=19), where_found="Mill Lane",
        with_whom="With an adult male known as Tiny", disclosures="", recorded_by=police,
    )
    ReturnInterview.objects.filter(child=child).update(
        where_and_with_whom="Stayed with Sam Friend at her flat.", police_intelligence="Vehicle AB12 CDE seen.",
        voice_of_child="I wanted space.",
    )
    EducationCase.objects.create(child=child, kind="cme", school="Northgate Academy", first_day=date(2026, 1, 5),
                                 contact_with="Aunt Jo", agency=agencies[AgencyKind.EDUCATION], opened_by=mash)
    RecordAccess.objects.create(user=mash, child_id=child.pk, channel="page", path=f"/missing/children/{child.pk}/")
    return child


@pytest.fixture
def child(authority, agencies, mash, police):
    return child_with_everything(authority, agencies, mash, police)


def _pdf_text(data):
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def test_an_administrator_asks_a_worker_makes_and_the_export_holds_everything_marked_for_review(
    child, admin_user, signed_in, client
):
    page = signed_in(admin_user)
    assert "Subject access export" in page.get(f"/missing/children/{child.pk}/").content.decode()
    response = page.post(f"/missing/children/{child.pk}/subject-access/")
    assert response.status_code == 302
    export = SubjectAccessExport.objects.get(child=child)
    assert export.job.status == "pending" and not export.is_ready
    assert "Being produced" in page.get(f"/missing/children/{child.pk}/subject-access/").content.decode()

    run_job.apply(args=[str(export.job_id)])  # the task, run for real in this process
    export.refresh_from_db()
    assert export.is_ready and export.job.status == "done"
    assert export.marked_for_review >= 6

    pdf = b"".join(page.get(f"/missing/subject-access/{export.pk}/pdf/").streaming_content)
    text = _pdf_text(pdf)
    for expected in ("Robin Exampleton", "Missing episodes", "Police notifications", "Safe and well checks",
                     "Return home interviews", "Missing education", "Deadlines, notices and escalations",
                     "Who opened the record", "MPS-4455", "I wanted space", "Northgate Academy", "T1"):
        assert expected in text, expected
    assert "Review before disclosure: intelligence" in text
    assert "Review before disclosure: third-party information" in text

    archive = zipfile.ZipFile(io.BytesIO(b"".join(page.get(f"/missing/subject-access/{export.pk}/zip/").streaming_content)))
    manifest = json.loads(archive.read("manifest.json"))
    assert [p["key"] for p in manifest["parts"]] == [p.key for p in child_data_parts()]
    parts = {p["key"]: json.loads(archive.read(p["file"])) for p in manifest["parts"]}
    assert parts["record"]["records"][0]["data"]["police_person_id"] == "PP-77"
    assert len(parts["episodes"]["records"]) == 2
    notification = parts["notifications"]["records"][0]
    assert {"field": "circumstances", "reason": "intelligence"} in notification["redaction_review"]
    interview = parts["return_interviews"]["records"][0]
    assert {"field": "police_intelligence", "reason": "intelligence"} in interview["redaction_review"]
    assert {"field": "where_and_with_whom", "reason": "third_party"} in interview["redaction_review"]
    assert {"field": "with_whom", "reason": "third_party"} in parts["safe_and_well_checks"]["records"][0]["redaction_review"]
    assert {r["data"]["rule"] for r in parts["deadlines"]["records"]} >= {"T1"}
    assert parts["access_log"]["records"][0]["data"]["user"] == "mash"

    verbs = list(AuditEvent.objects.filter(child_id=child.pk, verb__startswith="subject_access.")
                 .order_by("at").values_list("verb", flat=True))
    assert verbs == ["subject_access.requested", "subject_access.produced", "subject_access.downloaded",
                     "subject_access.downloaded"]


def test_only_administrators_of_the_childs_authority_may_ask_or_download(
    child, admin_user, mash, agencies, signed_in
):
    export_page = f"/missing/children/{child.pk}/subject-access/"
    client = signed_in(mash)
    assert "Subject access export" not in client.get(f"/missing/children/{child.pk}/").content.decode()
    assert client.get(export_page).status_code == 404
    assert client.post(export_page).status_code == 404
    assert not SubjectAccessExport.objects.exists()

    other = AgencyFactory(authority=LocalAuthorityFactory(name="Elsewhere Council"), name="Elsewhere CSC")
    stranger = UserFactory(username="other-admin", agency=other, roles=[Role.ADMINISTRATOR])
    signed_in(admin_user).post(export_page)
    export = SubjectAccessExport.objects.get()
    job_run(job_id=export.job_id)
    for user in (mash, stranger):
        client = signed_in(user)
        assert client.get(f"/missing/subject-access/{export.pk}/pdf/").status_code == 404, user
        assert client.get(export_page).status_code == 404, user
    assert not AuditEvent.objects.filter(verb="subject_access.downloaded").exists()


def test_a_export_asked_for_while_no_worker_took_it_is_made_by_the_clocks_pass(child, admin_user, signed_in):
    signed_in(admin_user).post(f"/missing/children/{child.pk}/subject-access/")
    result = check_deadlines.apply().get()
    assert result["jobs_run"] == 2  # the export, and the dashboard's recount of the child's episodes
    assert SubjectAccessExport.objects.get().is_ready
    assert check_deadlines.apply().get()["jobs_run"] == 0
    assert BackgroundJob.objects.get(kind=EXPORT_JOB).attempts == 1
