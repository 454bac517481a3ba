"""The administrators' screens for a council's protocol numbers and notice recipients.

Each change is kept by django-simple-history (field by field, with who) and written to the
domain audit log.
"""

from django.contrib import admin
from django.db import transaction
from simple_history.admin import SimpleHistoryAdmin

from ..audit import audit_event_record
from ..models import LocalProtocol, NoticeRecipient
from ..protocol import Protocol


class AuditedAdmin(SimpleHistoryAdmin):
    verb = ""

    def save_model(self, request, obj, form, change):
        with transaction.atomic():
            super().save_model(request, obj, form, change)
            audit_event_record(
                actor=request.user,
                verb=f"{self.verb}.{'changed' if change else 'created'}",
                obj=obj,
                data={"fields": sorted(form.changed_data)},
            )

    def delete_model(self, request, obj):
        with transaction.atomic():
            audit_event_record(actor=request.user, verb=f"{self.verb}.deleted", obj=obj)
            super().delete_model(request, obj)


def _numbers(letter):
    """The protocol numbers of one family of rule ids (t1_..., s1_...), in RULES.md order."""
    return [name for name in Protocol.field_names() if name[0] == letter and name[1].isdigit()]


@admin.register(LocalProtocol)
class LocalProtocolAdmin(AuditedAdmin):
    verb = "protocol"
    list_display = ["authority", "t1_return_interview_hours", "t2_strategy_meeting_hours", "s1_occasions"]
    fieldsets = [
        (None, {"fields": ["authority"]}),
        ("Scope (N6)", {"fields": ["scope_age", "scope_age_extended"]}),
        ("Timers after a missing episode (T1-T13)", {"fields": _numbers("t")}),
        ("Strategy-meeting thresholds (S1-S6)", {"fields": _numbers("s")}),
        ("Frequent missing (F1)", {"fields": _numbers("f")}),
        ("Panels, meetings and actions (P2-P15)", {"fields": _numbers("p")}),
    ]


@admin.register(NoticeRecipient)
class NoticeRecipientAdmin(AuditedAdmin):
    verb = "notice_recipient"
    list_display = ["authority", "role", "user", "email"]
    list_filter = ["authority", "role"]
    raw_id_fields = ["user"]
