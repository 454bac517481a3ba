"""Writes for panels and their meetings. One transaction each; validate before writing; audit in
the same transaction; the meeting's clocks are reconciled explicitly after each change they read."""

from datetime import date, datetime, time, timedelta

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from casework.audit import audit_event_record
from casework.calendar import LONDON
from casework.errors import ConflictError, PermissionDeniedError
from casework.models import AgencyKind, User
from casework.outbox import email_enqueue
from missing.models import MissingEpisode

from .clocks import meeting_clocks_reconcile, meeting_deadlines_complete
from .hooks import outstanding_actions
from .models import (
    AgencyUpdate,
    Attendance,
    Frequency,
    Meeting,
    MeetingChild,
    MeetingStatus,
    Panel,
    PanelListEntry,
    PanelMember,
    Rating,
    RatingValue,
)
from .permissions import PANEL_ROLES, chairs
from .rules import may_leave_list


def _authority_agencies(authority, agencies, errors):
    agencies = list(agencies)
    if any(a.authority_id != authority.pk for a in agencies):
        errors.setdefault("member_agencies", []).append("Every member agency must belong to your authority.")
    return agencies


@transaction.atomic
def panel_create(*, actor, authority, name, frequency, member_agencies, quorum_agency_kinds=None, chair=None,
                 co_chair=None):
    errors = {}
    name = (name or "").strip()
    if not name:
        errors["name"] = ["Name the panel."]
    elif Panel.objects.filter(authority=authority, name__iexact=name).exists():
        errors["name"] = ["Your authority already has a panel with this name."]
    if frequency not in Frequency.values:
        errors["frequency"] = [f"Choose one of: {', '.join(Frequency.values)}."]
    agencies = _authority_agencies(authority, member_agencies, errors)
    if not agencies:
        errors.setdefault("member_agencies", []).append("Name at least one member agency.")
    kinds = quorum_agency_kinds if quorum_agency_kinds is not None else Panel._meta.get_field(
        "quorum_agency_kinds").get_default()
    unknown = sorted(set(kinds) - set(AgencyKind.values))
    if unknown:
        errors["quorum_agency_kinds"] = [f"Unknown agency kind: {', '.join(unknown)}."]
    chair = chair if chair is not None else (actor if actor.is_authenticated and actor.agency_id else None)
    if errors:
        raise ValidationError(errors)
    panel = Panel.objects.create(authority=authority, name=name, frequency=frequency, quorum_agency_kinds=list(kinds),
                                 chair=chair, co_chair=co_chair)
    PanelMember.objects.bulk_create(PanelMember(panel=panel, agency=agency) for agency in agencies)
    audit_event_record(actor=actor, verb="panel.created", obj=panel,
                       data={"members": [str(a.pk) for a in agencies]})
    return panel


def _check_start(starts_at, now, errors):
    if starts_at is None:
        errors["starts_at"] = ["Give the date and time of the meeting."]
    elif starts_at <= now:
        errors["starts_at"] = ["A meeting is scheduled in the future."]


@transaction.atomic
def meeting_create(*, actor, panel, starts_at):
    errors = {}
    _check_start(starts_at, timezone.now(), errors)
    if errors:
        raise ValidationError(errors)
    try:
        with transaction.atomic():
            meeting = Meeting.objects.create(panel=panel, starts_at=starts_at)
    except IntegrityError:
        raise ValidationError({"starts_at": ["This panel already meets at that time."]}) from None
    audit_event_record(actor=actor, verb="meeting.scheduled", obj=meeting, data={"starts_at": starts_at.isoformat()})
    meeting_clocks_reconcile(meeting)
    return meeting


def nth_weekday(year, month, weekday, nth):
    """The nth (1-4, or -1 for the last) weekday (0=Monday) of a month: 'third Wednesday'."""
    first = date(year, month, 1)
    if nth > 0:
        offset = (weekday - first.weekday()) % 7
        return first + timedelta(days=offset + 7 * (nth - 1))
    next_month = date(year + month // 12, month % 12 + 1, 1)
    last = next_month - timedelta(days=1)
    return last - timedelta(days=(last.weekday() - weekday) % 7)


def series_times(*, frequency, weekday, at, count, start, nth=None):
    """Start times of `count` meetings from `start` (a date): weekly on `weekday`, or monthly on
    the `nth` `weekday` (e.g. the third Wednesday), at local time `at`."""
    found = []
    if frequency == Frequency.WEEKLY:
        day = start + timedelta(days=(weekday - start.weekday()) % 7)
        while len(found) < count:
            found.append(day)
            day += timedelta(days=7)
    else:
        year, month = start.year, start.month
        while len(found) < count:
            day = nth_weekday(year, month, weekday, nth or 1)
            if day >= start:
                found.append(day)
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return [datetime.combine(day, at, tzinfo=LONDON) for day in found]


@transaction.atomic
def meeting_series_create(*, actor, panel, weekday, at, count, start, nth=None):
    if not 1 <= count <= 24:
        raise ValidationError({"count": ["Schedule between 1 and 24 meetings at once."]})
    if not isinstance(weekday, int) or not 0 <= weekday <= 6:
        raise ValidationError({"weekday": ["Choose a day of the week."]})
    made = []
    for starts_at in series_times(frequency=panel.frequency, weekday=weekday, at=at, count=count, start=start, nth=nth):
        if not Meeting.objects.filter(panel=panel, starts_at=starts_at).exists():
            made.append(meeting_create(actor=actor, panel=panel, starts_at=starts_at))
    return made


def _lock(meeting):
    return Meeting.objects.select_for_update(of=("self",)).select_related("panel").get(pk=meeting.pk)


def _not_ended(meeting):
    if meeting.status == MeetingStatus.ENDED:
        raise ConflictError("This meeting has ended: its record can no longer change.")


@transaction.atomic
def meeting_list_child(*, actor, meeting, child):
    """Put a child on a meeting's part 2 list, and on the panel's list (F3) if not already there."""
    meeting = _lock(meeting)
    _not_ended(meeting)
    if child.authority_id != meeting.panel.authority_id:
        raise ValidationError({"child": ["This child belongs to another authority."]})
    entry, created = MeetingChild.objects.get_or_create(meeting=meeting, child=child)
    if not PanelListEntry.objects.filter(panel=meeting.panel, child=child, removed_at__isnull=True).exists():
        PanelListEntry.objects.create(panel=meeting.panel, child=child, added_at=timezone.now())
    if created:
        audit_event_record(actor=actor, verb="meeting.child_listed", obj=meeting, child_id=child.pk)
    return entry


@transaction.atomic
def meeting_publish_list(*, actor, meeting):
    """P3: the part 2 list is published to members."""
    meeting = _lock(meeting)
    _not_ended(meeting)
    if meeting.list_published_at is None:
        meeting.list_published_at = timezone.now()
        meeting.save(update_fields=["list_published_at"])
        audit_event_record(actor=actor, verb="meeting.list_published", obj=meeting,
                           data={"children": meeting.listed.count()})
        meeting_deadlines_complete(meeting, "P3", actor=actor, note="List published.")
    return meeting


@transaction.atomic
def meeting_papers_sent(*, actor, meeting):
    """P5: the papers pack went to members."""
    meeting = _lock(meeting)
    meeting_deadlines_complete(meeting, "P5", actor=actor, note="Papers pack sent to members.")
    audit_event_record(actor=actor, verb="meeting.papers_sent", obj=meeting)
    return meeting


def _member_agency(meeting, agency):
    return PanelMember.objects.filter(panel=meeting.panel, agency=agency).exists()


@transaction.atomic
def agency_update_record(*, actor, meeting, child, text):
    """P4: a member agency's research and update on a listed child."""
    meeting = _lock(meeting)
    _not_ended(meeting)
    errors = {}
    if not (text or "").strip():
        errors["text"] = ["Write the agency's update."]
    if not actor.agency_id or not _member_agency(meeting, actor.agency):
        raise PermissionDeniedError("Only a member agency of the panel writes an update.")
    if not MeetingChild.objects.filter(meeting=meeting, child=child).exists():
        errors["child"] = ["This child is not on the meeting's list."]
    if errors:
        raise ValidationError(errors)
    update, _ = AgencyUpdate.objects.update_or_create(
        meeting=meeting, child=child, agency=actor.agency,
        defaults={"text": text.strip(), "written_by": actor, "written_at": timezone.now()},
    )
    audit_event_record(actor=actor, verb="meeting.agency_update", obj=update, child_id=child.pk)
    return update


@transaction.atomic
def attendance_record(*, actor, meeting, user, present=True, confidentiality_agreed=False, apology_update=""):
    """Who came (the chair takes it; each attendee may record their own) and the confidentiality
    agreement (P7), which only the attendee gives, for themselves. An apology brings a written
    update (P16)."""
    meeting = _lock(meeting)
    _not_ended(meeting)
    panel = meeting.panel
    errors = {}
    if user is None or not user.is_active or user.agency_id is None:
        errors["user"] = ["Choose an active member of the panel."]
    elif not (
        user.pk in (panel.chair_id, panel.co_chair_id)
        or (_member_agency(meeting, user.agency) and PANEL_ROLES & set(user.roles or []))
    ):
        errors["user"] = ["This person is not a member of the panel."]
    if errors:
        raise ValidationError(errors)
    if user.pk != actor.pk and not chairs(actor, panel):
        raise PermissionDeniedError("Each attendee records their own attendance; the chair takes the register.")
    if confidentiality_agreed and user.pk != actor.pk:
        raise PermissionDeniedError("Only the attendee can agree to the confidentiality statement, for themselves.")
    if not present and not (apology_update or "").strip():
        raise ValidationError({"apology_update": ["An apology comes with the agency's written update (P16)."]})
    if confidentiality_agreed and not present:
        raise ValidationError({"confidentiality_agreed": ["Only someone present agrees at the meeting."]})
    row, _ = Attendance.objects.get_or_create(meeting=meeting, user=user, defaults={"agency": user.agency})
    row.present = present
    row.apology_update = (apology_update or "").strip()
    if confidentiality_agreed and row.confidentiality_agreed_at is None:
        row.confidentiality_agreed_at = timezone.now()
    row.save()
    audit_event_record(actor=actor, verb="meeting.attendance", obj=meeting,
                       data={"user": str(user.pk), "present": present,
                             "confidentiality_agreed": row.confidentiality_agreed_at is not None})
    return row


@transaction.atomic
def rating_record(*, actor, meeting, child, rating, rationale):
    """P9: the chair records the RAG rating with its rationale; every rating is kept."""
    meeting = _lock(meeting)
    _not_ended(meeting)
    if not chairs(actor, meeting.panel):
        raise PermissionDeniedError("The chair records the ratings.")
    errors = {}
    if rating not in RatingValue.values:
        errors["rating"] = [f"Choose one of: {', '.join(RatingValue.values)}."]
    if not (rationale or "").strip():
        errors["rationale"] = ["Give the reason for the rating."]
    if not MeetingChild.objects.filter(meeting=meeting, child=child).exists():
        errors["child"] = ["This child is not on the meeting's list."]
    if errors:
        raise ValidationError(errors)
    row = Rating.objects.create(meeting=meeting, child=child, rating=rating, rationale=rationale.strip(),
                                recorded_by=actor, recorded_at=timezone.now())
    audit_event_record(actor=actor, verb="meeting.rating", obj=row, child_id=child.pk, data={"rating": rating})
    return row


@transaction.atomic
def decisions_record(*, actor, meeting, child, decisions):
    meeting = _lock(meeting)
    _not_ended(meeting)
    if not chairs(actor, meeting.panel):
        raise PermissionDeniedError("The chair records the decisions.")
    entry = MeetingChild.objects.filter(meeting=meeting, child=child).first()
    if entry is None:
        raise ValidationError({"child": ["This child is not on the meeting's list."]})
    entry.decisions = (decisions or "").strip()
    entry.save(update_fields=["decisions"])
    audit_event_record(actor=actor, verb="meeting.decisions", obj=meeting, child_id=child.pk)
    return entry


@transaction.atomic
def meeting_start(*, actor, meeting):
    meeting = _lock(meeting)
    if not chairs(actor, meeting.panel):
        raise PermissionDeniedError("The chair starts the meeting.")
    if meeting.status == MeetingStatus.SCHEDULED:
        meeting.status, meeting.started_at = MeetingStatus.IN_PROGRESS, timezone.now()
        meeting.save(update_fields=["status", "started_at"])
        audit_event_record(actor=actor, verb="meeting.started", obj=meeting)
    return meeting


@transaction.atomic
def meeting_end(*, actor, meeting):
    """The chair ends the meeting: its record is fixed, the minutes exist from it, and the clocks
    after it start (P12 minutes, P13 action plans, P14 feedback)."""
    meeting = _lock(meeting)
    if not chairs(actor, meeting.panel):
        raise PermissionDeniedError("The chair ends the meeting.")
    _not_ended(meeting)
    now = timezone.now()
    meeting.status, meeting.ended_at = MeetingStatus.ENDED, now
    meeting.started_at = meeting.started_at or now
    meeting.save(update_fields=["status", "ended_at", "started_at"])
    audit_event_record(actor=actor, verb="meeting.ended", obj=meeting)
    meeting_clocks_reconcile(meeting, now)
    return meeting


@transaction.atomic
def minutes_approve(*, actor, meeting):
    """P12: the chair approves the minutes and they are circulated to the members."""
    meeting = _lock(meeting)
    if not chairs(actor, meeting.panel):
        raise PermissionDeniedError("The chair approves the minutes.")
    if meeting.status != MeetingStatus.ENDED:
        raise ValidationError({"meeting": ["The minutes are approved after the meeting ends."]})
    if meeting.minutes_approved_at is None:
        meeting.minutes_approved_at, meeting.minutes_approved_by = timezone.now(), actor
        meeting.save(update_fields=["minutes_approved_at", "minutes_approved_by"])
        members = User.objects.filter(agency__in=meeting.panel.member_agencies.all(), is_active=True)
        addresses = [u.email for u in members if PANEL_ROLES & set(u.roles or [])]
        email_enqueue(subject=f"Minutes approved: {meeting}",
                      body="The minutes and action summary are in the product (part 2 is confidential).",
                      to=addresses)
        audit_event_record(actor=actor, verb="meeting.minutes_approved", obj=meeting)
        meeting_deadlines_complete(meeting, "P12", actor=actor, note="Minutes approved and circulated.")
    return meeting


@transaction.atomic
def child_plan_sent(*, actor, meeting, child, rule):
    """P13 (action plan to the lead professional) or P14 (feedback to professionals) done for a child."""
    if rule not in ("P13", "P14"):
        raise ValidationError({"rule": ["Choose P13 or P14."]})
    meeting = _lock(meeting)
    if not chairs(actor, meeting.panel):
        raise PermissionDeniedError("The chair records the action plan and feedback as sent.")
    done = meeting_deadlines_complete(meeting, rule, actor=actor, key=str(child.pk),
                                      note="Action plan sent." if rule == "P13" else "Feedback sent.")
    audit_event_record(actor=actor, verb=f"meeting.{rule.lower()}_sent", obj=meeting, child_id=child.pk)
    return done


def list_eligibility(panel, child_ids):
    """F3: for each child on the list, whether they may leave: no open action, no episode since listed."""
    entries = {e.child_id: e for e in PanelListEntry.objects.filter(panel=panel, child_id__in=child_ids,
                                                                    removed_at__isnull=True)}
    actions = outstanding_actions(list(entries), panel)
    since = {}
    for episode in MissingEpisode.objects.filter(child_id__in=list(entries)).only("child_id", "started_at"):
        entry = entries[episode.child_id]
        if episode.started_at > entry.added_at:
            since[episode.child_id] = since.get(episode.child_id, 0) + 1
    return {
        child_id: {
            "entry": entry,
            "open_actions": len(actions.get(child_id, [])),
            "episodes_since": since.get(child_id, 0),
            "may_leave": may_leave_list(open_actions=len(actions.get(child_id, [])),
                                        episodes_since_listed=since.get(child_id, 0)),
        }
        for child_id, entry in entries.items()
    }


@transaction.atomic
def list_remove(*, actor, panel, child, reason):
    """F3: the chair removes an eligible child from the panel's list, with a reason."""
    if not chairs(actor, panel):
        raise PermissionDeniedError("The chair removes children from the list.")
    if not (reason or "").strip():
        raise ValidationError({"reason": ["Give the reason the child leaves the list."]})
    state = list_eligibility(panel, [child.pk]).get(child.pk)
    if state is None:
        raise ValidationError({"child": ["This child is not on the panel's list."]})
    if not state["may_leave"]:
        raise ValidationError({"child": [
            f"The child stays on the list (F3): {state['open_actions']} open action(s), "
            f"{state['episodes_since']} episode(s) since listing."
        ]})
    entry = PanelListEntry.objects.select_for_update().get(pk=state["entry"].pk)
    entry.removed_at, entry.removed_by, entry.removal_reason = timezone.now(), actor, reason.strip()
    entry.save(update_fields=["removed_at", "removed_by", "removal_reason"])
    audit_event_record(actor=actor, verb="panel.child_removed", obj=panel, child_id=child.pk,
                       data={"reason": entry.removal_reason})
    return entry

