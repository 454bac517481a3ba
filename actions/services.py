"""Writes for child meetings and actions. Each public function runs in one transaction, validates
everything before it writes (a refused request saves nothing, evidence files included) and writes
its audit row in the same transaction; the clock engine is told inside it.

The panels app records the actions its meetings agree through `action_create`, passing
`panel_meeting_id` (and, where the panel sets its own P15 number, `second_step_working_days`).
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from casework.audit import audit_event_record
from casework.calendar import local_date
from casework.clocks.services import clock_reconcile, deadlines_complete_for_subject
from casework.models import Deadline
from casework.models.clocks import LIVE_STATUSES
from casework.validation import acting_user, not_future
from missing.clocks.kind import EPISODE
from missing.locks import lock_child

from .clocks import ACTION, DIGEST, P15
from .evidence import evidence_check, evidence_delete, evidence_store
from .models import (
    MEETING_RULES,
    Action,
    ActionEvidence,
    ActionStatus,
    ActionUpdate,
    ChildMeeting,
    DigestSchedule,
    ExploitationRisk,
    HarmLevel,
    MeetingKind,
)

TEXT_LIMIT = 10000


def _required_text(errors, field, value, message, limit=TEXT_LIMIT):
    value = (value or "").strip()
    if not value:
        errors.setdefault(field, []).append(message)
    elif len(value) > limit:
        errors.setdefault(field, []).append(f"Keep this to {limit} characters or fewer.")
    return value


# Child meetings ---------------------------------------------------------------------------------


def _clean_attendees(errors, attendees):
    """Each attendee is a name, or {name, role?, agency?}; at least one."""
    cleaned = []
    if not isinstance(attendees, (list, tuple)) or not attendees:
        errors.setdefault("attendees", []).append("Say who attended.")
        return cleaned
    for item in attendees:
        if isinstance(item, str):
            item = {"name": item}
        if not isinstance(item, dict) or not str(item.get("name") or "").strip():
            errors.setdefault("attendees", []).append("Give each attendee's name.")
            return []
        cleaned.append(
            {key: str(item.get(key) or "").strip()[:200] for key in ("name", "role", "agency")}
        )
    return cleaned


def _complete_meeting_deadlines(meeting, *, actor):
    """Recording the meeting completes its deadline (T2, T3, T4, T5, T10) for every episode of the
    child whose clock for it is running and began before the meeting; the engine then starts what
    follows (the monthly plan reviews, T13, after a strategy meeting)."""
    rule = MEETING_RULES[meeting.kind]
    live = Deadline.objects.filter(
        subject_type=EPISODE, child_id=meeting.child_id, rule=rule, status__in=LIVE_STATUSES,
        counts_from__lte=meeting.held_at,
    )
    done = []
    note = f"{meeting.get_kind_display()} held {timezone.localtime(meeting.held_at):%d %b %Y %H:%M}, recorded."
    for episode_id in sorted(set(live.values_list("subject_id", flat=True))):
        done += deadlines_complete_for_subject(
            subject_type=EPISODE, subject_id=episode_id, rule=rule, actor=actor, note=note,
            completed_at=meeting.held_at,
        )
    return [str(row.pk) for row in done]


@transaction.atomic
def meeting_record(
    *, actor, child, kind, held_at, attendees, decisions, harm_level="", exploitation_risks=(), risk_summary="",
    section_47=None, review_date=None,
):
    """A strategy, multi-agency, missing-from-care, review or DCI meeting about one child. The child
    is locked first (missing.locks), as a correction to its episodes does: the meeting then completes
    deadlines of several of those episodes, each locked in turn."""
    lock_child(child.pk)
    now = timezone.now()
    errors = {}
    if kind not in MeetingKind.values:
        errors["kind"] = [f"Choose one of: {', '.join(MeetingKind.values)}."]
    if held_at is None:
        errors["held_at"] = ["Say when the meeting was held."]
    not_future(errors, "held_at", held_at, now, "The meeting")
    attendees = _clean_attendees(errors, attendees)
    decisions = _required_text(errors, "decisions", decisions, "Record the decisions made.")
    risk_summary = (risk_summary or "").strip()
    if len(risk_summary) > TEXT_LIMIT:
        errors.setdefault("risk_assessment", []).append(f"Keep this to {TEXT_LIMIT} characters or fewer.")
    if harm_level and harm_level not in HarmLevel.values:
        errors.setdefault("risk_assessment", []).append(f"Level of harm: one of {', '.join(HarmLevel.values)}.")
    unknown = sorted(set(exploitation_risks or ()) - set(ExploitationRisk.values))
    if unknown:
        errors.setdefault("risk_assessment", []).append(f"Unknown exploitation risk: {', '.join(unknown)}.")
    if review_date is not None and held_at is not None and review_date < local_date(held_at):
        errors["review_date"] = ["The review date cannot be before the meeting."]
    if errors:
        raise ValidationError(errors)
    meeting = ChildMeeting(
        child=child, kind=kind, held_at=held_at, attendees=attendees, harm_level=harm_level or "",
        exploitation_risks=sorted(set(exploitation_risks or ())), risk_summary=risk_summary, decisions=decisions,
        section_47=section_47, review_date=review_date, recorded_by=acting_user(actor),
    )
    meeting.full_clean()
    meeting.save()
    meeting.completed_deadlines = _complete_meeting_deadlines(meeting, actor=actor)
    meeting.save(update_fields=["completed_deadlines"])
    audit_event_record(
        actor=actor, verb="meeting.recorded", obj=meeting, child_id=child.pk,
        data={"kind": kind, "held_at": held_at.isoformat(), "completed": meeting.completed_deadlines},
    )
    return meeting


# Actions ----------------------------------------------------------------------------------------


def digest_schedule_ensure(authority_id):
    """The authority's weekly digest starts with its first action."""
    schedule, created = DigestSchedule.objects.get_or_create(authority_id=authority_id)
    if created:
        clock_reconcile(subject_type=DIGEST, subject_id=schedule.pk)
    return schedule


def _check_reference(errors, child, field, obj):
    if obj is not None and obj.child_id != child.pk:
        errors.setdefault(field, []).append("This is not about the same child.")


@transaction.atomic
def action_create(
    *, actor, child, owner_agency, description, success_measure, due_date, owner=None, meeting=None,
    return_interview=None, panel_meeting_id=None, second_step_working_days=None,
):
    """A SMART action (P10): what, how success is measured, which agency and who, by when. The owner
    agency becomes involved with the child (permissions.py), and the P15 chain starts."""
    now = timezone.now()
    errors = {}
    description = _required_text(errors, "description", description, "Say what is to be done.")
    success_measure = _required_text(
        errors, "success_measure", success_measure, "Say how everyone will know it is done."
    )
    if due_date is None:
        errors["due_date"] = ["Give the date it is due by."]
    elif due_date < local_date(now):
        errors["due_date"] = ["The due date cannot be in the past."]
    if owner_agency is None:
        errors["owner_agency"] = ["Say which agency owns the action."]
    elif owner_agency.authority_id != child.authority_id:
        errors["owner_agency"] = ["No agency with this id works in this child's authority."]
    if owner is not None and (owner.agency_id != getattr(owner_agency, "pk", None) or not owner.is_active):
        errors["owner"] = ["The named owner must be an active member of the owner agency."]
    _check_reference(errors, child, "meeting", meeting)
    _check_reference(errors, child, "return_interview", return_interview)
    if second_step_working_days is not None and second_step_working_days < 1:
        errors["second_step_working_days"] = ["At least one working day."]
    if errors:
        raise ValidationError(errors)
    action = Action(
        authority_id=child.authority_id, child=child, meeting=meeting, return_interview=return_interview,
        panel_meeting_id=panel_meeting_id, owner_agency=owner_agency, owner=owner, description=description,
        success_measure=success_measure, due_date=due_date, second_step_working_days=second_step_working_days,
        created_by=acting_user(actor), created_at=now,
    )
    action.full_clean()
    action.save(force_insert=True)
    clock_reconcile(subject_type=ACTION, subject_id=action.pk, now=now)
    digest_schedule_ensure(action.authority_id)
    audit_event_record(
        actor=actor, verb="action.created", obj=action, child_id=child.pk,
        data={
            "owner_agency": str(owner_agency.pk),
            "owner": str(owner.pk) if owner else None,
            "due_date": due_date.isoformat(),
            "meeting": str(action.agreed_at_reference) if action.agreed_at_reference else None,
        },
    )
    return action


def _check_status(errors, action, status):
    if status is None or status == action.status:
        return
    if status not in ActionStatus.values:
        errors["status"] = [f"Choose one of: {', '.join(ActionStatus.values)}."]
    elif not action.is_open:
        errors["status"] = [f"This action is {action.get_status_display().lower()}: its status cannot change again."]


@transaction.atomic
def action_update(*, actor, action, status=None, text="", evidence=None):
    """An entry on the action's timeline: what was done (`text`), a new status (done or cancelled
    ends the P15 chain), and a file of evidence. At least one of them."""
    action = Action.objects.select_for_update(of=("self",)).get(pk=action.pk)
    now = timezone.now()
    errors = {}
    text = (text or "").strip()
    if len(text) > TEXT_LIMIT:
        errors["update"] = [f"Keep this to {TEXT_LIMIT} characters or fewer."]
    _check_status(errors, action, status)
    changes_status = status is not None and status != action.status
    if not (text or changes_status or evidence is not None):
        errors["update"] = ["Say what has been done, or change the status."]
    if errors:
        raise ValidationError(errors)
    content_type = evidence_check(evidence) if evidence is not None else None
    if changes_status:
        action.status = status
        action.completed_at = now if status != ActionStatus.OPEN else None
        action.save(update_fields=["status", "completed_at", "updated_at"])
    update = ActionUpdate.objects.create(
        action=action, number=action.updates.count() + 1, at=now, by=acting_user(actor), status=action.status, text=text
    )
    if status == ActionStatus.DONE and changes_status:
        deadlines_complete_for_subject(
            subject_type=ACTION, subject_id=action.pk, rule=P15, actor=actor, note="The action was recorded done."
        )
    clock_reconcile(subject_type=ACTION, subject_id=action.pk, now=now)
    audit_event_record(
        actor=actor, verb="action.updated", obj=action, child_id=action.child_id,
        data={"status": action.status, "status_changed": changes_status, "update": str(update.pk)},
    )
    if evidence is not None:
        _evidence_save(actor=actor, action=action, update=update, upload=evidence, content_type=content_type, now=now)
    return action


def _evidence_save(*, actor, action, update, upload, content_type, now):
    """Written last, after every check and every other row: a failure removes the file again."""
    stored, digest = evidence_store(upload, action_id=action.pk)
    try:
        item = ActionEvidence.objects.create(
            action=action, update=update, stored_name=stored, original_name=(upload.name or "evidence")[-200:],
            content_type=content_type, size=upload.size, sha256=digest, uploaded_by=acting_user(actor),
            uploaded_at=now,
        )
        audit_event_record(
            actor=actor, verb="action.evidence_added", obj=item, child_id=action.child_id,
            data={"action": str(action.pk), "name": item.original_name, "size": item.size, "sha256": digest},
        )
    except Exception:
        evidence_delete(stored)
        raise
    return item


@transaction.atomic
def action_evidence_add(*, actor, action, upload):
    """Evidence on its own (the API's upload): checked before anything is written."""
    content_type = evidence_check(upload)
    action = Action.objects.select_for_update(of=("self",)).get(pk=action.pk)
    return _evidence_save(
        actor=actor, action=action, update=None, upload=upload, content_type=content_type, now=timezone.now()
    )


def evidence_download_record(*, actor, evidence):
    """Each download of evidence is in the audit log (the child's record access is logged too)."""
    audit_event_record(
        actor=actor, verb="action.evidence_downloaded", obj=evidence, child_id=evidence.action.child_id,
        data={"action": str(evidence.action_id)},
    )
