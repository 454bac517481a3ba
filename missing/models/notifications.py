"""Police notifications as they arrive, before and after a person triages them."""

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from simple_history.models import HistoricalRecords

from .episodes import LocationType, RiskLevel


class NotificationKind(models.TextChoices):
    MISSING = "missing", "Missing"
    ABSENT = "absent", "Absent"
    FOUND = "found", "Found"


class NotificationStatus(models.TextChoices):
    PENDING = "pending", "Waiting for triage"
    LINKED = "linked", "Linked"


class UploadStatus(models.TextChoices):
    QUEUED = "queued", "Waiting to start"
    PROCESSING = "processing", "Processing"
    DONE = "done", "Finished"
    FAILED = "failed", "Stopped"


class NotificationUpload(models.Model):
    """One CSV file of notifications: the rows still to store, and what became of each row.

    The request stores the file's rows here and a Celery task stores them as notifications in
    batches. `next_row` (the index in `rows` where the next batch starts) and the counts commit
    with each batch, so a run that dies loses nothing and a rerun repeats nothing.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    authority = models.ForeignKey("casework.LocalAuthority", on_delete=models.PROTECT, related_name="+")
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    sender_agency = models.ForeignKey(
        "casework.Agency", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)
    filename = models.CharField(max_length=255)
    status = models.CharField(max_length=10, choices=UploadStatus.choices, default=UploadStatus.QUEUED)
    rows_total = models.PositiveIntegerField(default=0)
    rows_processed = models.PositiveIntegerField(default=0)
    rows_created = models.PositiveIntegerField(default=0)
    rows_duplicate = models.PositiveIntegerField(default=0)
    rows_rejected = models.PositiveIntegerField(default=0)
    # [{"row": spreadsheet row number, "source_ref": ..., "errors": {column or "row": [message, ...]}}]
    row_errors = models.JSONField(default=list, blank=True)
    # The header row, then the rows the task has still to store as [row number, [value per column]].
    # Emptied when the upload ends: the notifications (or the report) are what is kept.
    columns = models.JSONField(default=list, blank=True)
    rows = models.JSONField(default=list, blank=True)
    next_row = models.PositiveIntegerField(default=0)
    # Runs that started since the last batch was committed: a file that keeps killing its runs stops.
    runs_without_progress = models.PositiveSmallIntegerField(default=0)
    enqueued_at = models.DateTimeField(null=True, blank=True)
    progress_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-uploaded_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(
                    rows_processed=models.F("rows_created") + models.F("rows_duplicate") + models.F("rows_rejected")
                ),
                name="upload_processed_rows_are_counted_once",
            ),
            models.CheckConstraint(
                condition=models.Q(rows_processed__lte=models.F("rows_total")), name="upload_processed_within_total"
            ),
            models.CheckConstraint(
                condition=~models.Q(status=UploadStatus.DONE) | models.Q(rows_processed=models.F("rows_total")),
                name="upload_done_has_every_row",
            ),
        ]
        indexes = [models.Index(fields=["status", "progress_at"], name="upload_status_progress")]

    @property
    def finished(self):
        return self.status in (UploadStatus.DONE, UploadStatus.FAILED)

    @property
    def percent_processed(self):
        return 100 if not self.rows_total else self.rows_processed * 100 // self.rows_total


class PoliceNotification(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    authority = models.ForeignKey("casework.LocalAuthority", on_delete=models.PROTECT, related_name="notifications")
    source_ref = models.CharField(max_length=64)
    kind = models.CharField(max_length=10, choices=NotificationKind.choices)
    received_at = models.DateTimeField()
    occurred_at = models.DateTimeField()
    child_given_name = models.CharField(max_length=100)
    child_family_name = models.CharField(max_length=100)
    child_date_of_birth = models.DateField()
    police_person_id = models.CharField(max_length=64, blank=True)
    risk_level = models.CharField(max_length=10, choices=RiskLevel.choices, blank=True)
    location_type = models.CharField(max_length=20, choices=LocationType.choices, blank=True)
    found_location = models.CharField(max_length=300, blank=True)
    circumstances = models.TextField(blank=True)
    status = models.CharField(max_length=10, choices=NotificationStatus.choices, default=NotificationStatus.PENDING)
    child = models.ForeignKey("missing.Child", on_delete=models.PROTECT, null=True, blank=True, related_name="notifications")
    episode = models.ForeignKey(
        "missing.MissingEpisode", on_delete=models.PROTECT, null=True, blank=True, related_name="notifications"
    )
    sent_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    # The agency that sent it: idempotency (N1) and the police force's involvement are per sender.
    sender_agency = models.ForeignKey(
        "casework.Agency", on_delete=models.PROTECT, null=True, blank=True, related_name="notifications_sent"
    )
    upload = models.ForeignKey(NotificationUpload, on_delete=models.SET_NULL, null=True, blank=True, related_name="notifications")
    triaged_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    triaged_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["received_at"]
        constraints = [
            # N1: exactly once per sender, enforced by the database so that concurrent re-sends cannot
            # both insert. Another sender's reference is a different notification: a re-send answers
            # only its own sender, so a guessed reference reveals nothing.
            models.UniqueConstraint(
                fields=["authority", "sender_agency", "source_ref", "kind"],
                condition=models.Q(sender_agency__isnull=False),
                name="notification_once_per_sender_ref",
            ),
            models.UniqueConstraint(
                fields=["authority", "sent_by", "source_ref", "kind"],
                condition=models.Q(sender_agency__isnull=True),
                name="notification_once_per_agencyless_sender_ref",
            ),
        ]
        indexes = [
            models.Index(fields=["authority", "status", "received_at"]),
            # Notifications received within a range whatever their status: the daily risk meeting.
            models.Index(fields=["authority", "received_at"], name="notification_received"),
            # The children a police force reported, read from the index alone: a force's list gathers
            # them (missing.permissions, 200,000 notifications at national size).
            models.Index(fields=["sender_agency", "child"], name="notification_sender_child"),
            # A police force's own notifications, latest first (their list at 200,000 rows), and those
            # still waiting for triage.
            models.Index(fields=["sender_agency", "received_at"], name="notification_sender_received"),
            models.Index(fields=["sender_agency", "received_at"], name="notification_sender_pending",
                         condition=models.Q(status="pending")),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.source_ref}: {self.child_given_name} {self.child_family_name}"

    @property
    def child_name(self):
        return f"{self.child_given_name} {self.child_family_name}"
