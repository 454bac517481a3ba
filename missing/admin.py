from django.contrib import admin
from guardian.admin import GuardedModelAdmin
from simple_history.admin import SimpleHistoryAdmin

from .models import Child, MissingEpisode, NotificationUpload, PoliceNotification


@admin.register(Child)
class ChildAdmin(GuardedModelAdmin, SimpleHistoryAdmin):
    list_display = ["family_name", "given_name", "date_of_birth", "legal_status", "authority"]
    list_filter = ["legal_status", "authority"]
    search_fields = ["family_name", "given_name", "police_person_id"]
    autocomplete_fields = ["lead_agency", "allocated_worker"]


@admin.register(MissingEpisode)
class MissingEpisodeAdmin(SimpleHistoryAdmin):
    list_display = ["child", "category", "risk_level", "started_at", "returned_at"]
    list_filter = ["category", "risk_level"]
    raw_id_fields = ["child"]


@admin.register(PoliceNotification)
class PoliceNotificationAdmin(SimpleHistoryAdmin):
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
