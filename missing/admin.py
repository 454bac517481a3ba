from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from guardian.admin import GuardedModelAdmin
from simple_history.admin import SimpleHistoryAdmin

from casework.admin import ReadOnlyMixin
from casework.audit import record_access_log

from .models import AuthorityContact, Child, MissingEpisode, NotificationUpload, PoliceNotification
from .placements.services import contact_delete, contact_save, contact_validate


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

    def get_readonly_fields(self, request, obj=None):
        """A child's authority never changes once recorded: its episodes, deadlines and actions
        carry it, and the lists decide visibility by it (permissions.rows_of_visible_children)."""
        fields = list(super().get_readonly_fields(request, obj))
        return fields + ["authority"] if obj is not None else fields
    search_fields = ["family_name", "given_name", "police_person_id"]
    autocomplete_fields = ["lead_agency", "allocated_worker"]


@admin.register(MissingEpisode)
class MissingEpisodeAdmin(LogsChildReads, ReadOnlyMixin, SimpleHistoryAdmin):
    """Read only: an episode is recorded and corrected through the product's pages and API, whose
    services keep what follows from it (the clocks, the interview's first return, the dashboard's
    figures); an edit here would skip them all."""

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


class AuthorityContactForm(forms.ModelForm):
    class Meta:
        model = AuthorityContact
        fields = ["authority", "other_authority", "email"]

    def clean(self):
        data = super().clean()
        if not self.errors:
            contact = AuthorityContact(pk=self.instance.pk, **data)
            contact.other_authority = contact.other_authority.strip()
            try:
                contact_validate(contact)
            except ValidationError as error:
                raise forms.ValidationError(error.message_dict.get("other_authority") or error.messages) from error
        return data


@admin.register(AuthorityContact)
class AuthorityContactAdmin(admin.ModelAdmin):
    """Other councils' notices mailboxes (N7), saved through the service so owed notices go out."""

    form = AuthorityContactForm

    list_display = ("other_authority", "email", "authority")
    search_fields = ("other_authority", "email")

    def save_model(self, request, obj, form, change):
        saved = contact_save(actor=request.user, authority=obj.authority, other_authority=obj.other_authority,
                             email=obj.email, contact=obj if change else None)
        obj.pk = saved.pk

    def delete_model(self, request, obj):
        contact_delete(actor=request.user, contact=obj)
