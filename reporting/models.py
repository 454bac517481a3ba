"""The reporting app's settings and stored documents: when the weekly list is sent (R1) and the
quarterly reports generated for the board (R3)."""

import uuid
from datetime import time

from django.conf import settings
from django.db import models
from simple_history.models import HistoricalRecords


class Weekday(models.IntegerChoices):
    MONDAY = 0, "Monday"
    TUESDAY = 1, "Tuesday"
    WEDNESDAY = 2, "Wednesday"
    THURSDAY = 3, "Thursday"
    FRIDAY = 4, "Friday"
    SATURDAY = 5, "Saturday"
    SUNDAY = 6, "Sunday"


class WeeklyListSchedule(models.Model):
    """When and to whom an authority's list of children missing right now (R1, "the Wednesday list")
    is emailed. Its key is the authority, which is the subject of the R1 clock (reporting/weekly.py):
    each sending is a deadline row fired once. Recipients are users, not bare addresses: the list
    names children, so only people who may read it (reporting/permissions.py) receive it."""

    authority = models.OneToOneField(
        "casework.LocalAuthority", on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    weekday = models.PositiveSmallIntegerField(choices=Weekday.choices, default=Weekday.WEDNESDAY)
    send_at = models.TimeField("time", default=time(9, 0), help_text="Europe/London.")
    recipients = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords()

    def __str__(self):
        return f"Missing children list of {self.authority}"


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
