"""Subject access exports: everything held about one child, produced in the background."""

import uuid

from django.conf import settings
from django.db import models


class SubjectAccessExport(models.Model):
    """One export of a child's data: a PDF to read and a zip of JSON to process, made by a
    background job (casework.jobs) and kept as files under MEDIA_ROOT/exports/."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    child = models.ForeignKey("missing.Child", on_delete=models.PROTECT, related_name="subject_access_exports")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField()
    job = models.OneToOneField("casework.BackgroundJob", on_delete=models.PROTECT, related_name="+")
    pdf = models.FileField(upload_to="exports/", blank=True)
    archive = models.FileField(upload_to="exports/", blank=True)
    produced_at = models.DateTimeField(null=True, blank=True)
    records = models.PositiveIntegerField(default=0)
    marked_for_review = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-requested_at"]

    def __str__(self):
        return f"Subject access export of {self.requested_at:%d %b %Y %H:%M}"

    @property
    def is_ready(self):
        return self.produced_at is not None
