"""Administrators read meetings and actions in the admin (changes go through the pages and the API,
so the clock and the audit log see them)."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from casework.admin import ReadOnlyAdmin, ReadOnlyMixin

from .models import Action, ActionEvidence, ChildMeeting


class ReadOnlyHistoryAdmin(ReadOnlyMixin, SimpleHistoryAdmin):
    pass


@admin.register(ChildMeeting)
class ChildMeetingAdmin(ReadOnlyHistoryAdmin):
    list_display = ["kind", "held_at", "child", "recorded_by"]
    list_filter = ["kind"]


@admin.register(Action)
class ActionAdmin(ReadOnlyHistoryAdmin):
    list_display = ["description", "child", "owner_agency", "owner", "due_date", "status"]
    list_filter = ["status", "owner_agency"]


@admin.register(ActionEvidence)
class ActionEvidenceAdmin(ReadOnlyAdmin):
    list_display = ["original_name", "action", "content_type", "size", "uploaded_by", "uploaded_at"]
    exclude = ["stored_name"]
