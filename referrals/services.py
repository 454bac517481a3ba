"""Referring a child to a panel (P2, P17, P18) and the coordinator's decision on it."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from casework.audit import audit_event_record
from casework.outbox import email_enqueue
from casework.protocol_store import protocol_for
from panels.models import Meeting, MeetingStatus
from panels.rules import meeting_for_referral, panel_protocol
from panels.services import meeting_list_child

from .models import CseAssessment, Referral, ReferralStatus

DECISIONS = {"accept": ReferralStatus.ACCEPTED, "defer": ReferralStatus.DEFERRED, "decline": ReferralStatus.DECLINED}


def _upcoming(panel, after=None):
    meetings = Meeting.objects.filter(panel=panel, status=MeetingStatus.SCHEDULED).order_by("starts_at")
    return list(meetings.filter(starts_at__gt=after) if after else meetings)


@transaction.atomic
def referral_create(*, actor, child, panel, reason, risks="", cse_assessment="", suggested=False):
    """Place the referral on the earliest meeting whose referral deadline (P2) has not passed;
    `late` when it missed the nearest meeting's deadline."""
    now = timezone.now()
    errors = {}
    if not (reason or "").strip():
        errors["reason"] = ["Say why the child is referred."]
    if cse_assessment and cse_assessment not in CseAssessment.values:
        errors["cse_assessment"] = [f"Choose one of: {', '.join(CseAssessment.values)}."]
    if child.authority_id != panel.authority_id:
        errors["child"] = ["This child belongs to another authority."]
    protocol = panel_protocol(panel, protocol_for(panel.authority_id))
    meeting, late = meeting_for_referral(_upcoming(panel), now=now, protocol=protocol)
    if meeting is None and not errors:
        errors["panel"] = ["This panel has no meeting scheduled whose referrals are still open. Ask the chair to "
                           "schedule one."]
    if meeting is not None and Referral.objects.filter(meeting=meeting, child=child).exclude(
        status__in=[ReferralStatus.DECLINED, ReferralStatus.DEFERRED]
    ).exists():
        errors["child"] = ["This child is already referred to that meeting."]
    if errors:
        raise ValidationError(errors)
    referral = Referral.objects.create(
        child=child, panel=panel, meeting=meeting, reason=reason.strip(), risks=(risks or "").strip(),
        cse_assessment=cse_assessment, late=late, suggested=suggested, referred_by=actor,
    )
    audit_event_record(actor=actor, verb="referral.created", obj=referral, child_id=child.pk,
                       data={"meeting": str(meeting.pk), "late": late})
    return referral


@transaction.atomic
def referral_decide(*, actor, referral, decision, reason=""):
    """The coordinator accepts (the child is listed), defers (to the next meeting) or declines, with
    a reason for the last two; the referrer is told by email."""
    # Only the referral's own row: joined, FOR UPDATE also locked its meeting, panel and referrer's
    # user row, holding up anything else that writes them or a row naming them.
    referral = Referral.objects.select_for_update(of=("self",)).select_related(
        "meeting", "panel", "referred_by"
    ).get(pk=referral.pk)
    if decision not in DECISIONS:
        raise ValidationError({"decision": [f"Choose one of: {', '.join(DECISIONS)}."]})
    if referral.status != ReferralStatus.PENDING:
        raise ValidationError({"decision": [f"This referral was already {referral.get_status_display().lower()}."]})
    if decision != "accept" and not (reason or "").strip():
        raise ValidationError({"reason": ["Give the reason, for the referrer."]})
    now = timezone.now()
    if decision == "defer":
        later = _upcoming(referral.panel, after=referral.meeting.starts_at)
        if not later:
            raise ValidationError({"decision": ["There is no later meeting to defer to: schedule one first."]})
        referral.meeting = later[0]
        referral.status = ReferralStatus.PENDING
    else:
        referral.status = DECISIONS[decision]
    referral.decision_reason = (reason or "").strip()
    referral.decided_by, referral.decided_at = actor, now
    referral.save()
    if decision == "accept":
        meeting_list_child(actor=actor, meeting=referral.meeting, child=referral.child)
    audit_event_record(actor=actor, verb=f"referral.{decision}", obj=referral, child_id=referral.child_id,
                       data={"reason": referral.decision_reason, "meeting": str(referral.meeting_id)})
    outcome = {"accept": "accepted", "defer": "deferred to a later meeting", "decline": "declined"}[decision]
    email_enqueue(
        subject=f"Your referral to {referral.panel.name} was {outcome}",
        body=f"Your referral to {referral.panel.name} was {outcome}."
             + (f"\nReason: {referral.decision_reason}" if referral.decision_reason else "")
             + "\nThe details are in the product.",
        to=[referral.referred_by.email],
    )
    return referral
