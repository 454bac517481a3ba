"""Writes for children-missing-education cases. One transaction each, with its audit row."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from casework.audit import audit_event_record
from casework.calendar import local_date
from casework.models import Agency, AgencyKind
from casework.protocol_store import protocol_for
from casework.validation import not_future, only_fields

from ..locks import lock_child, locked_after_child
from ..models import EducationCase, EducationCaseKind, EducationEnquiry, EducationExit, Enquiry, MissingEpisode
from . import rules

NO_AGENCY = "Your account belongs to no agency: an education case needs the team that holds it."
CONTACT_FIELDS = {"contact_made_at", "contact_with", "contact_outcome", "safety_concerns", "referred_to_police_and_csc"}


def _validate_contact(case, errors, now):
    if case.contact_made_at is not None:
        not_future(errors, "contact_made_at", case.contact_made_at, now, "The contact")
        if "contact_made_at" not in errors and local_date(case.contact_made_at) < case.first_day:
            errors.setdefault("contact_made_at", []).append("The contact cannot be before day 1.")
    if case.safety_concerns and not case.referred_to_police_and_csc:
        errors.setdefault("referred_to_police_and_csc", []).append(
            "Where there are concerns for the child's safety, refer to the police and children's social care at once."
        )


def _lock(case):
    """The case, locked after its child (missing.locks), not with it in one statement (whose order
    of rows is the plan's)."""
    case = locked_after_child(EducationCase.objects.select_related("child"), case.pk)
    if not case.is_open:
        raise ValidationError({"non_field_errors": ["This case is closed."]})
    return case


def _episodes_since(child, first_day):
    """The child's missing episodes that were open on or after day 1."""
    return [
        e
        for e in MissingEpisode.objects.filter(child=child)
        if e.returned_at is None or local_date(e.returned_at) >= first_day
    ]


def _holding_agency(actor, child, agency, errors):
    """The education team that holds the case: the officer's own, or the one the MASH names.

    A MASH coordinator opens a case for the education team; their own agency is never the holder,
    so opening a case does not make the coordinator's whole agency involved with the child.
    """
    if actor.agency_id and actor.agency.kind == AgencyKind.EDUCATION:
        if agency is not None and agency.pk != actor.agency_id:
            errors.setdefault("agency", []).append("An education officer opens cases for their own team.")
        return actor.agency
    teams = Agency.objects.filter(authority_id=child.authority_id, kind=AgencyKind.EDUCATION)
    if agency is None:
        only = list(teams[:2])
        if len(only) == 1:
            return only[0]
        errors.setdefault("agency", []).append("Choose the education team that will hold the case.")
        return None
    if not teams.filter(pk=agency.pk).exists():
        errors.setdefault("agency", []).append("Choose an education team of the child's authority.")
        return None
    return agency


@transaction.atomic
def education_case_open(*, actor, child, kind, school, first_day, episodes=None, agency=None, **contact):
    only_fields(contact, CONTACT_FIELDS)
    now = timezone.now()
    errors = {}
    if actor.agency_id is None:
        errors.setdefault("non_field_errors", []).append(NO_AGENCY)
    holder = _holding_agency(actor, child, agency, errors) if actor.agency_id else None
    if kind not in EducationCaseKind.values:
        errors.setdefault("kind", []).append(f"Choose one of: {', '.join(EducationCaseKind.values)}.")
    if not (school or "").strip():
        errors.setdefault("school", []).append("Name the school.")
    if first_day is None:
        errors.setdefault("first_day", []).append("Give day 1: the first day the child did not attend.")
    elif first_day > local_date(now):
        errors.setdefault("first_day", []).append("Day 1 cannot be in the future.")
    lock_child(child.pk)  # two opens at once: the second waits and is told the first's case is open
    if EducationCase.objects.filter(child=child, closed_at__isnull=True).exists():
        errors.setdefault("child", []).append("This child already has an open missing education case.")
    if episodes is not None and any(e.child_id != child.pk for e in episodes):
        errors.setdefault("episodes", []).append("Only this child's own episodes can be linked.")
    case = EducationCase(
        child=child,
        kind=kind,
        school=(school or "").strip(),
        first_day=first_day,
        agency=holder,
        officer=actor if holder is not None and actor.agency_id == holder.pk else None,
        opened_by=actor,
        **contact,
    )
    if first_day is not None:
        _validate_contact(case, errors, now)
    if errors:
        raise ValidationError(errors)
    case.full_clean(exclude=["child", "agency", "officer", "opened_by"], validate_constraints=False)
    case.save()
    case.episodes.set(episodes if episodes is not None else _episodes_since(child, first_day))
    audit_event_record(actor=actor, verb="education_case.opened", obj=case, child_id=child.pk, data={"kind": kind})
    return case


@transaction.atomic
def education_case_record_contact(*, actor, case, **contact):
    """Day 1: the school's contact with the parents or carers."""
    only_fields(contact, CONTACT_FIELDS, verb="changed")
    case = _lock(case)
    for name, value in contact.items():
        setattr(case, name, value)
    errors = {}
    _validate_contact(case, errors, timezone.now())
    if errors:
        raise ValidationError(errors)
    case.save()
    audit_event_record(
        actor=actor, verb="education_case.contact_recorded", obj=case, child_id=case.child_id,
        data={"fields": sorted(contact)},
    )
    return case


@transaction.atomic
def education_enquiry_record(*, actor, case, item, done_on, outcome=""):
    """Days 2 to 28: one of the reasonable enquiries, made."""
    case = _lock(case)
    errors = {}
    if item not in Enquiry.values:
        errors.setdefault("item", []).append("Choose one of the reasonable enquiries.")
    elif case.enquiries.filter(item=item).exists():
        errors.setdefault("item", []).append("This enquiry is already recorded.")
    if done_on is None:
        errors.setdefault("done_on", []).append("Say when the enquiry was made.")
    elif done_on < case.first_day:
        errors.setdefault("done_on", []).append("An enquiry cannot be made before day 1.")
    elif done_on > local_date(timezone.now()):
        errors.setdefault("done_on", []).append("The date cannot be in the future.")
    if errors:
        raise ValidationError(errors)
    enquiry = EducationEnquiry.objects.create(
        case=case, item=item, done_on=done_on, outcome=(outcome or "").strip(), recorded_by=actor
    )
    audit_event_record(
        actor=actor, verb="education_case.enquiry_recorded", obj=case, child_id=case.child_id, data={"item": item}
    )
    return enquiry


@transaction.atomic
def education_case_remove_from_roll(*, actor, case, removed_on):
    """A child may not be removed from the school roll before the end of four weeks (§12)."""
    case = _lock(case)
    errors = {}
    protocol = protocol_for(case.child.authority_id)
    earliest = rules.earliest_roll_removal(case.first_day, protocol)
    days = protocol.cme_roll_removal_after_days
    period = "four weeks" if days == 28 else f"{days} days"
    if case.removed_from_roll_on is not None:
        errors.setdefault("removed_on", []).append("The child has already been removed from the roll.")
    elif removed_on is None:
        errors.setdefault("removed_on", []).append("Give the date of removal from the roll.")
    elif removed_on > local_date(timezone.now()):
        errors.setdefault("removed_on", []).append("The date cannot be in the future.")
    elif removed_on < earliest:
        errors.setdefault("removed_on", []).append(
            f"A child may not be removed from the school roll before the end of {period}: "
            f"the earliest date is {earliest:%d %B %Y} (day {rules.day_number(case.first_day, earliest)})."
        )
    if errors:
        raise ValidationError(errors)
    case.removed_from_roll_on = removed_on
    case.save()
    audit_event_record(actor=actor, verb="education_case.removed_from_roll", obj=case, child_id=case.child_id)
    return case


@transaction.atomic
def education_case_close(*, actor, case, exit, exit_note="", located_on=None):
    """Exactly three exits: located, a school place secured, or the national database."""
    case = _lock(case)
    errors = {}
    if exit not in EducationExit.values:
        errors.setdefault("exit", []).append(
            "Choose one of the three exits: located, school place secured or national database."
        )
    if located_on is not None:
        if exit != EducationExit.LOCATED:
            errors.setdefault("located_on", []).append("A located date goes only with the 'located' exit.")
        elif located_on < case.first_day or located_on > local_date(timezone.now()):
            errors.setdefault("located_on", []).append("The date must be between day 1 and today.")
    if errors:
        raise ValidationError(errors)
    case.exit = exit
    case.exit_note = (exit_note or "").strip()
    case.located_on = located_on
    case.closed_at = timezone.now()
    case.save()
    audit_event_record(
        actor=actor, verb="education_case.closed", obj=case, child_id=case.child_id, data={"exit": exit}
    )
    return case


def education_cases_link_episode(*, episode):
    """A child missing education who goes missing from home or care: the case sees the new episode.
    The episode service calls this when it records an episode."""
    for case in EducationCase.objects.filter(child_id=episode.child_id, closed_at__isnull=True):
        case.episodes.add(episode)
