"""Role predicates shared by every app. Object visibility lives in each app's permissions.py."""

from django.urls import reverse
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


def _inbox_label(user):
    from .clocks.selectors import inbox_unread_count  # here: it imports missing.permissions, which imports us

    unread = inbox_unread_count(user)
    return f"Inbox ({unread} unread)" if unread else "Inbox"


def navigation_for(user, path):
    """The service navigation a user sees: only the screens their roles open."""
    from missing.interviews.services import INTERVIEWER_AGENCY_KINDS  # here: missing imports us

    items = []
    if is_mash_coordinator(user):
        items.append(("Triage queue", reverse("missing:triage_queue")))
        items.append(("Upload notifications", reverse("missing:notification_upload")))
    items.append(("Children", reverse("missing:child_list")))
    if is_mash_coordinator(user) or user.agency_kind in INTERVIEWER_AGENCY_KINDS:
        items.append(("My interviews due", reverse("interviews:due")))
    if is_mash_coordinator(user) or user.has_role(Role.STRATEGIC_READER):
        items.append(("Interview timeliness", reverse("interview_reports:timeliness")))
    if is_mash_coordinator(user) or user.agency_kind == AgencyKind.EDUCATION:
        items.append(("Missing education", reverse("education:case_list")))
    items.append(("Due and overdue", reverse("clocks:due_list")))
    items.append((_inbox_label(user), reverse("clocks:inbox")))
    if is_administrator(user):
        items.append(("Record access log", reverse("casework:record_access_log")))
    items.append(("Two-factor", reverse("two_factor_setup")))
    return [{"text": text, "href": href, "active": path.startswith(href)} for text, href in items]
