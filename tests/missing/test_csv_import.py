"""The CSV upload: the API's checks row by row, good rows kept, duplicates counted, bad files refused.

The request only stores the rows; `upload` here also runs the background task's service to the end,
in this process. tests/missing/test_csv_upload_background.py is about the background itself.
"""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.urls import reverse

from casework.models import AuditEvent
from missing.csv_import import COLUMNS
from missing.models import NotificationUpload, PoliceNotification, UploadStatus
from missing.uploads import notification_upload_process
from tests.factories import LocalAuthorityFactory, UserFactory

LONDON = ZoneInfo("Europe/London")
NOW = datetime(2025, 6, 11, 15, 0, tzinfo=LONDON)
HEADER = ",".join(COLUMNS)
GOOD_1 = "CSV-1,missing,10/06/2025 21:00,10/06/2025 20:15,Ari,Testfield,17/05/2012,PP-9,High,care,,Left placement after dinner"
GOOD_2 = "CSV-2,absent,2025-06-11T08:00,2025-06-11T07:30,Bel,Testmoor,2013-02-01,,low,home,,"
BAD_KIND = "CSV-3,lost,10/06/2025 21:00,10/06/2025 20:15,Cas,Testdale,17/05/2012,,,,,"
BAD_DATES = "CSV-4,missing,10/06/2025 21:00,soon,Dex,Testby,31/02/2012,,,,,"
FUTURE = "CSV-5,missing,12/06/2025 21:00,10/06/2025 20:15,Eli,Testwell,17/05/2012,,,,,"
UNBORN = "CSV-6,missing,10/06/2025 21:00,10/06/2025 20:15,Fen,Testoak,17/05/2026,,,,,"

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def coordinator(client, mash):
    client.force_login(mash)
    return client


def csv_file(*lines, name="notifications.csv", encoding="utf-8"):
    return SimpleUploadedFile(name, ("\r\n".join(lines) + "\r\n").encode(encoding), content_type="text/csv")


def upload(client, file, **headers):
    """Post the file, then store its rows as the Celery task would."""
    response = client.post(reverse("missing:notification_upload"), {"file": file}, **headers)
    for upload_id in NotificationUpload.objects.filter(status=UploadStatus.QUEUED).values_list("pk", flat=True):
        while notification_upload_process(upload_id=upload_id):
            pass
    return response


def test_good_rows_are_kept_when_bad_rows_fail(coordinator, mash, authority):
    response = upload(coordinator, csv_file(HEADER, GOOD_1, BAD_KIND, ",,,,,,,,,,,", GOOD_2, BAD_DATES, FUTURE, UNBORN))

    record = NotificationUpload.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("missing:notification_upload_report", args=[record.pk])
    assert (record.status, record.rows_total, record.rows_processed) == ("done", 6, 6)
    assert (record.rows_created, record.rows_duplicate, record.rows_rejected) == (2, 0, 4)
    assert [(e["row"], e["source_ref"]) for e in record.row_errors] == [
        (3, "CSV-3"), (6, "CSV-4"), (7, "CSV-5"), (8, "CSV-6")
    ]
    assert set(record.row_errors[0]["errors"]) == {"kind"}
    assert set(record.row_errors[1]["errors"]) == {"occurred_at", "date_of_birth"}
    assert record.row_errors[2]["errors"] == {"received_at": ["The time received cannot be in the future."]}
    assert record.row_errors[3]["errors"] == {"row": ["The child's date of birth cannot be in the future."]}

    stored = {n.source_ref: n for n in PoliceNotification.objects.filter(upload=record)}
    assert set(stored) == {"CSV-1", "CSV-2"}
    first = stored["CSV-1"]
    assert first.authority == authority and first.sent_by == mash
    assert first.received_at == datetime(2025, 6, 10, 21, 0, tzinfo=LONDON)
    assert (first.risk_level, first.location_type, first.police_person_id) == ("high", "care", "PP-9")
    assert first.circumstances == "Left placement after dinner"
    assert AuditEvent.objects.filter(verb="notifications.uploaded", object_id=str(record.pk)).exists()

    report = coordinator.get(response["Location"]).content.decode()
    assert "Rows with a problem" in report
    assert "<code>kind</code>" in report and "CSV-4" in report
    assert "The time received cannot be in the future." in report


def test_resent_rows_are_counted_as_duplicates_not_errors(coordinator):
    upload(coordinator, csv_file(HEADER, GOOD_1))
    upload(coordinator, csv_file(HEADER, GOOD_1, GOOD_2, GOOD_2.replace("Bel", "Belle")))

    second = NotificationUpload.objects.order_by("-uploaded_at", "-rows_total").first()
    assert (second.rows_total, second.rows_created, second.rows_duplicate, second.rows_rejected) == (3, 1, 2, 0)
    assert second.row_errors == []
    assert PoliceNotification.objects.count() == 2
    assert PoliceNotification.objects.get(source_ref="CSV-2").child_given_name == "Bel"


def test_optional_columns_may_be_left_out_and_header_order_is_free(coordinator):
    upload(coordinator, csv_file("kind,Source_Ref,received_at,occurred_at,date_of_birth,family_name,given_name",
                                 "found,CSV-9,10/06/2025 21:00,10/06/2025 20:00,17/05/2012,Testoak,Fen"))

    notification = PoliceNotification.objects.get()
    assert (notification.source_ref, notification.kind, notification.risk_level) == ("CSV-9", "found", "")


def test_a_row_longer_than_the_header_or_without_a_required_value_is_refused(coordinator):
    upload(coordinator, csv_file(HEADER, GOOD_1 + ",surplus", ",missing,10/06/2025 21:00,,Ari,Testfield,17/05/2012"))

    record = NotificationUpload.objects.get()
    assert (record.rows_created, record.rows_rejected) == (0, 2)
    assert record.row_errors[0]["errors"] == {"row": ["This row has more values than the header row has columns."]}
    assert record.row_errors[1]["errors"] == {
        "source_ref": ["Enter a value: this column is required."],
        "occurred_at": ["Enter a value: this column is required."],
    }


@pytest.mark.parametrize(
    ("file", "message"),
    [
        (csv_file(HEADER, GOOD_1, name="notifications.xlsx"), "must be a CSV file"),
        (SimpleUploadedFile("n.csv", b"\x89PNG\r\n\x1a\n\xff\xfe\x00binary"), "could not be read"),
        (csv_file(HEADER, GOOD_1, encoding="utf-16"), "could not be read"),
        (csv_file(HEADER, GOOD_1 + "\x00"), "is not a CSV file"),
        (csv_file("source_ref,kind,received_at", "CSV-1,missing,10/06/2025 21:00"), "missing the columns: occurred_at"),
        (csv_file(HEADER + ",colour", GOOD_1 + ",blue"), "unknown column: colour"),
        (csv_file(HEADER + ",kind", GOOD_1 + ",found"), "repeats the column: kind"),
        (csv_file(HEADER), "has a header row but no notifications"),
        (csv_file("", ""), "is empty"),
        (csv_file(HEADER, "CSV-1," + "x" * 140_000), "not a valid CSV file (line 2: field larger than field limit"),
    ],
)
def test_bad_files_are_refused_as_a_whole(coordinator, file, message):
    response = upload(coordinator, file)

    assert response.status_code == 400
    page = response.content.decode()
    assert "There is a problem" in page and 'href="#id_file"' in page
    assert message in page
    assert not NotificationUpload.objects.exists() and not PoliceNotification.objects.exists()


def test_no_file_and_an_empty_file_are_form_errors(coordinator):
    response = coordinator.post(reverse("missing:notification_upload"), {})
    assert response.status_code == 400 and "Select a CSV file to upload" in response.content.decode()
    response = upload(coordinator, SimpleUploadedFile("empty.csv", b""))
    assert response.status_code == 400 and "The selected file is empty" in response.content.decode()


@override_settings(NOTIFICATION_CSV_MAX_BYTES=200)
def test_oversized_files_are_refused(coordinator):
    response = upload(coordinator, csv_file(HEADER, GOOD_1, GOOD_2))

    assert response.status_code == 400
    assert "must be smaller than 200" in response.content.decode()
    assert not PoliceNotification.objects.exists()


def test_the_script_upload_answers_where_the_report_is(coordinator):
    response = upload(coordinator, csv_file(HEADER, GOOD_1), HTTP_X_REQUESTED_WITH="XMLHttpRequest")

    assert response.status_code == 201
    report = reverse("missing:notification_upload_report", args=[NotificationUpload.objects.get().pk])
    assert response.json() == {"report_url": report}


def test_upload_page_has_progress_and_template(coordinator):
    page = coordinator.get(reverse("missing:notification_upload")).content.decode()
    assert 'enctype="multipart/form-data"' in page and "<progress" in page and "missing/upload.js" in page

    template = coordinator.get(reverse("missing:notification_upload_template"))
    assert template["Content-Type"].startswith("text/csv")
    assert "attachment" in template["Content-Disposition"]
    assert template.content.decode().strip() == HEADER


def test_upload_reports_are_for_the_coordinators_of_the_same_authority(client, coordinator, mash, police, agencies):
    upload(coordinator, csv_file(HEADER, GOOD_1))
    url = reverse("missing:notification_upload_report", args=[NotificationUpload.objects.get().pk])
    elsewhere = UserFactory(
        agency__authority=LocalAuthorityFactory(name="Elsewhere Council"), roles=["mash_coordinator"]
    )

    client.force_login(elsewhere)
    assert client.get(url).status_code == 404
    client.force_login(police)
    assert client.get(url).status_code == 404
    assert client.get(reverse("missing:notification_upload_template")).status_code == 404
