from django.contrib import admin
from guardian.admin import GuardedModelAdmin
from simple_history.admin import SimpleHistoryAdmin

from casework.audit import record_access_log

from .models import Child, MissingEpisode, NotificationUpload, PoliceNotification


class LogsChildReads:
    """The admin's pages of children's data are reads like any other: every one is in the access log."""

    def child_of(self, obj):
        return obj.child_id

    def changelist_view(self, request, extra_context=None):
        response = super().changelist_view(request, extra_context)
        changelist = getattr(response, "context_data", {}) or {}
        rows = changelist.get("cl").result_list if changelist.get("cl") else []
        record_access_log(request, [self.child_of(obj) for obj in rows], query=request.GET.get("q", ""))
        return response

    def change_view(self, request, object_id, form_url="", extra_context=None):
        response = super().change_view(request, object_id, form_url, extra_context)
        original = (getattr(response, "context_data", None) or {}).get("original")
        if original is not None:
            record_access_log(request, [self.child_of(original)])
        return response

    def history_view(self, request, object_id, extra_context=None):
        response = super().history_view(request, object_id, extra_context)
        obj = self.get_object(request, object_id)
        if obj is not None:
            record_access_log(request, [self.child_of(obj)])
        return response


@admin.register(Child)
class ChildAdmin(LogsChildReads, GuardedModelAdmin, SimpleHistoryAdmin):
    def child_of(self, obj):
        return obj.pk

    list_display = ["family_name", "given_name", "date_of_birth", "legal_status", "authority"]
    list_filter = ["legal_status", "authority"]
    search_fields = ["family_name", "given_name", "police_person_id"]
    autocomplete_fields = ["lead_agency", "allocated_worker"]


@admin.register(MissingEpisode)
class MissingEpisodeAdmin(LogsChildReads, SimpleHistoryAdmin):
    list_display = ["child", "category", "risk_level", "started_at", "returned_at"]
    list_filter = ["category", "risk_level"]
    raw_id_fields = ["child"]


@admin.register(PoliceNotification)
class PoliceNotificationAdmin(LogsChildReads, SimpleHistoryAdmin):
    list_display = ["source_ref", "kind", "status", "received_at", "authority"]
    list_filter = ["status", "kind"]
    search_fields = ["source_ref", "child_family_name"]
    raw_id_fields = ["child", "episode", "upload"]


@admin.register(NotificationUpload)
class NotificationUploadAdmin(admin.ModelAdmin):
    list_display = [
        "filename", "uploaded_by", "uploaded_at", "status", "rows_total", "rows_processed", "rows_created",
        "rows_duplicate", "rows_rejected",
    ]
    list_filter = ["status"]
    exclude = ["columns", "rows"]
