"""The reporting app's stored documents."""

import uuid

from django.conf import settings
from django.db import models


class ReportStatus(models.TextChoices):
    QUEUED = "queued", "Waiting to start"
    RUNNING = "running", "Being generated"
    DONE = "done", "Ready"
    FAILED = "failed", "Failed"


class QuarterlyReport(models.Model):
    """The strategic board's quarterly report (R3) of one panel for one quarter, as generated on a
    day. Its PDF is kept under MEDIA_ROOT/quarterly/ (never served directly: downloads go through
    the permission check), and every generation is kept, so a board's past papers stay readable."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    panel = models.ForeignKey("panels.Panel", on_delete=models.PROTECT, related_name="quarterly_reports")
    quarter = models.CharField(max_length=7, help_text="YYYY-Qn, calendar quarters: 2026-Q3 is July to September.")
    gaps = models.TextField("Gaps in provision", blank=True,
                            help_text="What the panel found missing in services this quarter, written by the chair.")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField()
    status = models.CharField(max_length=10, choices=ReportStatus.choices, default=ReportStatus.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0, help_text="Per cent done.")
    stage = models.CharField(max_length=100, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    generated_at = models.DateTimeField(null=True, blank=True)
    file = models.FileField(upload_to="quarterly/", blank=True)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-requested_at"]
        indexes = [models.Index(fields=["panel", "quarter", "-generated_at"])]
        constraints = [
            models.CheckConstraint(condition=models.Q(progress__lte=100), name="quarterly_progress_at_most_100"),
        ]

    def __str__(self):
        return f"{self.panel.name}, {self.quarter}"

    @property
    def is_ready(self):
        return self.status == ReportStatus.DONE and bool(self.file)
