"""Writes of the missing person profile: each in one transaction, audited, telling the N8 clock."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from casework.audit import audit_event_record
from casework.clocks.services import clock_reconcile, deadlines_complete_for_subject
from casework.validation import acting_user, only_fields

from ..models import Child, MissingPersonProfile
from .clocks import N8, PROFILE
from .photos import photo_check, photo_delete, photo_store

FIELDS = MissingPersonProfile.DESCRIPTION_FIELDS


def _reviewed(profile, *, actor, now):
    """The profile was looked at and confirmed now: the last review's N8 row is done, the next one
    counts from now. Called after the profile is saved with its new review time."""
    deadlines_complete_for_subject(
        subject_type=PROFILE, subject_id=profile.pk, rule=N8, actor=actor, note="Profile reviewed.", completed_at=now
    )
    clock_reconcile(subject_type=PROFILE, subject_id=profile.pk, now=now)


def profile_save(*, actor, child, photo=None, photo_field="photo", **fields):
    """Create or change a child's profile; saving it is a review (N8). A photo is checked (type by
    content, size) before anything is written, and replaces the one before; its errors are named
    `photo_field` (the API's upload is "file")."""
    only_fields(fields, FIELDS, verb="set")
    content_type = photo_check(photo, field=photo_field) if photo is not None else None
    stored = None
    try:
        with transaction.atomic():
            child = Child.objects.select_for_update().get(pk=child.pk)
            now = timezone.now()
            profile = MissingPersonProfile.objects.filter(child=child).first()
            created = profile is None
            if created:
                profile = MissingPersonProfile(child=child, last_reviewed_at=now)
            changed = sorted(name for name, value in fields.items() if getattr(profile, name) != value)
            for name, value in fields.items():
                setattr(profile, name, value.strip() if isinstance(value, str) else value)
            profile.last_reviewed_at, profile.last_reviewed_by = now, acting_user(actor)
            profile.full_clean(exclude=["child", "last_reviewed_by", "photo_uploaded_by"], validate_constraints=False)
            old_photo = profile.photo_stored_name
            data = {"fields": changed}
            if photo is not None:
                stored, digest = photo_store(photo, child_id=child.pk)
                profile.photo_stored_name, profile.photo_content_type = stored, content_type
                profile.photo_size, profile.photo_sha256 = photo.size, digest
                profile.photo_uploaded_at, profile.photo_uploaded_by = now, acting_user(actor)
                data.update(photo={"size": photo.size, "sha256": digest})
                if old_photo:
                    transaction.on_commit(lambda: photo_delete(old_photo))
            profile.save()
            verb = "profile.created" if created else "profile.updated"
            audit_event_record(actor=actor, verb=verb, obj=profile, child_id=child.pk, data=data)
            _reviewed(profile, actor=actor, now=now)
    except Exception:
        if stored:
            photo_delete(stored)
        raise
    return profile


@transaction.atomic
def profile_review(*, actor, profile):
    """Confirm the profile is still right without changing it (N8 done, the next review counts from now)."""
    profile = MissingPersonProfile.objects.select_for_update(of=("self",)).get(pk=profile.pk)
    now = timezone.now()
    profile.last_reviewed_at, profile.last_reviewed_by = now, acting_user(actor)
    profile.save(update_fields=["last_reviewed_at", "last_reviewed_by", "updated_at"])
    audit_event_record(actor=actor, verb="profile.reviewed", obj=profile, child_id=profile.child_id)
    _reviewed(profile, actor=actor, now=now)
    return profile


def profile_read_record(*, actor, profile, what):
    """A photo or the police PDF leaving the product: in the audit log, beside the access log's row."""
    if what not in {"photo", "pdf"}:
        raise ValidationError({"what": ["Unknown kind of read."]})
    audit_event_record(actor=actor, verb=f"profile.{what}_read", obj=profile, child_id=profile.child_id)
