"""Police notifications from a CSV file: each row gets the API's checks and the API's service.

A file that cannot be read as a whole (not UTF-8, not CSV, wrong header) is refused before
anything is stored. After that every row stands alone: a bad row is reported and never costs
the good ones, and a row sent before (same source_ref and kind, N1) is counted, not stored again.
"""

import csv
import io

from django.core.exceptions import ValidationError
from django.db import transaction

from casework.audit import audit_event_record
from casework.services import authority_for

from .api import NotificationInput
from .models import NotificationUpload
from .services import notification_receive

COLUMNS = (
    "source_ref",
    "kind",
    "received_at",
    "occurred_at",
    "given_name",
    "family_name",
    "date_of_birth",
    "police_person_id",
    "risk_level",
    "location_type",
    "found_location",
    "circumstances",
)
REQUIRED_COLUMNS = COLUMNS[:7]
CHILD_COLUMNS = {"given_name", "family_name", "date_of_birth", "police_person_id"}
# Enumerated values are matched whatever their case, as people type them in spreadsheets.
CASE_FREE_COLUMNS = {"kind", "risk_level", "location_type"}


class CsvFileError(ValueError):
    """The file as a whole cannot be read, so nothing in it is imported."""


def csv_template():
    """The header row people fill in below."""
    buffer = io.StringIO()
    csv.writer(buffer).writerow(COLUMNS)
    return buffer.getvalue()


def _plural(items, singular, plural):
    return f"{singular if len(items) == 1 else plural}: {', '.join(items)}"


def _header_check(names):
    missing = [c for c in REQUIRED_COLUMNS if c not in names]
    if missing:
        raise CsvFileError(
            f"The header row is missing the {_plural(missing, 'column', 'columns')}. Download the template to see "
            "the columns."
        )
    unknown = [n or "(empty)" for n in names if n not in COLUMNS]
    if unknown:
        raise CsvFileError(f"The header row has an unknown {_plural(unknown, 'column', 'columns')}.")
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        raise CsvFileError(f"The header row repeats the {_plural(repeated, 'column', 'columns')}.")


def csv_rows_read(content):
    """The data rows of a CSV file as {"row": spreadsheet row number, "values": {column: text}, "extra": bool}.

    Raises CsvFileError when the file is not UTF-8 CSV with the template's header row.
    """
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise CsvFileError(
            "The selected file could not be read: save it as 'CSV UTF-8' and upload it again."
        ) from error
    if "\x00" in text:
        raise CsvFileError("The selected file is not a CSV file.")
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader, [])
        lines = list(reader)
    except csv.Error as error:
        raise CsvFileError(f"The selected file is not a valid CSV file (line {reader.line_num}: {error}).") from error
    names = [name.strip().lower() for name in header]
    if not any(names):
        raise CsvFileError("The selected file is empty: its first row must be the header row.")
    _header_check(names)
    rows = []
    for index, values in enumerate(lines):
        if not any(value.strip() for value in values):
            continue
        padded = values + [""] * (len(names) - len(values))
        rows.append({"row": index + 2, "values": dict(zip(names, padded)), "extra": len(values) > len(names)})
    if not rows:
        raise CsvFileError("The selected file has a header row but no notifications.")
    return rows


def _serializer_data(values):
    """The row in the shape of the API's request body (API §3)."""
    data = {
        column: value.strip().lower() if column in CASE_FREE_COLUMNS else value
        for column, value in values.items()
        if column not in CHILD_COLUMNS
    }
    data["child"] = {column: value for column, value in values.items() if column in CHILD_COLUMNS}
    return data


def _serializer_errors(errors):
    """DRF's nested errors by CSV column: the child's fields are columns of their own."""
    flat = {}
    for field, messages in errors.items():
        if isinstance(messages, dict):
            flat.update(_serializer_errors(messages))
        else:
            flat["row" if field == "non_field_errors" else field] = [str(m) for m in messages]
    return flat


def _service_errors(error):
    """The service's ValidationError by CSV column; what is not about one column is about the row."""
    flat = {}
    for field, messages in (error.message_dict if hasattr(error, "error_dict") else {"row": error.messages}).items():
        flat.setdefault(field if field in COLUMNS else "row", []).extend(messages)
    return flat


def _row_store(row, *, actor, authority, upload):
    """Answers (created, errors): created is None when the row was refused."""
    if row["extra"]:
        return None, {"row": ["This row has more values than the header row has columns."]}
    serializer = NotificationInput(data=_serializer_data(row["values"]))
    if not serializer.is_valid():
        return None, _serializer_errors(serializer.errors)
    try:
        with transaction.atomic():
            _, created = notification_receive(
                sender=actor, authority=authority, upload=upload, **serializer.to_service_fields()
            )
    except ValidationError as error:
        return None, _service_errors(error)
    return created, {}


def notifications_import(*, actor, filename, rows):
    """Store each row as a police notification and answer the NotificationUpload that reports on them.

    Each row commits on its own (a savepoint when called inside a transaction) rather than the file
    as one transaction: a long file then never holds children's locks from the triage queue, and
    uploading the same file again after an interruption is safe because re-sent rows only count
    as duplicates.
    """
    authority = authority_for(actor)
    upload = NotificationUpload.objects.create(uploaded_by=actor, filename=filename[:255], rows_total=len(rows))
    for row in rows:
        created, errors = _row_store(row, actor=actor, authority=authority, upload=upload)
        if created:
            upload.rows_created += 1
        elif created is not None:
            upload.rows_duplicate += 1
        else:
            source_ref = row["values"].get("source_ref", "").strip()[:64]
            upload.row_errors.append({"row": row["row"], "source_ref": source_ref, "errors": errors})
    with transaction.atomic():
        upload.save(update_fields=["rows_created", "rows_duplicate", "row_errors"])
        audit_event_record(
            actor=actor,
            verb="notifications.uploaded",
            obj=upload,
            data={
                "filename": upload.filename,
                "rows_total": upload.rows_total,
                "rows_created": upload.rows_created,
                "rows_duplicate": upload.rows_duplicate,
                "rows_refused": len(upload.row_errors),
            },
        )
    return upload
