"""Writes of panel intelligence. Each public function validates everything before it writes (a
refused request saves nothing), runs in one transaction and writes its audit row in it. Callers
have already decided the user may do this (permissions.py). The audit rows name the intelligence,
never a child: intelligence stays out of the child's own audit trail."""

import re

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from casework.audit import audit_event_record
from casework.calendar import local_date
from casework.validation import acting_user, only_fields

from . import found
from .models import (
    Association,
    Disruption,
    DisruptionStatus,
    EndType,
    EpisodePlace,
    Handling,
    IntelligenceEvaluation,
    Person,
    PersonRole,
    Place,
    PlaceKind,
    SourceEvaluation,
)
from .selectors import match_key

POSTCODE = re.compile(r"^[A-Z]{1,2}[0-9][A-Z0-9]? ?[0-9][A-Z]{2}$")
TEXT_LIMIT = 5000


def _text(errors, field, value, *, limit, required=False, message="Enter this."):
    value = (value or "").strip()
    if required and not value:
        errors.setdefault(field, []).append(message)
    elif len(value) > limit:
        errors.setdefault(field, []).append(f"Keep this to {limit} characters or fewer.")
    return value


def _choice(errors, field, value, choices, message):
    if value not in choices.values:
        errors.setdefault(field, []).append(f"{message}: one of {', '.join(choices.values)}.")
    return value


def _raise(errors):
    if errors:
        raise ValidationError(errors)


# Places ------------------------------------------------------------------------------------------


def _clean_place(errors, panel, fields, place=None):
    if "name" in fields:
        fields["name"] = _text(errors, "name", fields["name"], limit=200, required=True,
                               message="Give the place a name.")
        clash = Place.objects.filter(panel=panel, name__iexact=fields["name"])
        if place is not None:
            clash = clash.exclude(pk=place.pk)
        if fields["name"] and clash.exists():
            errors.setdefault("name", []).append("The panel already has a place with this name.")
    if "kind" in fields:
        _choice(errors, "kind", fields["kind"], PlaceKind, "Choose the type of place")
    if "address" in fields:
        fields["address"] = _text(errors, "address", fields["address"], limit=300)
    if "postcode" in fields:
        postcode = " ".join((fields["postcode"] or "").upper().split())
        if postcode and not POSTCODE.match(postcode):
            errors.setdefault("postcode", []).append("Enter a real postcode, like DM1 1AA, or leave it blank.")
        fields["postcode"] = postcode
    if "notes" in fields:
        fields["notes"] = _text(errors, "notes", fields["notes"], limit=TEXT_LIMIT)


def _set_keys(place):
    place.address_key = match_key(place.address)
    place.postcode_key = match_key(place.postcode)


PLACE_FIELDS = ("name", "kind", "address", "postcode", "notes")


@transaction.atomic
def place_create(*, actor, panel, name, kind, address="", postcode="", notes=""):
    fields = {"name": name, "kind": kind, "address": address, "postcode": postcode, "notes": notes}
    errors = {}
    _clean_place(errors, panel, fields)
    _raise(errors)
    place = Place(panel=panel, created_by=acting_user(actor), **fields)
    _set_keys(place)
    place.save()
    found.place_refresh(place)
    audit_event_record(actor=actor, verb="intelligence.place_created", obj=place)
    return place


@transaction.atomic
def place_update(*, actor, place, **fields):
    only_fields(fields, PLACE_FIELDS)
    errors = {}
    _clean_place(errors, place.panel, fields, place)
    _raise(errors)
    changed = sorted(name for name, value in fields.items() if getattr(place, name) != value)
    for name, value in fields.items():
        setattr(place, name, value)
    keys = (place.address_key, place.postcode_key)
    _set_keys(place)
    place.save(update_fields=[*fields, "address_key", "postcode_key"])  # found_count is found.py's to change
    if (place.address_key, place.postcode_key) != keys:  # what it is matched on changed
        found.place_refresh(place)
    audit_event_record(actor=actor, verb="intelligence.place_updated", obj=place, data={"fields": changed})
    return place


@transaction.atomic
def place_link_episode(*, actor, place, episode):
    """A person says a child was found at this place in this episode (counted from then on)."""
    if episode.child.authority_id != place.panel.authority_id:
        raise ValidationError({"episode": ["This episode is not one of the panel's authority."]})
    link, made = EpisodePlace.objects.get_or_create(place=place, episode=episode,
                                                    defaults={"linked_by": acting_user(actor)})
    if made:
        found.link_counted(place, episode)
        audit_event_record(actor=actor, verb="intelligence.episode_linked", obj=link,
                           data={"place": str(place.pk), "episode": str(episode.pk)})
    return link


# Persons of concern ------------------------------------------------------------------------------

PERSON_FIELDS = ("name", "role", "aliases", "date_of_birth", "description")


def _clean_person(errors, fields):
    if "name" in fields:
        fields["name"] = _text(errors, "name", fields["name"], limit=200, required=True, message="Give their name.")
    if "role" in fields:
        _choice(errors, "role", fields["role"], PersonRole, "Say why they are of concern")
    if "aliases" in fields:
        fields["aliases"] = _text(errors, "aliases", fields["aliases"], limit=300)
    if "description" in fields:
        fields["description"] = _text(errors, "description", fields["description"], limit=TEXT_LIMIT)
    born = fields.get("date_of_birth")
    if born is not None and born > local_date(timezone.now()):
        errors.setdefault("date_of_birth", []).append("The date of birth cannot be in the future.")


@transaction.atomic
def person_create(*, actor, panel, name, role, aliases="", date_of_birth=None, description=""):
    fields = {"name": name, "role": role, "aliases": aliases, "date_of_birth": date_of_birth,
              "description": description}
    errors = {}
    _clean_person(errors, fields)
    _raise(errors)
    person = Person.objects.create(panel=panel, created_by=acting_user(actor), **fields)
    audit_event_record(actor=actor, verb="intelligence.person_created", obj=person)
    return person


@transaction.atomic
def person_update(*, actor, person, **fields):
    only_fields(fields, PERSON_FIELDS)
    errors = {}
    _clean_person(errors, fields)
    _raise(errors)
    changed = sorted(name for name, value in fields.items() if getattr(person, name) != value)
    for name, value in fields.items():
        setattr(person, name, value)
    person.save()
    audit_event_record(actor=actor, verb="intelligence.person_updated", obj=person, data={"fields": changed})
    return person


# Associations ------------------------------------------------------------------------------------

GRADE_FIELDS = ("source_evaluation", "intelligence_evaluation", "handling")
ASSOCIATION_FIELDS = ("nature", "source", "source_date", *GRADE_FIELDS)


def _clean_end(errors, field, panel, end):
    """An end is (EndType, object): a child of the panel's authority, or the panel's adult or place."""
    kind, obj = end
    if kind not in EndType.values or obj is None:
        errors.setdefault(field, []).append("Choose a child, an adult or a place.")
        return False
    owner = obj.authority_id if kind == EndType.CHILD else obj.panel.authority_id
    if owner != panel.authority_id or (kind != EndType.CHILD and obj.panel_id != panel.pk):
        errors.setdefault(field, []).append("This is not one of the panel's children, adults or places.")
        return False
    return True


def _ordered_ends(errors, first, second):
    """Store each pair one way: a child before an adult before a place; two of a kind by id."""
    rank = {EndType.CHILD: 0, EndType.PERSON: 1, EndType.PLACE: 2}
    first, second = sorted([first, second], key=lambda end: (rank[end[0]], str(end[1].pk)))
    if first[0] == EndType.PLACE:
        errors.setdefault("to", []).append("Link a place to a child or an adult, not to another place.")
    elif first[0] == second[0] and first[1].pk == second[1].pk:
        errors.setdefault("to", []).append("Link two different people, or a person and a place.")
    return first, second


def _clean_association(errors, fields):
    if "nature" in fields:
        fields["nature"] = _text(errors, "nature", fields["nature"], limit=200, required=True,
                                 message="Say what links them.")
    if "source" in fields:
        fields["source"] = _text(errors, "source", fields["source"], limit=300, required=True,
                                 message="Say where the intelligence came from.")
    if "source_date" in fields:
        when = fields["source_date"]
        if when is None:
            errors.setdefault("source_date", []).append("Give the date of the intelligence.")
        elif when > local_date(timezone.now()):
            errors.setdefault("source_date", []).append("The date of the intelligence cannot be in the future.")
    for name, choices, message in (
        ("source_evaluation", SourceEvaluation, "Grade the source"),
        ("intelligence_evaluation", IntelligenceEvaluation, "Grade the intelligence"),
        ("handling", Handling, "Give the handling code"),
    ):
        if name in fields:
            _choice(errors, name, fields[name], choices, message)


@transaction.atomic
def association_create(*, actor, panel, first, second, nature, source, source_date, source_evaluation,
                       intelligence_evaluation, handling):
    """`first` and `second` are (EndType, object) pairs."""
    fields = {"nature": nature, "source": source, "source_date": source_date,
              "source_evaluation": source_evaluation, "intelligence_evaluation": intelligence_evaluation,
              "handling": handling}
    errors = {}
    ends_ok = _clean_end(errors, "from", panel, first) & _clean_end(errors, "to", panel, second)
    if ends_ok:
        first, second = _ordered_ends(errors, first, second)
    _clean_association(errors, fields)
    _raise(errors)
    ends = {str(first[0]): first[1]}  # the first end's slot is named after its type: child or person
    slot = {EndType.CHILD: "other_child", EndType.PERSON: "other_person", EndType.PLACE: "place"}[second[0]]
    ends[slot] = second[1]
    association = Association(panel=panel, created_by=acting_user(actor), **ends, **fields)
    association.full_clean()
    association.save()
    audit_event_record(actor=actor, verb="intelligence.association_created", obj=association,
                       data={"kind": association.kind, "grade": association.grade})
    return association


@transaction.atomic
def association_update(*, actor, association, **fields):
    only_fields(fields, ASSOCIATION_FIELDS)
    errors = {}
    _clean_association(errors, fields)
    _raise(errors)
    changed = sorted(name for name, value in fields.items() if getattr(association, name) != value)
    for name, value in fields.items():
        setattr(association, name, value)
    association.save()
    audit_event_record(actor=actor, verb="intelligence.association_updated", obj=association,
                       data={"fields": changed, "grade": association.grade})
    return association


@transaction.atomic
def association_delete(*, actor, association):
    """Withdrawn intelligence (wrong, or shown to be false); its history keeps what it said."""
    audit_event_record(actor=actor, verb="intelligence.association_deleted", obj=association,
                       data={"kind": association.kind})
    association.delete()


# Disruption --------------------------------------------------------------------------------------

DISRUPTION_FIELDS = ("description", "owner_agency", "owner", "status", "planned_for", "done_on", "outcome")


def _clean_disruption(errors, panel, fields, current=None):
    merged = {name: getattr(current, name) for name in DISRUPTION_FIELDS} if current else {}
    merged.update(fields)
    if "description" in fields:
        fields["description"] = _text(errors, "description", fields["description"], limit=TEXT_LIMIT,
                                      required=True, message="Say what the disruption is.")
    if "outcome" in fields:
        fields["outcome"] = merged["outcome"] = _text(errors, "outcome", fields["outcome"], limit=TEXT_LIMIT)
    status = merged.get("status") or DisruptionStatus.PLANNED
    _choice(errors, "status", status, DisruptionStatus, "Say where it stands")
    agency = merged.get("owner_agency")
    if agency is None or agency.authority_id != panel.authority_id:
        errors.setdefault("owner_agency", []).append("Choose the agency that owns it, one of the authority's.")
    owner = merged.get("owner")
    if owner is not None and agency is not None and owner.agency_id != agency.pk:
        errors.setdefault("owner", []).append("The owner works for the owner agency.")
    today = local_date(timezone.now())
    if status == DisruptionStatus.DONE:
        if merged.get("done_on") is None:
            errors.setdefault("done_on", []).append("Say when it was done.")
        if not merged.get("outcome"):
            errors.setdefault("outcome", []).append("Record the outcome.")
    if merged.get("done_on") is not None and merged["done_on"] > today:
        errors.setdefault("done_on", []).append("The date it was done cannot be in the future.")


@transaction.atomic
def disruption_create(*, actor, panel, description, owner_agency, place=None, person=None, owner=None,
                      status=DisruptionStatus.PLANNED, planned_for=None, done_on=None, outcome=""):
    fields = {"description": description, "owner_agency": owner_agency, "owner": owner, "status": status,
              "planned_for": planned_for, "done_on": done_on, "outcome": outcome}
    errors = {}
    if place is None and person is None:
        errors["target"] = ["Say which place or adult the disruption is against."]
    for name, target in (("place", place), ("person", person)):
        if target is not None and target.panel_id != panel.pk:
            errors.setdefault(name, []).append("This is not one of the panel's.")
    _clean_disruption(errors, panel, fields)
    _raise(errors)
    disruption = Disruption.objects.create(panel=panel, place=place, person=person,
                                           created_by=acting_user(actor), **fields)
    audit_event_record(actor=actor, verb="intelligence.disruption_created", obj=disruption,
                       data={"status": disruption.status})
    return disruption


@transaction.atomic
def disruption_update(*, actor, disruption, **fields):
    only_fields(fields, DISRUPTION_FIELDS)
    errors = {}
    _clean_disruption(errors, disruption.panel, fields, disruption)
    _raise(errors)
    changed = sorted(name for name, value in fields.items() if getattr(disruption, name) != value)
    for name, value in fields.items():
        setattr(disruption, name, value)
    disruption.save()
    audit_event_record(actor=actor, verb="intelligence.disruption_updated", obj=disruption,
                       data={"fields": changed, "status": disruption.status})
    return disruption
