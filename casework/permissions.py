"""Role predicates shared by every app. Object visibility lives in each app's permissions.py."""

from rest_framework.permissions import BasePermission

from .models import AgencyKind, Role


def is_administrator(user):
    return bool(user and user.is_authenticated and user.is_administrator)


def is_mash_coordinator(user):
    return bool(user and user.is_authenticated and (user.has_role(Role.MASH_COORDINATOR) or user.is_administrator))


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
