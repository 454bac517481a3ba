"""Append-only audit: the domain event log and the log of who opened which child's record.

Field history of every change is kept separately by django-simple-history on each model.
On PostgreSQL a trigger refuses UPDATE and DELETE on both tables (migration 0002).
"""

from django.conf import settings
from django.db import models

from ..ids import time_ordered_id


class AuditEvent(models.Model):
    """Something a person did that the partnership may have to account for: who triaged, who shared."""

    id = models.UUIDField(primary_key=True, default=time_ordered_id, editable=False)
    at = models.DateTimeField(auto_now_add=True, db_index=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    verb = models.CharField(max_length=80)
    object_type = models.CharField(max_length=80)
    object_id = models.CharField(max_length=64)
    child_id = models.UUIDField(null=True, blank=True, db_index=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-at"]
        indexes = [models.Index(fields=["object_type", "object_id"])]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.verb} {self.object_type} {self.object_id}"


class RecordAccess(models.Model):
    """One showing of a child's data to a user, by page, API, PDF or admin."""

    id = models.UUIDField(primary_key=True, default=time_ordered_id, editable=False)
    at = models.DateTimeField(auto_now_add=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    child_id = models.UUIDField(db_index=True)
    channel = models.CharField(max_length=10, choices=[("page", "Page"), ("api", "API"), ("admin", "Admin")])
    path = models.CharField(max_length=300)
    query = models.CharField(max_length=200, blank=True, help_text="What was searched, when the child was found by a search.")

    class Meta:
        ordering = ["-at"]
        verbose_name_plural = "record accesses"
        indexes = [
            # The log page's keyset order, newest first by (at, id), read backwards 50 rows at a time
            # (at national size the index on `at` alone left a sort of the whole log: 1.7 s to 1 ms);
            # also retention's "older than".
            models.Index(fields=["at", "id"], name="record_access_at_id"),
        ]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.user_id} opened {self.child_id}"
