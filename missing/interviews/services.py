"""Writes for safe-and-well checks and return home interviews.

Each public function runs in one transaction, validates before it writes (a rejected request saves
nothing) and writes its audit row in the same transaction. An interview is offered by the product
itself the moment an episode's return is recorded (the episode service calls
`return_interview_on_return_changed` inside that transaction), so no return can go without one; a return that is withdrawn again leaves the owed
interview in the same way.
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import OuterRef, QuerySet, Subquery
from django.utils import timezone

from casework.audit import audit_event_record
from casework.models import AgencyKind
from casework.permissions import is_mash_coordinator
from casework.validation import acting_user, not_future, only_fields

from ..models import (
    INTERVIEW_TRANSITIONS,
    OWED_STATES,
    DeclinedBy,
    ExploitationIndicator,
    HarmIndicator,
    InterviewerRole,
    InterviewState,
    MissingEpisode,
    PullFactor,
    PushFactor,
    ReturnInterview,
    SafeAndWellCheck,
)
from ..clocks.kind import episode_deadlines_complete
from ..found import episodes_found_changed
from ..locks import locked_after_child
from ..report_months import months_changed

# Which agencies each kind of interviewer the child may choose works in.
ROLE_AGENCY_KINDS = {
    InterviewerRole.SOCIAL_WORKER: {AgencyKind.CHILDRENS_SOCIAL_CARE, AgencyKind.EARLY_HELP},
    InterviewerRole.TEACHER: {AgencyKind.EDUCATION},
    InterviewerRole.HEALTH: {AgencyKind.HEALTH},
    InterviewerRole.RHI_SERVICE: {AgencyKind.RETURN_INTERVIEW_SERVICE},
}
# Agencies whose staff a child may choose to hold their return home interview (seed 002 §9).
INTERVIEWER_AGENCY_KINDS = frozenset().union(*ROLE_AGENCY_KINDS.values())
RETURN_WITHDRAWN = "The return was withdrawn"
CONTENT_TEXT_FIELDS = (
    "push_other",
    "pull_other",
    "where_and_with_whom",
    "harm_experienced",
    "voice_of_child",
    "what_would_help",
    "police_intelligence",
)
CHOICE_LISTS = {
    "push_factors": PushFactor,
    "pull_factors": PullFactor,
    "exploitation_indicators": ExploitationIndicator,
}


def _clean_choice_list(errors, field, values, choices):
    if not isinstance(values, (list, tuple)):
        errors.setdefault(field, []).append("Give a list of choices.")
        return []
    unknown = sorted({str(v) for v in values} - set(choices.values))
    if unknown:
        errors.setdefault(field, []).append(f"Unknown choice: {', '.join(unknown)}.")
    return sorted(set(values))


def _required_text(errors, field, value, message):
    if not (value or "").strip():
        errors.setdefault(field, []).append(message)


def _lock(interview):
    """The interview, locked after its child (missing.locks): its services change the child's
    record as the episode services do."""
    return locked_after_child(ReturnInterview.objects.select_related("child"), interview.pk)


def _returns(interview):
    """When the child came back from each episode the interview covers (a withdrawn return is none)."""
    return [e.returned_at for e in interview.episodes.all() if e.returned_at is not None]


NO_RETURN = "None of the episodes this interview covers has a recorded return: record the return first."


def _complete_t1(interview, *, actor, note):
    """T1 is 'interview offered and held'; a refusal or an interview that cannot take place
    discharges the duty to offer, so the clock stops for every episode the interview covers."""
    for episode in interview.episodes.all():
        episode_deadlines_complete(episode=episode, rule="T1", actor=actor, note=note)


def _person(user):
    return user.get_full_name() or user.get_username()


def _check_move(interview, target):
    if target not in INTERVIEW_TRANSITIONS[interview.state]:
        raise ValidationError(
            {
                "state": [
                    f"An interview that is {interview.get_state_display().lower()} "
                    f"cannot be {target.label.lower()}."
                ]
            }
        )


def _arranged(interview, actor):
    """The first person to act on the offer is the one who arranged it (a letter follows if MASH did)."""
    if interview.arranged_by_id is None and acting_user(actor):
        interview.arranged_by = actor
        interview.arranged_by_mash_coordinator = is_mash_coordinator(actor)


def _figures_changed(interview):
    """The dashboard's kept figures of the month the interview was offered in (missing.report_months)."""
    months_changed(interview.authority_id, [interview.offered_at])


def interviews_first_return_keep(interviews):
    """Keep these interviews' first return (ReturnInterview.first_returned_at): the earliest return
    of the episodes each covers, None once it covers none. One UPDATE; every write that adds or
    removes a covered episode, or moves a covered episode's return, calls it in its transaction.
    `interviews`: a queryset, or the instances in hand, which take the kept value too (a later save
    of one must not write back the value it was read with)."""
    held = [] if isinstance(interviews, QuerySet) else list(interviews)
    chosen = interviews if isinstance(interviews, QuerySet) else ReturnInterview.objects.filter(pk__in=[i.pk for i in held])
    covered = ReturnInterview.episodes.through.objects.filter(
        returninterview_id=OuterRef("pk"), missingepisode__returned_at__isnull=False
    )
    earliest = covered.order_by("missingepisode__returned_at").values("missingepisode__returned_at")[:1]
    with transaction.atomic(savepoint=False):  # the services' own transaction; one of its own if called alone
        # Locked first: a concurrent change to another of the interview's episodes commits before the
        # UPDATE starts, and the UPDATE's own snapshot then sees it (an UPDATE that waited on the row
        # instead would work the minimum out from what it saw before the wait).
        ids = list(chosen.order_by("pk").select_for_update(of=("self",)).values_list("pk", flat=True))
        rows = ReturnInterview.objects.filter(pk__in=ids)
        rows.update(first_returned_at=Subquery(earliest))
    if held:
        kept = dict(rows.values_list("pk", "first_returned_at"))
        for interview in held:
            interview.first_returned_at = kept[interview.pk]


# Offering on return ----------------------------------------------------------------------------


@transaction.atomic
def return_interview_offer_for_return(*, actor, episode):
    """T1: every return is offered an interview. A child who went missing again before the owed
    interview was held has the new episode added to it rather than a second interview."""
    if episode.returned_at is None or episode.return_interviews.exists():
        return None
    owed = (
        ReturnInterview.objects.select_for_update().filter(child_id=episode.child_id, state__in=OWED_STATES).first()
    )
    if owed is not None:
        owed.episodes.add(episode)
        audit_event_record(
            actor=actor,
            verb="return_interview.episode_added",
            obj=owed,
            child_id=episode.child_id,
            data={"episode": str(episode.pk)},
        )
        return owed
    child = episode.child
    interview = ReturnInterview.objects.create(
        child=child,
        state=InterviewState.OFFERED,
        offered_at=timezone.now(),
        referrer=child.allocated_worker or acting_user(actor),
        first_returned_at=episode.returned_at,
    )
    interview.episodes.add(episode)
    _figures_changed(interview)
    audit_event_record(
        actor=actor,
        verb="return_interview.offered",
        obj=interview,
        child_id=child.pk,
        data={"episode": str(episode.pk)},
    )
    return interview


@transaction.atomic
def return_interview_withdraw_return(*, actor, episode):
    """An episode's return was cleared (it had been recorded in error, or the child is missing
    again): the owed interview no longer covers that episode. An owed interview left covering no
    episode is recorded as not possible, with the reason, so that what was arranged stays on the
    record; a return recorded again is offered afresh."""
    if episode.returned_at is not None:
        return None
    owed = (
        ReturnInterview.objects.select_for_update()
        .filter(episodes=episode, state__in=OWED_STATES)
        .select_related("child")
        .first()
    )
    if owed is None:
        return None
    owed.episodes.remove(episode)
    interviews_first_return_keep([owed])
    audit_event_record(
        actor=actor,
        verb="return_interview.episode_removed",
        obj=owed,
        child_id=episode.child_id,
        data={"episode": str(episode.pk), "reason": RETURN_WITHDRAWN},
    )
    if not owed.episodes.exists():
        return return_interview_not_possible(actor=actor, interview=owed, reason=RETURN_WITHDRAWN)
    return owed


def return_interview_on_return_changed(*, actor, episode):
    """The episode service calls this when an episode's return was recorded, moved or withdrawn."""
    if episode.returned_at is None:
        return_interview_withdraw_return(actor=actor, episode=episode)
    else:
        return_interview_offer_for_return(actor=actor, episode=episode)
    # The interviews covering the episode now (one it was just added to, or any, held or owed, whose
    # covered return moved) take their first return afresh; the withdrawal kept the one it left.
    interviews_first_return_keep(ReturnInterview.objects.filter(episodes=episode))


# The interview's life --------------------------------------------------------------------------


@transaction.atomic
def return_interview_accept(*, actor, interview, interviewer, interviewer_role):
    """The child accepts and chooses who interviews them, from professionals independent of their care."""
    interview = _lock(interview)
    _check_move(interview, InterviewState.ACCEPTED)
    errors = {}
    if interviewer_role not in InterviewerRole.values:
        errors.setdefault("interviewer_role", []).append(f"Choose one of: {', '.join(InterviewerRole.values)}.")
    if interviewer is None or not interviewer.is_active or not interviewer.agency_id:
        errors.setdefault("interviewer", []).append("Choose an active professional who belongs to an agency.")
    elif interviewer.agency.authority_id != interview.child.authority_id:
        errors.setdefault("interviewer", []).append("The interviewer must work for an agency of the child's authority.")
    elif (
        interviewer_role in InterviewerRole.values
        and interviewer.agency.kind not in ROLE_AGENCY_KINDS[interviewer_role]
    ):
        errors.setdefault("interviewer_role", []).append(
            f"{interviewer.agency.name} is not an agency where a "
            f"{InterviewerRole(interviewer_role).label.lower()} works."
        )
    if errors:
        raise ValidationError(errors)
    interview.state = InterviewState.ACCEPTED
    interview.interviewer = interviewer
    interview.interviewer_role = interviewer_role
    interview.interviewer_agency = interviewer.agency
    interview.accepted_at = timezone.now()
    _arranged(interview, actor)
    interview.save()
    audit_event_record(
        actor=actor,
        verb="return_interview.accepted",
        obj=interview,
        child_id=interview.child_id,
        data={"interviewer": str(interviewer.pk), "role": interviewer_role},
    )
    return interview


@transaction.atomic
def return_interview_decline(*, actor, interview, declined_by, refusal_learnt):
    """§13: a refusal records what was learnt in the refusal conversation and is fed back to the
    referrer (usually social care) to decide whether another agency can offer it."""
    interview = _lock(interview)
    _check_move(interview, InterviewState.DECLINED)
    errors = {}
    if declined_by not in DeclinedBy.values:
        errors.setdefault("declined_by", []).append(f"Choose one of: {', '.join(DeclinedBy.values)}.")
    _required_text(
        errors, "refusal_learnt", refusal_learnt, "Record what was learnt in the conversation about the refusal."
    )
    if errors:
        raise ValidationError(errors)
    now = timezone.now()
    interview.state = InterviewState.DECLINED
    interview.declined_at = now
    interview.declined_by = declined_by
    interview.refusal_learnt = refusal_learnt.strip()
    interview.routed_to = interview.referrer or interview.child.allocated_worker
    interview.routed_at = now
    _arranged(interview, actor)
    interview.save()
    _figures_changed(interview)
    audit_event_record(
        actor=actor, verb="return_interview.declined", obj=interview, child_id=interview.child_id,
        data={"declined_by": declined_by},
    )
    audit_event_record(
        actor=actor,
        verb="return_interview.refusal_fed_back",
        obj=interview,
        child_id=interview.child_id,
        data={"routed_to": str(interview.routed_to_id) if interview.routed_to_id else "mash"},
    )
    fed_back_to = _person(interview.routed_to) if interview.routed_to_id else "the MASH"
    _complete_t1(
        interview,
        actor=actor,
        note=f"Declined: {DeclinedBy(declined_by).label} — fed back to {fed_back_to}",
    )
    return interview


@transaction.atomic
def return_interview_not_possible(*, actor, interview, reason):
    """The interview cannot take place (the child moved away, is in custody...): recorded with the
    reason, and T1 is done for every episode it covers, as after a refusal."""
    interview = _lock(interview)
    _check_move(interview, InterviewState.NOT_POSSIBLE)
    errors = {}
    _required_text(errors, "reason", reason, "Say why the interview cannot take place.")
    if errors:
        raise ValidationError(errors)
    interview.state = InterviewState.NOT_POSSIBLE
    interview.not_possible_reason = reason.strip()
    interview.save()
    _figures_changed(interview)
    audit_event_record(actor=actor, verb="return_interview.not_possible", obj=interview, child_id=interview.child_id)
    _complete_t1(interview, actor=actor, note=f"Not possible: {interview.not_possible_reason}")
    return interview


@transaction.atomic
def return_interview_reoffer(*, actor, interview):
    """After a refusal is fed back, the referrer may have another professional offer it again.

    T1 stays done: the refusal (or the interview that could not take place) discharged the duty
    to offer within the 72 hours, and offering again is over and above it."""
    interview = _lock(interview)
    _check_move(interview, InterviewState.OFFERED)
    if not _returns(interview):
        raise ValidationError({"state": [NO_RETURN]})
    others = ReturnInterview.objects.filter(child_id=interview.child_id, state__in=OWED_STATES).exclude(pk=interview.pk)
    if others.exists():
        raise ValidationError({"state": ["Another return interview is already owed to this child: offer that one."]})
    interview.state = InterviewState.OFFERED
    interview.interviewer = None
    interview.interviewer_role = ""
    interview.interviewer_agency = None
    interview.accepted_at = None
    interview.save()
    _figures_changed(interview)
    audit_event_record(actor=actor, verb="return_interview.reoffered", obj=interview, child_id=interview.child_id)
    return interview


@transaction.atomic
def return_interview_complete(*, actor, interview, held_at, **content):
    """Record the interview as held. Closes T1 for every episode it covers."""
    interview = _lock(interview)
    _check_move(interview, InterviewState.COMPLETED)
    only_fields(content, set(CONTENT_TEXT_FIELDS) | set(CHOICE_LISTS))
    errors = {}
    now = timezone.now()
    if held_at is None:
        errors.setdefault("held_at", []).append("Say when the interview was held.")
    else:
        not_future(errors, "held_at", held_at, now, "The time the interview was held")
        returns = _returns(interview)
        if not returns:
            errors.setdefault("state", []).append(NO_RETURN)
        elif held_at < max(returns):
            errors.setdefault("held_at", []).append("The interview cannot be held before the child's return.")
    cleaned = {
        field: _clean_choice_list(errors, field, content.get(field, []), choices)
        for field, choices in CHOICE_LISTS.items()
    }
    cleaned.update({field: (content.get(field) or "").strip() for field in CONTENT_TEXT_FIELDS})
    _required_text(
        errors,
        "voice_of_child",
        cleaned["voice_of_child"],
        "Record the child's own words, or that they chose not to say.",
    )
    if errors:
        raise ValidationError(errors)
    for field, value in cleaned.items():
        setattr(interview, field, value)
    interview.state = InterviewState.COMPLETED
    interview.held_at = held_at
    interview.save()
    _figures_changed(interview)
    audit_event_record(actor=actor, verb="return_interview.completed", obj=interview, child_id=interview.child_id)
    episodes_found_changed(interview.episodes.values_list("pk", flat=True))
    for episode in interview.episodes.all():
        episode_deadlines_complete(
            episode=episode,
            rule="T1",
            actor=actor,
            note="Return home interview held.",
            completed_at=held_at,
        )
    return interview


@transaction.atomic
def return_interview_share_intelligence(*, actor, interview, police_intelligence=None):
    """§13: passing what the child told us to the police is a deliberate act, and logged."""
    interview = _lock(interview)
    if interview.state not in (InterviewState.COMPLETED, InterviewState.DECLINED):
        raise ValidationError(
            {"state": ["Intelligence is passed on once the interview is held or the refusal conversation recorded."]}
        )
    if police_intelligence is not None:
        interview.police_intelligence = police_intelligence.strip()
    if not interview.police_intelligence:
        raise ValidationError({"police_intelligence": ["Record the intelligence to pass to the police."]})
    interview.intelligence_shared_at = timezone.now()
    interview.intelligence_shared_by = acting_user(actor)
    interview.save()
    audit_event_record(
        actor=actor,
        verb="return_interview.intelligence_shared",
        obj=interview,
        child_id=interview.child_id,
        data={"to": "police", "intelligence": interview.police_intelligence},
    )
    return interview


@transaction.atomic
def return_interview_letter_record(*, actor, interview):
    """§13: the follow-up letter after a refusal, where the MASH coordinator arranged the interview."""
    if interview.state != InterviewState.DECLINED or not interview.arranged_by_mash_coordinator:
        raise ValidationError(
            {"letter": ["A follow-up letter goes only after a refusal of an interview the MASH coordinator arranged."]}
        )
    audit_event_record(actor=actor, verb="return_interview.letter_produced", obj=interview, child_id=interview.child_id)


# Safe-and-well checks --------------------------------------------------------------------------


@transaction.atomic
def safe_and_well_check_record(
    *,
    actor,
    episode,
    officer,
    checked_at,
    where_found,
    with_whom="",
    disclosures="",
    harm_indicators=(),
    harm_details="",
):
    episode = MissingEpisode.objects.select_for_update().get(pk=episode.pk)
    errors = {}
    if episode.returned_at is None:
        errors.setdefault("episode", []).append("The child has not returned from this episode yet.")
    elif SafeAndWellCheck.objects.filter(episode=episode).exists():
        errors.setdefault("episode", []).append("A safe and well check is already recorded for this episode.")
    _required_text(errors, "officer", officer, "Say who carried out the check.")
    _required_text(errors, "where_found", where_found, "Say where the child was found.")
    if checked_at is None:
        errors.setdefault("checked_at", []).append("Say when the check was carried out.")
    else:
        not_future(errors, "checked_at", checked_at, timezone.now(), "The time of the check")
        if checked_at < episode.started_at:
            errors.setdefault("checked_at", []).append("The check cannot be before the episode began.")
    indicators = _clean_choice_list(errors, "harm_indicators", list(harm_indicators), HarmIndicator)
    if errors:
        raise ValidationError(errors)
    check = SafeAndWellCheck(
        episode=episode,
        officer=officer.strip(),
        checked_at=checked_at,
        where_found=where_found.strip(),
        with_whom=(with_whom or "").strip(),
        disclosures=(disclosures or "").strip(),
        harm_indicators=indicators,
        harm_details=(harm_details or "").strip(),
        recorded_by=actor,
    )
    check.full_clean(exclude=["episode", "recorded_by"])
    check.save()
    audit_event_record(actor=actor, verb="safe_and_well_check.recorded", obj=check, child_id=episode.child_id)
    return check
