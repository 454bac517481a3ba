"""Everything the product holds about one child, part by part, registered by the apps that hold it.

One registry serves both ends of a record's life, so that what a subject access export shows and
what retention removes cannot drift apart: each `ChildDataPart` says how to `collect` its records
for the child (fields, with those to review for intelligence or third-party information before
disclosure) and how to `erase` them, or `anonymise` them where the numbers are kept for statistics.
Another app (panels' meetings, actions) registers its part with `register_child_data_part`; parts
are collected in `order` and erased in the reverse order, so a part that points at episodes or the
child (order above 10) is removed before them.
"""

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Callable

from django.db import models
from django.db.models import Q

from casework.clocks.services import deadlines_erase_for_child
from casework.models import AuditEvent, Deadline, Escalation, RecordAccess

from .clocks.kind import EPISODE
from .duplicates import duplicate_pairs_refresh
from .report_months import child_episode_months, child_months_changed, months_changed
from .models import (
    Child,
    EducationCase,
    EducationEnquiry,
    MissingEpisode,
    PoliceNotification,
    ReturnInterview,
    SafeAndWellCheck,
)

INTELLIGENCE = "intelligence"
THIRD_PARTY = "third_party"
REVIEW_REASONS = {
    INTELLIGENCE: "Police or partnership intelligence: review before disclosure",
    THIRD_PARTY: "May identify other people: review before disclosure",
}


@dataclass(frozen=True)
class ExportRecord:
    title: str
    fields: list  # [(name, label, value)]
    review: dict = field(default_factory=dict)  # {field name: INTELLIGENCE | THIRD_PARTY}


@dataclass(frozen=True)
class ChildDataPart:
    key: str
    title: str
    order: int
    collect: Callable  # collect(child) -> [ExportRecord]
    erase: Callable | None = None  # erase(child): delete this part's rows and their history
    anonymise: Callable | None = None  # anonymise(child): keep the rows, remove who the child is


_parts: dict[str, ChildDataPart] = {}


def register_child_data_part(part):
    _parts[part.key] = part
    return part


def child_data_parts():
    return sorted(_parts.values(), key=lambda p: (p.order, p.key))


# Turning a row into fields --------------------------------------------------------------------


def _value(obj, model_field):
    if model_field.choices:
        return getattr(obj, f"get_{model_field.name}_display")()
    if isinstance(model_field, models.ForeignKey):
        related = getattr(obj, model_field.name)
        if related is None:
            return None
        if hasattr(related, "get_username"):
            return related.get_full_name() or related.get_username()
        return str(related)
    return getattr(obj, model_field.attname)


def fields_of(obj, *, exclude=(), review=None):
    """Every stored field of a row, labelled, except `exclude` (ids and links shown elsewhere)."""
    skip = {"id", "child", *exclude}
    return ExportRecord(
        title=str(obj),
        fields=[
            (f.name, f.verbose_name[:1].upper() + f.verbose_name[1:], _value(obj, f))
            for f in obj._meta.concrete_fields
            if f.name not in skip
        ],
        review=dict(review or {}),
    )


def _many(values):
    return ", ".join(str(v) for v in values)


def _delete_history(model, ids):
    """Every historical version of these rows (django-simple-history), with the versions of their
    many-to-many fields, which simple-history does not remove by itself."""
    versions = model.history.model.objects.filter(id__in=ids)
    for relation in model.history.model._meta.related_objects:
        relation.related_model.objects.filter(**{f"{relation.field.name}__in": versions}).delete()
    versions.delete()


def _delete_with_history(model, rows):
    """The rows, then their history (last: simple-history records each deletion as a version)."""
    ids = list(rows.values_list("pk", flat=True))
    model.objects.filter(pk__in=ids).delete()
    _delete_history(model, ids)


# The missing app's own parts --------------------------------------------------------------------


def _record(child):
    record = fields_of(child, exclude=("authority",))
    return [ExportRecord(title=child.full_name, fields=[("id", "Record id", str(child.pk)), *record.fields])]


def _anonymise_record(child):
    """The record stays, so that counts of episodes stay right; nothing in it says who the child was.
    The records merged into it (N3) hold nothing else and are anonymised with it."""
    for record in Child.objects.filter(Q(pk=child.pk) | Q(merged_into=child)):
        Child.objects.filter(pk=record.pk).update(
            given_name="Anonymised",
            family_name=f"record {str(record.pk)[:8]}",
            date_of_birth=date(record.date_of_birth.year, 1, 1),
            police_person_id="",
            school="",
            allocated_worker=None,
            responsible_authority="",
        )
        _delete_history(Child, [record.pk])
        duplicate_pairs_refresh(record.pk)  # new names and date of birth: other likely pairs, or none
        child_months_changed(record)  # the date of birth, so the age bands, changed


def _erase_record(child):
    """The record, and those merged into it (N3), which would otherwise lose their pointer."""
    _delete_with_history(Child, Child.objects.filter(Q(pk=child.pk) | Q(merged_into=child)))


def _episodes(child):
    return [
        fields_of(e, review={"circumstances": THIRD_PARTY, "found_location": THIRD_PARTY})
        for e in child.episodes.select_related("created_by").order_by("started_at")
    ]


def _anonymise_episodes(child):
    episodes = MissingEpisode.objects.filter(child=child)
    _delete_history(MissingEpisode, list(episodes.values_list("pk", flat=True)))
    started = list(episodes.values_list("started_at", flat=True))
    episodes.update(circumstances="", found_location="", police_ref="")
    months_changed(child.authority_id, started)


def _erase_episodes(child):
    months = child_episode_months(child.pk)
    _delete_with_history(MissingEpisode, MissingEpisode.objects.filter(child=child))
    months_changed(child.authority_id, months)


def _notifications(child):
    return [
        fields_of(n, exclude=("authority", "episode", "upload"), review={"circumstances": INTELLIGENCE})
        for n in child.notifications.select_related("sent_by", "sender_agency", "triaged_by").order_by("received_at")
    ]


def _erase_notifications(child):
    _delete_with_history(PoliceNotification, PoliceNotification.objects.filter(child=child))


def _checks(child):
    return [
        fields_of(c, exclude=("episode",), review={
            "with_whom": THIRD_PARTY, "disclosures": THIRD_PARTY, "harm_details": THIRD_PARTY,
        })
        for c in SafeAndWellCheck.objects.filter(episode__child=child).select_related("recorded_by")
    ]


def _erase_checks(child):
    _delete_with_history(SafeAndWellCheck, SafeAndWellCheck.objects.filter(episode__child=child))


def _interviews(child):
    records = []
    interviews = child.return_interviews.select_related(
        "referrer", "arranged_by", "interviewer", "interviewer_agency", "routed_to", "intelligence_shared_by"
    ).prefetch_related("episodes")
    for interview in interviews:
        record = fields_of(interview, review={
            "where_and_with_whom": THIRD_PARTY, "harm_experienced": THIRD_PARTY, "refusal_learnt": THIRD_PARTY,
            "police_intelligence": INTELLIGENCE,
        })
        record.fields.append(("episodes", "Episodes covered", _many(interview.episodes.all())))
        records.append(record)
    return records


def _erase_interviews(child):
    offered = list(ReturnInterview.objects.filter(child=child).values_list("offered_at", flat=True))
    _delete_with_history(ReturnInterview, ReturnInterview.objects.filter(child=child))
    months_changed(child.authority_id, offered)


def _education(child):
    records = []
    for case in child.education_cases.select_related("agency", "officer", "opened_by").prefetch_related("enquiries"):
        records.append(fields_of(case, review={"contact_with": THIRD_PARTY, "contact_outcome": THIRD_PARTY}))
        records.extend(
            fields_of(enquiry, exclude=("case",), review={"outcome": THIRD_PARTY}) for enquiry in case.enquiries.all()
        )
    return records


def _erase_education(child):
    _delete_with_history(EducationEnquiry, EducationEnquiry.objects.filter(case__child=child))
    _delete_with_history(EducationCase, EducationCase.objects.filter(child=child))


def _deadlines(child):
    records = []
    rows = Deadline.objects.filter(child_id=child.pk).select_related("completed_by").order_by("due_at")
    fired = {}
    for escalation in Escalation.objects.filter(deadline__in=rows).order_by("fired_at"):
        fired.setdefault(escalation.deadline_id, []).append(
            f"{escalation.get_step_display()} {escalation.fired_at:%Y-%m-%d %H:%M} to "
            + _many(r.get("username") or r.get("email") or r.get("role") for r in escalation.recipients)
        )
    for row in rows:
        record = fields_of(row, exclude=("authority", "subject_type", "subject_id", "child_id", "params", "key"))
        record.fields.append(("escalations", "Notices and escalations", "; ".join(fired.get(row.pk, []))))
        records.append(record)
    return records


def _erase_deadlines(child):
    episodes = MissingEpisode.objects.filter(child=child).values_list("pk", flat=True)
    deadlines_erase_for_child(child_id=child.pk, subjects=[(EPISODE, pk) for pk in episodes])


def _ids_of(child):
    """The child's id and those of the records merged into it (N3): the append-only logs keep the id
    each row was written with."""
    return [child.pk, *Child.objects.filter(merged_into=child).values_list("pk", flat=True)]


def _access_log(child):
    return [
        ExportRecord(
            title=f"{access.at:%Y-%m-%d %H:%M}",
            fields=[("at", "When", access.at), ("user", "Who", access.user.get_username()),
                    ("channel", "Through", access.get_channel_display()), ("path", "Address", access.path),
                    ("query", "Searched for", access.query)],
        )
        for access in RecordAccess.objects.filter(child_id__in=_ids_of(child)).select_related("user").order_by("at")
    ]


def _audit(child):
    return [
        ExportRecord(
            title=f"{event.at:%Y-%m-%d %H:%M} {event.verb}",
            fields=[("at", "When", event.at), ("actor", "Who", event.actor.get_username() if event.actor else "The product"),
                    ("verb", "What", event.verb), ("object", "On", f"{event.object_type} {event.object_id}"),
                    ("data", "Details", event.data)],
        )
        for event in AuditEvent.objects.filter(child_id__in=_ids_of(child)).select_related("actor").order_by("at")
    ]


def register_parts():
    for part in (
        ChildDataPart("record", "The child's record", 0, _record, erase=_erase_record, anonymise=_anonymise_record),
        ChildDataPart("episodes", "Missing episodes", 10, _episodes, erase=_erase_episodes,
                      anonymise=_anonymise_episodes),
        ChildDataPart("notifications", "Police notifications", 20, _notifications, erase=_erase_notifications),
        ChildDataPart("safe_and_well_checks", "Safe and well checks", 30, _checks, erase=_erase_checks),
        ChildDataPart("return_interviews", "Return home interviews", 40, _interviews, erase=_erase_interviews),
        ChildDataPart("education", "Missing education", 50, _education, erase=_erase_education),
        ChildDataPart("deadlines", "Deadlines, notices and escalations", 60, _deadlines,
                      erase=_erase_deadlines),
        # The logs of who saw and changed the record are the audit trail: kept for the audit period.
        ChildDataPart("access_log", "Who opened the record", 90, _access_log),
        ChildDataPart("audit", "What was done on the record", 95, _audit),
    ):
        register_child_data_part(part)


def json_value(value):
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if value is None or isinstance(value, (str, int, float, bool, list, dict)):
        return value
    return str(value)
