"""Writes for placement providers, children's placements and other councils' contacts (N7).

Each function runs in one transaction, validates before it writes (a rejected call saves nothing),
audits, and tells the out-of-area notices' clock (clocks.py) inside the same transaction. Recording a
child's current placement keeps the older fields of the child's record in step: the provider (and
its name as `placement_provider` text), the placement type, the responsible authority and the
placed-in and placed-out flags.
"""

import re
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models.functions import Lower
from django.utils import timezone

from casework.audit import audit_event_record
from casework.calendar import local_date
from casework.validation import acting_user, only_fields

from ..locks import locked_after_child
from ..models import AuthorityContact, Child, Placement, PlacementProvider, PlacementType, ProviderKind
from ..report_months import child_months_changed
from .clocks import placement_clocks_reconcile, placement_clocks_reconcile_owed

PROVIDER_FIELDS = {"name", "kind", "address", "postcode", "ofsted_urn", "host_authority"}
PLACEMENT_FIELDS = {"provider", "placement_type", "started_on", "ended_on", "responsible_authority", "host_authority"}
URN = re.compile(r"^(SC)?\d{5,8}$")
POSTCODE = re.compile(r"^[A-Z]{1,2}\d[A-Z\d]? ?\d[A-Z]{2}$")


def _strip(fields, names):
    for name in names:
        if isinstance(fields.get(name), str):
            fields[name] = fields[name].strip()


# Providers --------------------------------------------------------------------------------------


def _validate_provider(provider):
    errors = {}
    if not provider.name:
        errors["name"] = ["Enter the establishment's name."]
    elif (
        PlacementProvider.objects.annotate(lower=Lower("name"))
        .filter(authority_id=provider.authority_id, lower=provider.name.lower())
        .exclude(pk=provider.pk)
        .exists()
    ):
        errors["name"] = ["An establishment of this name is already recorded."]
    if provider.kind not in ProviderKind.values:
        errors["kind"] = ["Choose the kind of establishment."]
    provider.ofsted_urn = provider.ofsted_urn.upper().replace(" ", "")
    if provider.ofsted_urn and not URN.match(provider.ofsted_urn):
        errors["ofsted_urn"] = ["An Ofsted URN is 5 to 8 digits, after SC for a children's home (SC123456)."]
    provider.postcode = provider.postcode.upper()
    if provider.postcode and not POSTCODE.match(provider.postcode):
        errors["postcode"] = ["Enter a full UK postcode, like AB1 2CD."]
    if errors:
        raise ValidationError(errors)
    provider.full_clean(exclude=["authority"])


@transaction.atomic
def provider_create(*, actor, authority, **fields):
    only_fields(fields, PROVIDER_FIELDS)
    _strip(fields, PROVIDER_FIELDS)
    provider = PlacementProvider(authority=authority, **fields)
    _validate_provider(provider)
    provider.save()
    audit_event_record(actor=actor, verb="provider.created", obj=provider, data={"name": provider.name})
    return provider


@transaction.atomic
def provider_update(*, actor, provider, **changes):
    only_fields(changes, PROVIDER_FIELDS, verb="changed")
    _strip(changes, PROVIDER_FIELDS)
    provider = PlacementProvider.objects.select_for_update().get(pk=provider.pk)
    changed = sorted(name for name, value in changes.items() if getattr(provider, name) != value)
    for name, value in changes.items():
        setattr(provider, name, value)
    _validate_provider(provider)
    if not changed:
        return provider
    provider.save()
    audit_event_record(actor=actor, verb="provider.updated", obj=provider, data={"fields": changed})
    if "name" in changed:  # the older text field of the children placed there now
        Child.objects.filter(provider=provider).update(placement_provider=provider.name[:200])
    return provider


# Placements -------------------------------------------------------------------------------------


def _is_us(child, name):
    return name.strip().lower() == child.authority.name.strip().lower()


def _validate_placement(placement, *, others, today):
    child = placement.child
    errors = {}
    if placement.placement_type not in PlacementType.values:
        errors["placement_type"] = ["Choose the placement type."]
    if placement.provider_id and placement.provider.authority_id != child.authority_id:
        errors["provider"] = ["Choose an establishment this council has recorded."]
    start, end = placement.started_on, placement.ended_on
    if start is None:
        errors["started_on"] = ["Enter the date the placement began."]
    else:
        if start > today:
            errors.setdefault("started_on", []).append("The start cannot be in the future.")
        if start < child.date_of_birth:
            errors.setdefault("started_on", []).append("The start cannot be before the child's date of birth.")
        if end is not None and end < start:
            errors["ended_on"] = ["The end cannot be before the start."]
    if end is not None and end > today:
        errors.setdefault("ended_on", []).append("The end cannot be in the future.")
    if placement.responsible_authority and placement.host_authority:
        errors["host_authority"] = [
            "A placement is either with us by another council or by us in another council's area, not both."
        ]
    if start is not None and "started_on" not in errors and "ended_on" not in errors:
        for other in others:
            other_end = other.ended_on or today
            if start <= other_end and (end or today) >= other.started_on:
                until = f"{other.ended_on:%d %b %Y}" if other.ended_on else "now"
                errors["started_on"] = [f"This overlaps the placement from {other.started_on:%d %b %Y} to {until}."]
                break
    if errors:
        raise ValidationError(errors)


def _sync_child(*, actor, child):
    """The child's record shows the current placement (or none) in its older fields too."""
    current = Placement.objects.select_related("provider").filter(child=child, ended_on__isnull=True).first()
    values = {
        "provider": current.provider if current else None,
        "placement_provider": (current.provider.name[:200] if current and current.provider_id else ""),
        "placed_by_other_authority": bool(current and current.responsible_authority),
        "placed_out_of_area": bool(current and current.host_authority),
    }
    if current is not None:
        values["placement_type"] = current.placement_type
        values["responsible_authority"] = current.responsible_authority
    changed = sorted(name for name, value in values.items() if getattr(child, name) != value)
    if not changed:
        return
    for name in changed:
        setattr(child, name, values[name])
    child.save()
    audit_event_record(actor=actor, verb="child.updated", obj=child, child_id=child.pk,
                       data={"fields": changed, "by": "placement"})
    child_months_changed(child, changed)


@transaction.atomic
def placement_record(*, actor, child, **fields):
    """Record a placement. One without an end is the child's current placement: the one current
    before it ends the day before it starts. A placement with an end adds to the history."""
    only_fields(fields, PLACEMENT_FIELDS)
    _strip(fields, {"responsible_authority", "host_authority"})
    child = Child.objects.select_for_update(of=("self",)).select_related("authority").get(pk=child.pk)
    placement = Placement(child=child, created_by=acting_user(actor), **fields)
    if placement.provider_id and not placement.host_authority and not placement.responsible_authority:
        placement.host_authority = placement.provider.host_authority
    for name in ("responsible_authority", "host_authority"):
        if _is_us(child, getattr(placement, name)):
            setattr(placement, name, "")
    today = local_date(timezone.now())
    others = list(Placement.objects.select_for_update().filter(child=child))
    ending = None
    if placement.ended_on is None and placement.started_on is not None:
        current = [p for p in others if p.ended_on is None]
        if current and current[0].started_on < placement.started_on:
            ending = current[0]
            ending.ended_on = placement.started_on - timedelta(days=1)
    _validate_placement(placement, others=others, today=today)
    placement.full_clean(exclude=["child", "created_by", "provider"], validate_constraints=False)
    if ending is not None:
        ending.save(update_fields=["ended_on"])
        audit_event_record(actor=actor, verb="placement.ended", obj=ending, child_id=child.pk,
                           data={"ended_on": ending.ended_on.isoformat()})
    placement.save()
    audit_event_record(
        actor=actor, verb="placement.recorded", obj=placement, child_id=child.pk,
        data={"provider": str(placement.provider_id) if placement.provider_id else None,
              "started_on": placement.started_on.isoformat(),
              "ended_on": placement.ended_on.isoformat() if placement.ended_on else None},
    )
    _sync_child(actor=actor, child=child)
    placement_clocks_reconcile(child=child)
    return placement


@transaction.atomic
def placement_end(*, actor, placement, ended_on):
    placement = locked_after_child(
        Placement.objects.select_related("child", "child__authority", "provider"), placement.pk
    )
    if placement.ended_on is not None:
        raise ValidationError({"ended_on": [f"This placement already ended on {placement.ended_on:%d %b %Y}."]})
    placement.ended_on = ended_on
    _validate_placement(placement, others=[], today=local_date(timezone.now()))
    placement.save(update_fields=["ended_on"])
    audit_event_record(actor=actor, verb="placement.ended", obj=placement, child_id=placement.child_id,
                       data={"ended_on": ended_on.isoformat()})
    _sync_child(actor=actor, child=placement.child)
    placement_clocks_reconcile(child=placement.child)
    return placement


# Other councils' contacts -----------------------------------------------------------------------


def contact_validate(contact):
    errors = {}
    if not contact.other_authority:
        errors["other_authority"] = ["Enter the other council's name."]
    elif contact.other_authority.lower() == contact.authority.name.strip().lower():
        errors["other_authority"] = ["Notices go to other councils, not this one."]
    elif (
        AuthorityContact.objects.annotate(lower=Lower("other_authority"))
        .filter(authority_id=contact.authority_id, lower=contact.other_authority.lower())
        .exclude(pk=contact.pk)
        .exists()
    ):
        errors["other_authority"] = ["A contact for this council is already configured: change that one."]
    try:
        validate_email(contact.email)
    except ValidationError:
        errors["email"] = ["Enter an email address, like mash@council.example."]
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def contact_save(*, actor, authority, other_authority, email, contact=None):
    """Add or change where another council wants our notices; notices owed to it go out."""
    adding = contact is None
    if adding:
        contact = AuthorityContact(authority=authority)
    else:
        # Only the contact's row: joined, FOR UPDATE also locked the authority's, which every row the
        # authority's work inserts names (children, episodes, deadlines), holding them all up.
        contacts = AuthorityContact.objects.select_for_update(of=("self",)).select_related("authority")
        contact = contacts.get(pk=contact.pk)
    contact.other_authority = (other_authority or "").strip()
    contact.email = (email or "").strip()
    contact_validate(contact)
    verb = "authority_contact.created" if adding else "authority_contact.updated"
    contact.save()
    audit_event_record(actor=actor, verb=verb, obj=contact,
                       data={"other_authority": contact.other_authority, "email": contact.email})
    placement_clocks_reconcile_owed(authority=contact.authority)
    return contact


@transaction.atomic
def contact_delete(*, actor, contact):
    authority = contact.authority
    audit_event_record(actor=actor, verb="authority_contact.deleted", obj=contact,
                       data={"other_authority": contact.other_authority})
    contact.delete()
    placement_clocks_reconcile_owed(authority=authority)
