"""Running the product: the clock's heartbeat, background jobs kept as rows, and the retention policy."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from .outbox import OutgoingEmail
from .people import LocalAuthority


class ClockHeartbeat(models.Model):
    """One row that every sweep of the clock writes: when it last ran and what it did.

    A clock that has not swept for CLOCK_LATE_AFTER is an outage: it is named by its `pulse` (the
    end of the last sweep, or `watching_since` when none has run), and `alerted_for` holds the pulse
    of the last outage already told, so each outage is emailed once, whichever process sees it first.
    """

    id = models.PositiveSmallIntegerField(primary_key=True, default=1, editable=False)
    watching_since = models.DateTimeField(help_text="When the product began watching the clock.")
    last_started_at = models.DateTimeField(null=True, blank=True)
    last_finished_at = models.DateTimeField(null=True, blank=True)
    last_result = models.JSONField(default=dict, blank=True)
    alerted_for = models.DateTimeField(null=True, blank=True)
    alerted_at = models.DateTimeField(null=True, blank=True)
    alert_email = models.ForeignKey(OutgoingEmail, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")

    class Meta:
        constraints = [models.CheckConstraint(condition=Q(id=1), name="clock_heartbeat_one_row")]

    def __str__(self):
        return f"Clock last swept at {self.last_finished_at}"

    @property
    def pulse(self):
        return self.last_finished_at or self.watching_since


class JobStatus(models.TextChoices):
    PENDING = "pending", "Waiting"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"


class BackgroundJob(models.Model):
    """Work a request asked for and a worker does. The row is the job: the broker only carries its
    id, so a broker that is down or flushed delays a job and loses none (the clock's pass picks up
    what no worker took)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    kind = models.CharField(max_length=60)
    params = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=10, choices=JobStatus.choices, default=JobStatus.PENDING)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    request_id = models.CharField(max_length=100, blank=True, help_text="The request that asked for it, for the logs.")
    created_at = models.DateTimeField()
    next_attempt_at = models.DateTimeField()
    attempts = models.PositiveIntegerField(default=0)
    finished_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    result = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["created_at"]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="job_due")]

    def __str__(self):
        return f"{self.kind} ({self.get_status_display()})"


class Disposal(models.TextChoices):
    ANONYMISE = "anonymise", "Anonymise (keep the numbers for statistics, remove who the person is)"
    DELETE = "delete", "Delete"


class RetentionPolicy(models.Model):
    """How long one council keeps records, as data its administrators change (no code change).

    A person's record is due for review once they have reached `keep_until_age` and
    `keep_years_after_last_activity` have passed since the last thing that happened to them,
    whichever is later; audit entries once they are `audit_log_years` old. Nothing is removed
    until an administrator confirms it.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    authority = models.OneToOneField(LocalAuthority, on_delete=models.PROTECT, related_name="retention_policy")
    keep_until_age = models.PositiveIntegerField("Keep a child's record at least until they are this age", default=25)
    keep_years_after_last_activity = models.PositiveIntegerField(
        "...and at least this many years after their last episode", default=6
    )
    audit_log_years = models.PositiveIntegerField("Keep audit entries this many years", default=7)
    disposal = models.CharField(
        "When a record is removed", max_length=10, choices=Disposal.choices, default=Disposal.ANONYMISE
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name_plural = "retention policies"

    def __str__(self):
        return f"Retention policy of {self.authority}"
