"""Writes for people, agencies and API tokens. Each runs in one transaction; changes to people and
agencies audit themselves (a token is a credential, not a record: issuing or revoking one is not audited)."""

import uuid
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.models import Group
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from knox.models import AuthToken

from .audit import audit_event_record
from .models import Agency, LocalAuthority, Role, User
from .retention import retention_policy_for


def authority_default():
    """The authority this installation serves: the only one, or the one named in settings."""
    authority = LocalAuthority.objects.order_by("name").first()
    if authority is None:
        authority, _ = LocalAuthority.objects.get_or_create(name=settings.CASEWORK_AUTHORITY_NAME)
        retention_policy_for(authority)
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


def _clean_line_manager(user, manager):
    """A line manager (P15's chain climbs it) is another active person of the same authority, and no
    chain may lead back to the person themselves."""
    if manager is None:
        return None
    if isinstance(manager, User):
        manager = manager.pk
    found = User.objects.filter(pk=manager).select_related("agency").first()
    if found is None or (user.agency_id and found.authority_id != user.agency.authority_id):
        raise ValidationError({"line_manager": ["No user with this id works in this authority."]})
    seen = {user.pk}
    step = found
    while step is not None:
        if step.pk in seen:
            raise ValidationError({"line_manager": ["A person cannot be their own line manager, directly or up the chain."]})
        seen.add(step.pk)
        step = step.line_manager
    return found


@transaction.atomic
def user_create(*, actor, username, password, email="", agency=None, roles=(), line_manager=None):
    roles = _clean_roles(roles)
    if User.objects.filter(username__iexact=username).exists():
        raise ValidationError({"username": ["A user with that username already exists."]})
    user = User(username=username, email=email, agency=agency, roles=roles)
    user.line_manager = _clean_line_manager(user, line_manager)
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
    audit_event_record(
        actor=actor,
        verb="user.created",
        obj=user,
        data={"username": username, "roles": roles, "line_manager": str(user.line_manager_id or "") or None},
    )
    return user


UNCHANGED = object()


@transaction.atomic
def user_update(*, actor, user, roles=None, is_active=None, line_manager=UNCHANGED):
    """Change a user's roles, line manager (None clears it) or whether they may sign in (API §1
    `PATCH /users/{id}/`).

    Deactivation revokes every API token of the user in the same transaction, so the old token
    answers 401 from the next request on.
    """
    user = User.objects.select_for_update().get(pk=user.pk)
    if user.is_superuser and not actor.is_superuser:
        raise PermissionDenied("Only a superuser may change a superuser.")
    changes = {}
    if roles is not None:
        roles = _clean_roles(roles)
        if roles != sorted(set(user.roles or [])):
            changes["roles"] = {"from": user.roles, "to": roles}
            user.roles = roles
    if is_active is not None and is_active != user.is_active:
        if not is_active and user.pk == actor.pk:
            raise ValidationError({"is_active": ["You cannot deactivate your own account."]})
        changes["is_active"] = {"from": user.is_active, "to": is_active}
        user.is_active = is_active
    if line_manager is not UNCHANGED:
        manager = _clean_line_manager(user, line_manager)
        if (manager.pk if manager else None) != user.line_manager_id:
            changes["line_manager"] = {
                "from": str(user.line_manager_id) if user.line_manager_id else None,
                "to": str(manager.pk) if manager else None,
            }
            user.line_manager = manager
    if changes:
        user.full_clean(exclude=["password"])
        user.save(update_fields=list(changes))
        audit_event_record(actor=actor, verb="user.updated", obj=user, data=changes)
    if not user.is_active:
        api_tokens_revoke_all(user=user)
    return user


@transaction.atomic
def two_factor_device_confirm(*, user, device):
    """Turn on a second factor. Tokens issued on the password alone are revoked: from now on a
    token needs a code as well (API §1)."""
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    audit_event_record(actor=user, verb="two_factor.enabled", obj=user)
    api_tokens_revoke_all(user=user)


@transaction.atomic
def api_token_issue(*, user):
    """A new API token valid for API_TOKEN_HOURS. Answers the key: only its digest is stored, so it
    cannot be shown again. The user's expired tokens go at the same time."""
    AuthToken.objects.filter(user=user, expiry__lt=timezone.now()).delete()
    _, key = AuthToken.objects.create(user=user, expiry=timedelta(hours=settings.API_TOKEN_HOURS))
    return key


def api_token_revoke(*, token):
    """Sign-out of one API client: the token presented (`DELETE /api/v1/auth/token/`)."""
    token.delete()


def api_tokens_revoke_all(*, user):
    """Every API token of the user at once: after a password change, a new second factor,
    deactivation or a lockout, nothing issued before still works."""
    user.api_tokens_revoke()
