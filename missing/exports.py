"""Subject access exports: everything held about one child (child_data.py), as a PDF to read and a
zip of JSON to process, with intelligence and third-party information marked for redaction review.

Asked for by an administrator of the child's authority, made by a background job (a broker that
is down delays it; the clock's pass picks it up), audited when asked for, made and downloaded.
"""

import io
import json
import zipfile
from datetime import date, datetime

from django.core.files.base import ContentFile
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone
from weasyprint import HTML

from casework.audit import audit_event_record
from casework.errors import PermissionDeniedError
from casework.jobs import JobKind, job_enqueue, register_job_kind
from casework.models import BackgroundJob
from casework.permissions import is_administrator

from .child_data import (
    REVIEW_REASONS,
    ChildDataPart,
    ExportRecord,
    child_data_parts,
    json_value,
    register_child_data_part,
)
from .models import SubjectAccessExport

EXPORT_JOB = "missing.subject_access_export"


def can_export_child(user, child):
    """Only an administrator of the child's own authority asks for or downloads an export."""
    return is_administrator(user) and user.agency_id is not None and user.authority_id == child.authority_id


@transaction.atomic
def subject_access_export_request(*, actor, child):
    if not can_export_child(actor, child):
        raise PermissionDeniedError("Only an administrator of the child's authority may export their data.")
    now = timezone.now()
    job = job_enqueue(kind=EXPORT_JOB, params={}, actor=actor)
    export = SubjectAccessExport.objects.create(child=child, requested_by=actor, requested_at=now, job=job)
    job.params = {"export": str(export.pk)}
    job.save(update_fields=["params"])
    audit_event_record(actor=actor, verb="subject_access.requested", obj=export, child_id=child.pk)
    return export


def _collect(child):
    parts = []
    for part in child_data_parts():
        records = part.collect(child)
        parts.append({"key": part.key, "title": part.title, "records": records})
    return parts


def _as_json(child, parts, produced_at):
    document = {
        "child": str(child.pk),
        "produced_at": produced_at.isoformat(),
        "review_reasons": REVIEW_REASONS,
        "parts": [],
    }
    for part in parts:
        document["parts"].append({
            "key": part["key"],
            "title": part["title"],
            "records": [
                {
                    "title": record.title,
                    "data": {name: json_value(value) for name, _, value in record.fields},
                    "redaction_review": [
                        {"field": name, "reason": reason} for name, reason in record.review.items()
                        if _display(dict((n, v) for n, _, v in record.fields).get(name)) is not None
                    ],
                }
                for record in part["records"]
            ],
        })
    return document


def _archive(document):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        manifest = {key: document[key] for key in ("child", "produced_at", "review_reasons")}
        manifest["parts"] = [{"key": p["key"], "title": p["title"], "file": f"{p['key']}.json",
                              "records": len(p["records"])} for p in document["parts"]]
        archive.writestr("manifest.json", json.dumps(manifest, indent=2, ensure_ascii=False))
        for part in document["parts"]:
            archive.writestr(f"{part['key']}.json", json.dumps(part, indent=2, ensure_ascii=False))
    return buffer.getvalue()


def _display(value):
    """A value as the PDF shows it: local times, Yes/No, lists joined; None when nothing is held."""
    if value is None or value == "" or value == [] or value == {}:
        return None
    if isinstance(value, datetime):
        return timezone.localtime(value).strftime("%d %b %Y %H:%M")
    if isinstance(value, date):
        return value.strftime("%d %b %Y")
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def _pdf(child, parts, produced_at):
    shown = [
        {
            "title": part["title"],
            "records": [
                {
                    "title": record.title,
                    "rows": [
                        (label, _display(value), record.review.get(name) if _display(value) is not None else None)
                        for name, label, value in record.fields
                    ],
                }
                for record in part["records"]
            ],
        }
        for part in parts
    ]
    html = render_to_string(
        "exports/subject_access.html",
        {"child": child, "parts": shown, "produced_at": produced_at, "reasons": REVIEW_REASONS},
    )
    return HTML(string=html).write_pdf()


def subject_access_export_build(job):
    """The background job: collect, render, store both files, audit. Runs in the job's savepoint."""
    # Only the export's row: joined, FOR UPDATE also locked the child's for the whole render, holding up
    # every change to the child and every new row naming it (an episode, a notification linked).
    export = SubjectAccessExport.objects.select_for_update(of=("self",)).select_related("child").get(
        pk=job.params["export"]
    )
    if export.is_ready:
        return {"export": str(export.pk), "already": True}
    child = export.child
    now = timezone.now()
    parts = _collect(child)
    document = _as_json(child, parts, now)
    records = sum(len(part["records"]) for part in document["parts"])
    marked = sum(len(r["redaction_review"]) for part in document["parts"] for r in part["records"])
    name = f"subject-access-{now:%Y%m%d-%H%M%S}-{str(export.pk)[:8]}"
    export.pdf.save(f"{name}.pdf", ContentFile(_pdf(child, parts, now)), save=False)
    export.archive.save(f"{name}.zip", ContentFile(_archive(document)), save=False)
    export.produced_at, export.records, export.marked_for_review = now, records, marked
    export.save()
    audit_event_record(actor=None, verb="subject_access.produced", obj=export, child_id=child.pk,
                       data={"records": records, "marked_for_review": marked})
    return {"export": str(export.pk), "records": records, "marked_for_review": marked}


@transaction.atomic
def subject_access_export_downloaded(*, actor, export, what):
    if not can_export_child(actor, export.child):
        raise PermissionDeniedError("Only an administrator of the child's authority may download this export.")
    audit_event_record(actor=actor, verb="subject_access.downloaded", obj=export, child_id=export.child_id,
                       data={"file": what})


def exports_of_child(child):
    return SubjectAccessExport.objects.filter(child=child).select_related("requested_by", "job")


def _exports(child):
    return [
        ExportRecord(
            title=str(export),
            fields=[("requested_at", "Asked for", export.requested_at),
                    ("requested_by", "By", export.requested_by.get_username()),
                    ("produced_at", "Produced", export.produced_at)],
        )
        for export in exports_of_child(child).order_by("requested_at")
    ]


def _erase_exports(child):
    """Retention: the export files go with the record (their audit entries stay)."""
    exports = list(SubjectAccessExport.objects.filter(child=child))
    for export in exports:
        for stored in (export.pdf, export.archive):
            if stored:
                stored.delete(save=False)
    SubjectAccessExport.objects.filter(pk__in=[e.pk for e in exports]).delete()
    BackgroundJob.objects.filter(pk__in=[e.job_id for e in exports]).delete()


def register():
    register_job_kind(JobKind(EXPORT_JOB, subject_access_export_build))
    register_child_data_part(
        ChildDataPart("subject_access_exports", "Subject access exports", 70, _exports, erase=_erase_exports)
    )

