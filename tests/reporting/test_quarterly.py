"""The board's quarterly report (R3, API §6): the PDF read back, its totals, who may read it, the
background generation on a real Celery worker, and that no child is named anywhere the board reads."""

import io
import re
import time

import pytest
from django.urls import reverse
from pypdf import PdfReader

from reporting.models import QuarterlyReport, ReportStatus
from reporting.quarterly import quarterly_report_generate, quarterly_report_request

from .conftest import identifiers

API = "/api/v1/reports/quarterly.pdf"


def pdf_text(content):
    reader = PdfReader(io.BytesIO(content))
    return " ".join(" ".join((page.extract_text() or "").split()) for page in reader.pages)


def streamed(response):
    return b"".join(response.streaming_content) if response.streaming else response.content


@pytest.mark.django_db
def test_the_api_answers_the_panels_pdf_with_the_right_totals(seeded, api, people):
    response = api(people["board"]).get(API, {"panel": str(seeded["panel"].pk), "quarter": "2026-Q3"})
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = pdf_text(streamed(response))
    assert "Northgate Exploitation Panel" in text
    assert "2026 Q3: July to September 2026" in text
    # This quarter, the previous quarter, the same quarter last year.
    assert re.search(r"Episodes 9 5 7 ", text), text[:2000]
    assert re.search(r"Individual children fewer than 5 fewer than 5 fewer than 5", text)
    assert re.search(r"Meetings held fewer than 5", text)
    assert "Return interviews completed within 72 hours fewer than 5" in text
    report = QuarterlyReport.objects.get()
    assert report.status == ReportStatus.DONE and report.generated_at is not None


@pytest.mark.django_db
def test_the_api_serves_the_newest_generated_copy(seeded, api, people, mash):
    first = quarterly_report_request(actor=people["chair"], panel=seeded["panel"], quarter="2026-Q3",
                                     gaps="No weekend return interview cover.")
    quarterly_report_generate(report_id=first.pk)
    response = api(people["member"]).get(API, {"panel": str(seeded["panel"].pk), "quarter": "2026-Q3"})
    assert response.status_code == 200
    assert "No weekend return interview cover." in pdf_text(streamed(response))
    assert QuarterlyReport.objects.count() == 1  # served, not generated again


@pytest.mark.django_db
def test_the_api_refuses_bad_input_and_hides_other_panels(seeded, api, people, mash):
    panel = str(seeded["panel"].pk)
    board = api(people["board"])
    assert board.get(API, {"panel": panel, "quarter": "2026-Q5"}).json() == {
        "quarter": ["Give a quarter as YYYY-Qn, for example 2026-Q3."]}
    assert list(board.get(API, {"panel": "not-an-id", "quarter": "2026-Q3"}).json()) == ["panel"]
    assert board.get(API, {"quarter": "2026-Q3"}).status_code == 400
    for user in (people["outsider"], people["staff"], mash):
        assert api(user).get(API, {"panel": panel, "quarter": "2026-Q3"}).status_code == 404
    assert api().get(API, {"panel": panel, "quarter": "2026-Q3"}).status_code == 401


@pytest.mark.django_db
def test_the_chair_writes_the_gaps_and_the_page_shows_progress_then_the_download(seeded, signed_in, people):
    client = signed_in(people["chair"])
    response = client.post(reverse("reporting:quarterly"), {
        "panel": seeded["panel"].pk, "quarter": "2026-Q3", "gaps": "No specialist CCE worker since July."})
    report = QuarterlyReport.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("reporting:quarterly_detail",
                                                                           args=[report.pk])
    assert (report.requested_by, report.status, report.gaps) == (
        people["chair"], ReportStatus.QUEUED, "No specialist CCE worker since July.")
    waiting = client.get(reverse("reporting:quarterly_progress", args=[report.pk])).content.decode()
    assert "Waiting to start" in waiting and 'hx-trigger="every 2s"' in waiting
    quarterly_report_generate(report_id=report.pk)
    done = client.get(reverse("reporting:quarterly_progress", args=[report.pk])).content.decode()
    assert "The report is ready" in done and "hx-trigger" not in done
    assert reverse("reporting:quarterly_download", args=[report.pk]) in done
    listing = client.get(reverse("reporting:quarterly")).content.decode()
    assert "Download the PDF" in listing and "2026-Q3" in listing
    assert quarterly_report_generate(report_id=report.pk) is None  # a second run does nothing


@pytest.mark.django_db
def test_only_chairs_ask_and_bad_quarters_are_refused(seeded, signed_in, people):
    response = signed_in(people["chair"]).post(reverse("reporting:quarterly"), {
        "panel": seeded["panel"].pk, "quarter": "Q3-2026"})
    assert response.status_code == 400 and "Give a quarter as YYYY-Qn" in response.content.decode()
    assert signed_in(people["board"]).post(reverse("reporting:quarterly"), {
        "panel": seeded["panel"].pk, "quarter": "2026-Q3"}).status_code == 403
    assert not QuarterlyReport.objects.exists()
    assert signed_in(people["staff"]).get(reverse("reporting:quarterly")).status_code == 404


@pytest.mark.django_db
def test_a_strategic_reader_reads_no_childs_name_or_id_anywhere(seeded, signed_in, api, people):
    report = quarterly_report_request(actor=people["chair"], panel=seeded["panel"], quarter="2026-Q3")
    quarterly_report_generate(report_id=report.pk)
    client = signed_in(people["board"])
    bodies = [client.get(path).content.decode() for path in (
        reverse("home"), reverse("reporting:quarterly"), reverse("reporting:quarterly_detail", args=[report.pk]),
        reverse("reporting:quarterly_progress", args=[report.pk]), reverse("reporting:dashboard") + "?month=2026-09",
    )]
    download = client.get(reverse("reporting:quarterly_download", args=[report.pk]))
    assert download.status_code == 200
    pdf = streamed(download)
    bodies.append(pdf_text(pdf))
    api_pdf = streamed(api(people["board"]).get(API, {"panel": str(seeded["panel"].pk), "quarter": "2026-Q3"}))
    bodies += [pdf_text(api_pdf), pdf_text(streamed(api(people["board"]).get(
        API, {"panel": str(seeded["panel"].pk), "quarter": "2026-Q2"})))]
    for body in bodies:
        assert len(body) > 200  # a real page or document, not an error
        for text in identifiers(seeded["children"]):
            assert text not in body
    for raw in (pdf, api_pdf):
        for text in identifiers(seeded["children"]):
            assert text.encode() not in raw


@pytest.mark.django_db(transaction=True)
def test_a_real_worker_generates_the_report_with_its_progress(
    seeded, signed_in, people, celery_queue, start_celery_worker, settings, monkeypatch
):
    monkeypatch.setenv("CASEWORK_FILES_DIR", str(settings.MEDIA_ROOT))
    client = signed_in(people["chair"])
    client.post(reverse("reporting:quarterly"), {"panel": seeded["panel"].pk, "quarter": "2026-Q3",
                                                 "gaps": "Gaps text"})
    report = QuarterlyReport.objects.get()
    start_celery_worker()
    seen = set()
    deadline = time.monotonic() + 240
    while True:
        current = QuarterlyReport.objects.values_list("status", "progress").get(pk=report.pk)
        seen.add(current)
        if current[0] in (ReportStatus.DONE, ReportStatus.FAILED):
            break
        assert time.monotonic() < deadline, "timed out waiting for the worker"
        time.sleep(0.05)
    report.refresh_from_db()
    assert report.status == ReportStatus.DONE, report.error
    assert report.progress == 100 and report.file.name.startswith("quarterly/")
    assert "Northgate Exploitation Panel" in pdf_text(report.file.open("rb").read())
    # The page's poll read real progress: the run was seen part way, not only queued and then done.
    assert any(status == ReportStatus.RUNNING and 0 < progress < 100 for status, progress in seen), seen


@pytest.mark.django_db
def test_the_sweep_sends_again_what_no_worker_took_and_restarts_dead_runs(seeded, people, monkeypatch, settings):
    from datetime import timedelta

    from django.utils import timezone

    from config.celery import app as celery_app
    from reporting import quarterly

    sent = []
    monkeypatch.setattr(quarterly, "quarterly_report_dispatch", lambda *, report_id: sent.append(report_id))
    now = timezone.now()

    def report(status, requested_minutes_ago, started_minutes_ago=None):
        return QuarterlyReport.objects.create(
            panel=seeded["panel"], quarter="2026-Q3", requested_by=people["chair"], status=status,
            requested_at=now - timedelta(minutes=requested_minutes_ago),
            started_at=now - timedelta(minutes=started_minutes_ago) if started_minutes_ago else None)

    lost = report(ReportStatus.QUEUED, 5)
    just_asked = report(ReportStatus.QUEUED, 1)
    died = report(ReportStatus.RUNNING, 60, 45)
    running = report(ReportStatus.RUNNING, 10, 5)
    done = report(ReportStatus.DONE, 60)

    assert sorted(quarterly.quarterly_reports_resume(now=now)) == sorted([lost.pk, died.pk]) == sorted(sent)
    statuses = dict(QuarterlyReport.objects.values_list("pk", "status"))
    assert (statuses[died.pk], statuses[running.pk], statuses[just_asked.pk], statuses[done.pk]) == (
        ReportStatus.QUEUED, ReportStatus.RUNNING, ReportStatus.QUEUED, ReportStatus.DONE)
    assert settings.CELERY_BEAT_SCHEDULE["resume-quarterly-reports"] == {
        "task": "reporting.resume_quarterly_reports", "schedule": 60.0}
    assert {"reporting.resume_quarterly_reports", "reporting.generate_quarterly_report"} <= set(celery_app.tasks)
