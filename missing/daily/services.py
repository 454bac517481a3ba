"""Recording the daily risk management meeting's discussion of a child: audited, one transaction."""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from casework.audit import audit_event_record
from casework.calendar import local_date
from casework.validation import acting_user

from ..models import DailyRiskDiscussion, DailyRiskMeeting, DailyRiskOutcome


def daily_discussion_record(*, actor, authority, held_on, child, outcome, decision):
    """The meeting of `held_on` (made on its first discussion) discussed `child` and decided this."""
    errors = {}
    decision = (decision or "").strip()
    if not decision:
        errors["decision"] = ["Enter the decision."]
    if outcome not in DailyRiskOutcome.values:
        errors["outcome"] = ["Choose the outcome."]
    if child.authority_id != authority.pk:
        errors["child"] = ["This child is not on this authority's records."]
    if held_on > local_date(timezone.now()):
        errors["held_on"] = ["A meeting cannot be recorded for a day still to come."]
    if errors:
        raise ValidationError(errors)
    try:
        with transaction.atomic():
            meeting, created = DailyRiskMeeting.objects.get_or_create(
                authority=authority, held_on=held_on, defaults={"created_by": acting_user(actor)}
            )
            if created:
                audit_event_record(actor=actor, verb="daily_meeting.created", obj=meeting)
            discussion = DailyRiskDiscussion.objects.create(
                meeting=meeting, child=child, outcome=outcome, decision=decision,
                recorded_by=acting_user(actor), recorded_at=timezone.now(),
            )
            audit_event_record(
                actor=actor, verb="daily_meeting.discussed", obj=discussion, child_id=child.pk,
                data={"meeting": str(meeting.pk), "outcome": outcome},
            )
    except IntegrityError:
        raise ValidationError(
            {"child": [f"{child.full_name} is already recorded as discussed at this meeting."]}
        ) from None
    return discussion
