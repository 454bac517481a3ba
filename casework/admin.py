from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from simple_history.admin import SimpleHistoryAdmin

from .models import Agency, AuditEvent, LocalAuthority, OutgoingEmail, RecordAccess, User


@admin.register(LocalAuthority)
class LocalAuthorityAdmin(SimpleHistoryAdmin):
    search_fields = ["name"]


@admin.register(Agency)
class AgencyAdmin(SimpleHistoryAdmin):
    list_display = ["name", "kind", "authority"]
    list_filter = ["kind", "authority"]
    search_fields = ["name"]


@admin.register(User)
class UserAdmin(DjangoUserAdmin, SimpleHistoryAdmin):
    list_display = ["username", "first_name", "last_name", "agency", "roles", "is_active"]
    list_filter = ["agency", "is_active", "is_superuser"]
    fieldsets = DjangoUserAdmin.fieldsets + (("Agency and roles", {"fields": ("agency", "roles")}),)
    autocomplete_fields = ["agency"]


class ReadOnlyAdmin(admin.ModelAdmin):
    """The audit logs are append-only: administrators read them, nobody edits them."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = ["at", "actor", "verb", "object_type", "object_id", "child_id"]
    list_filter = ["verb", "object_type"]
    search_fields = ["object_id", "child_id"]


@admin.register(RecordAccess)
class RecordAccessAdmin(ReadOnlyAdmin):
    list_display = ["at", "user", "child_id", "channel", "path"]
    list_filter = ["channel"]
    search_fields = ["child_id"]


@admin.register(OutgoingEmail)
class OutgoingEmailAdmin(ReadOnlyAdmin):
    """What the product has emailed and what it is still trying to: a failed send shows its error here."""

    list_display = ["subject", "status", "attempts", "next_attempt_at", "sent_at", "last_error"]
    list_filter = ["status"]
    search_fields = ["subject"]
