"""Writes for people and agencies. Each runs in one transaction and audits itself."""

import uuid

from django.conf import settings
from django.contrib.auth.models import Group
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from .audit import audit_event_record
from .models import Agency, LocalAuthority, Role, User


def authority_default():
    """The authority this installation serves: the only one, or the one named in settings."""
    authority = LocalAuthority.objects.order_by("name").first()
    if authority is None:
        authority, _ = LocalAuthority.objects.get_or_create(name=settings.CASEWORK_AUTHORITY_NAME)
    return authority


def authority_for(user):
    if user is not None and getattr(user, "agency_id", None):
        return user.agency.authority
    return authority_default()


@transaction.atomic
def agency_create(*, actor, name, kind, authority=None):
    """The agency and the group its shares are granted to, named by the agency's id so that two
    long names can never collide once cut to a group name's length."""
    authority = authority or authority_for(actor)
    if Agency.objects.filter(authority=authority, name__iexact=name).exists():
        raise ValidationError({"name": ["An agency with this name already exists."]})
    agency = Agency(id=uuid.uuid4(), authority=authority, name=name, kind=kind)
    agency.full_clean(exclude=["group"])
    agency.group = Group.objects.create(name=f"agency:{agency.id}")
    try:
        with transaction.atomic():
            agency.save(force_insert=True)
    except IntegrityError as error:
        raise ValidationError({"name": ["An agency with this name already exists."]}) from error
    audit_event_record(actor=actor, verb="agency.created", obj=agency, data={"name": name, "kind": kind})
    return agency


def _clean_roles(roles):
    unknown = sorted(set(roles) - set(Role.values))
    if unknown:
        raise ValidationError({"roles": [f"Unknown role: {', '.join(unknown)}."]})
    return sorted(set(roles))


@transaction.atomic
def user_create(*, actor, username, password, email="", agency=None, roles=()):
    roles = _clean_roles(roles)
    if User.objects.filter(username__iexact=username).exists():
        raise ValidationError({"username": ["A user with that username already exists."]})
    user = User(username=username, email=email, agency=agency, roles=roles)
    try:
        validate_password(password, user)
    except ValidationError as error:
        raise ValidationError({"password": error.messages}) from error
    user.set_password(password)
    user.full_clean(exclude=["password"])
    try:
        with transaction.atomic():
            user.save(force_insert=True)
    except IntegrityError as error:
        raise ValidationError({"username": ["A user with that username already exists."]}) from error
    if agency is not None:
        user.groups.add(agency.group)
    audit_event_record(actor=actor, verb="user.created", obj=user, data={"username": username, "roles": roles})
    return user
