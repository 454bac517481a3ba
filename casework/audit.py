"""Writing to the append-only audit tables. Call inside the transaction of the change it records."""

from .models import AuditEvent, RecordAccess


def audit_event_record(*, actor, verb, obj, child_id=None, data=None):
    return AuditEvent.objects.create(
        actor=actor if actor is not None and actor.is_authenticated else None,
        verb=verb,
        object_type=obj._meta.label,
        object_id=str(obj.pk),
        child_id=child_id,
        data=data or {},
    )


def record_access_log(*, user, child, channel, path):
    return RecordAccess.objects.create(user=user, child_id=child.pk, channel=channel, path=path[:300])
