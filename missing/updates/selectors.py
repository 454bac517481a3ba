"""Reads of missing-child updates."""

from django.db.models import OuterRef, Subquery

from ..models import MissingChildUpdate


def updates_of_child(child):
    return MissingChildUpdate.objects.filter(child=child).select_related("written_by", "episode")


def newest_update_of(child_id):
    """The updates of the child `child_id` names (an id or an OuterRef), newest first: the one
    ordering that says which update is a child's latest, for this module and for reports that
    annotate it onto their own rows."""
    return MissingChildUpdate.objects.filter(child_id=child_id).order_by("-written_at", "-pk")


def latest_missing_updates(child_ids):
    """{child id: the child's newest update} for many children in one query (the Wednesday list's
    "latest position"). Children without an update are absent from the answer."""
    ids = list(child_ids)
    if not ids:
        return {}
    newest = newest_update_of(OuterRef("child_id"))
    updates = MissingChildUpdate.objects.filter(child_id__in=ids, pk=Subquery(newest.values("pk")[:1])).select_related(
        "written_by"
    )
    return {update.child_id: update for update in updates}
