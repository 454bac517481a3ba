"""Role predicates shared by every app. Object visibility lives in each app's permissions.py."""

from rest_framework.permissions import BasePermission

from .models import AgencyKind, Role


def is_administrator(user):
    return bool(user and user.is_authenticated and user.is_administrator)


def is_mash_coordinator(user):
    return bool(user and user.is_authenticated and (user.has_role(Role.MASH_COORDINATOR) or user.is_administrator))


def holds_role(user, *roles):
    """Whether the user holds one of `roles` itself. The navigation and the home page go by the
    roles a person holds, so that each sees the way to their own work; what a person may open is
    decided by the predicates above (an administrator may open the MASH pages without working there)."""
    return bool(user and user.is_authenticated and any(user.has_role(role) for role in roles))


# Every role whose work touches children's records: all but the strategic reader's.
CASEWORK_ROLES = (Role.MASH_COORDINATOR, Role.AGENCY_STAFF, Role.PANEL_CHAIR, Role.PANEL_MEMBER)


def works_on_cases(user):
    return holds_role(user, *CASEWORK_ROLES) or is_administrator(user)


def can_send_notifications(user):
    """Police users post notifications; MASH coordinators key them in or upload them."""
    return is_mash_coordinator(user) or bool(
        user and user.is_authenticated and user.agency_id and user.agency.kind == AgencyKind.POLICE
    )


class IsAdministrator(BasePermission):
    def has_permission(self, request, view):
        return is_administrator(request.user)


class IsMashCoordinator(BasePermission):
    def has_permission(self, request, view):
        return is_mash_coordinator(request.user)


class CanSendNotifications(BasePermission):
    def has_permission(self, request, view):
        return can_send_notifications(request.user)
