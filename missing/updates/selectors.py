"""Reads of missing-child updates."""

from django.db.models import OuterRef, Subquery

from ..models import MissingChildUpdate


def updates_of_child(child):
    return MissingChildUpdate.objects.filter(child=child).select_related("written_by", "episode")


def latest_missing_updates(child_ids):
    """{child id: the child's newest update} for many children in one query (the Wednesday list's
    "latest position"). Children without an update are absent from the answer."""
    ids = list(child_ids)
    if not ids:
        return {}
    newest = MissingChildUpdate.objects.filter(child_id=OuterRef("child_id")).order_by("-written_at", "-pk")
    updates = MissingChildUpdate.objects.filter(child_id__in=ids, pk=Subquery(newest.values("pk")[:1])).select_related(
        "written_by"
    )
    return {update.child_id: update for update in updates}
