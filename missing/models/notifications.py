"""Police notifications as they arrive, before and after a person triages them."""

import uuid

from django.conf import settings
from django.db import models
from simple_history.models import HistoricalRecords

from .episodes import LocationType, RiskLevel


class NotificationKind(models.TextChoices):
    MISSING = "missing", "Missing"
    ABSENT = "absent", "Absent"
    FOUND = "found", "Found"


class NotificationStatus(models.TextChoices):
    PENDING = "pending", "Waiting for triage"
    LINKED = "linked", "Linked"


class NotificationUpload(models.Model):
    """One CSV file of notifications and what became of each row."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)
    filename = models.CharField(max_length=255)
    rows_total = models.PositiveIntegerField(default=0)
    rows_created = models.PositiveIntegerField(default=0)
    rows_duplicate = models.PositiveIntegerField(default=0)
    row_errors = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["-uploaded_at"]


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
        indexes = [models.Index(fields=["authority", "status", "received_at"])]

    def __str__(self):
        return f"{self.get_kind_display()} {self.source_ref}: {self.child_given_name} {self.child_family_name}"

    @property
    def child_name(self):
        return f"{self.child_given_name} {self.child_family_name}"
