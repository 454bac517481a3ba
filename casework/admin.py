from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django_otp.plugins.otp_static.admin import StaticDeviceAdmin
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.admin import TOTPDeviceAdmin
from django_otp.plugins.otp_totp.models import TOTPDevice
from knox.admin import AuthTokenAdmin
from knox.models import AuthToken
from simple_history.admin import SimpleHistoryAdmin

from .models import Agency, AuditEvent, BackgroundJob, ClockHeartbeat, LocalAuthority, OutgoingEmail, RecordAccess, User
from .services import api_tokens_revoke_all


@admin.register(LocalAuthority)
class LocalAuthorityAdmin(SimpleHistoryAdmin):
    search_fields = ["name"]


@admin.register(Agency)
class AgencyAdmin(SimpleHistoryAdmin):
    list_display = ["name", "kind", "authority", "designated_manager"]
    autocomplete_fields = ["designated_manager"]
    list_filter = ["kind", "authority"]
    search_fields = ["name"]


@admin.register(User)
class UserAdmin(DjangoUserAdmin, SimpleHistoryAdmin):
    list_display = ["username", "first_name", "last_name", "agency", "roles", "is_active"]
    list_filter = ["agency", "is_active", "is_superuser"]
    fieldsets = DjangoUserAdmin.fieldsets + (("Agency and roles", {"fields": ("agency", "roles", "line_manager")}),)
    autocomplete_fields = ["agency", "line_manager"]

    def save_model(self, request, obj, form, change):
        """Deactivating someone here ends their API tokens too, as `PATCH /api/v1/users/{id}/` does.
        (Passwords set here revoke them in User.save, like every other password change.)"""
        super().save_model(request, obj, form, change)
        if not obj.is_active:
            api_tokens_revoke_all(user=obj)


class TurnOnSecondFactorAdmin:
    """A device an administrator adds or confirms for someone revokes that person's API tokens, as
    confirming one on the two-factor page does."""

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if obj.confirmed and (not change or {"confirmed", "user"} & set(form.changed_data)):
            api_tokens_revoke_all(user=obj.user)


# django-otp and knox registered their own admins first (INSTALLED_APPS order); ours replace them.
admin.site.unregister(TOTPDevice)
admin.site.unregister(StaticDevice)
admin.site.unregister(AuthToken)


@admin.register(TOTPDevice)
class AuthenticatorAppAdmin(TurnOnSecondFactorAdmin, TOTPDeviceAdmin):
    pass


@admin.register(StaticDevice)
class BackupCodesAdmin(TurnOnSecondFactorAdmin, StaticDeviceAdmin):
    pass


@admin.register(AuthToken)
class ApiTokenAdmin(AuthTokenAdmin):
    """Administrators see who holds API tokens until when, and can revoke one. They cannot make one:
    knox's form would allow a token that never expires."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class ReadOnlyMixin:
    """An admin that reads and never adds, changes or deletes: for rows that change only through the
    services (or never, as the audit logs), mixed in before the admin class it restricts."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyAdmin(ReadOnlyMixin, admin.ModelAdmin):
    """The audit logs are append-only: administrators read them, nobody edits them."""


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


@admin.register(ClockHeartbeat)
class ClockHeartbeatAdmin(ReadOnlyAdmin):
    """When the clock last swept and what it did; /readyz and the banner read the same row."""

    list_display = ["last_started_at", "last_finished_at", "last_result", "alerted_at"]


@admin.register(BackgroundJob)
class BackgroundJobAdmin(ReadOnlyAdmin):
    """Work waiting for a worker, done, or failed after its last attempt (with the error)."""

    list_display = ["kind", "status", "created_at", "attempts", "next_attempt_at", "finished_at", "last_error"]
    list_filter = ["status", "kind"]
