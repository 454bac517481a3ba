"""Police notifications from a CSV file: reading the file, checking its rows, storing one row.

A file that cannot be read as a whole (not UTF-8, not CSV, wrong header) is refused before
anything is stored. After that every row stands alone: a bad row is reported and never costs
the good ones, and a row sent before (same source_ref and kind, N1) is counted, not stored again.
The request does only the checks that need neither the database nor the API's parsing
(`row_shape_errors`); `row_store` gives each remaining row the API's checks and the API's service,
in the background (missing.uploads).
"""

import csv
import io
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction

from .api import NotificationInput
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


@dataclass(frozen=True)
class CsvFile:
    """The header's column names and the data rows as (spreadsheet row number, [text per value])."""

    columns: list
    rows: list


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


def csv_file_read(content):
    """The file's CsvFile; blank rows are left out.

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
    rows = [(index + 2, values) for index, values in enumerate(lines) if any(value.strip() for value in values)]
    if not rows:
        raise CsvFileError("The selected file has a header row but no notifications.")
    return CsvFile(columns=names, rows=rows)


def row_shape_errors(columns, values):
    """What is wrong with a row before its values are read: too many values, required ones left empty."""
    if len(values) > len(columns):
        return {"row": ["This row has more values than the header row has columns."]}
    given = dict(zip(columns, values))
    return {
        column: ["Enter a value: this column is required."]
        for column in REQUIRED_COLUMNS
        if not given.get(column, "").strip()
    }


def row_source_ref(columns, values):
    """The row's police reference as the report shows it."""
    return dict(zip(columns, values)).get("source_ref", "").strip()[:64]


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


def row_store(columns, values, *, sender, authority, upload, on_behalf_of=None):
    """Store one row (of the right shape) as a notification. Answers (created, errors): created is
    None when the row was refused, False when it was received before (N1).

    The row commits in a savepoint of its own, so a refused row never undoes the rows around it.
    """
    padded = values + [""] * (len(columns) - len(values))
    serializer = NotificationInput(data=_serializer_data(dict(zip(columns, padded))))
    if not serializer.is_valid():
        return None, _serializer_errors(serializer.errors)
    try:
        with transaction.atomic():
            _, created = notification_receive(
                sender=sender, authority=authority, upload=upload, on_behalf_of=on_behalf_of,
                **serializer.to_service_fields()
            )
    except ValidationError as error:
        return None, _service_errors(error)
    return created, {}
