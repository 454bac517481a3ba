"""Recording a missing-child update: by whoever may see the child, audited, in one transaction."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from casework.audit import audit_event_record
from casework.validation import acting_user

from ..models import Child, MissingChildUpdate, MissingEpisode

MAX_TEXT = 10000


def missing_update_create(*, actor, child, position, actions_to_locate="", episode=None):
    """A dated note: the latest position and what is being done to find the child. It belongs to
    `episode` when given (one of the child's), else to the child's open episode; a child who is not
    missing now needs the episode named."""
    errors = {}
    position = (position or "").strip()
    actions_to_locate = (actions_to_locate or "").strip()
    if not position:
        errors["position"] = ["Enter the latest position."]
    elif len(position) > MAX_TEXT:
        errors["position"] = [f"The latest position must be {MAX_TEXT} characters or fewer."]
    if len(actions_to_locate) > MAX_TEXT:
        errors["actions_to_locate"] = [f"The actions to locate must be {MAX_TEXT} characters or fewer."]
    if episode is not None and episode.child_id != child.pk:
        errors["episode"] = ["This episode is not one of this child's."]
    with transaction.atomic():
        child = Child.objects.select_for_update().get(pk=child.pk)
        if episode is None and "episode" not in errors:
            episode = MissingEpisode.objects.filter(child=child, returned_at__isnull=True).first()
            if episode is None:
                errors["episode"] = [f"{child.full_name} is not missing now: name the episode this update is about."]
        if errors:
            raise ValidationError(errors)
        update = MissingChildUpdate.objects.create(
            child=child, episode=episode, position=position, actions_to_locate=actions_to_locate,
            written_by=acting_user(actor), written_at=timezone.now(),
        )
        audit_event_record(
            actor=actor, verb="missing_update.created", obj=update, child_id=child.pk,
            data={"episode": str(episode.pk)},
        )
    return update
