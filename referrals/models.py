"""Referrals of a child to a panel (RULES.md §5 P2, P17, P18)."""

import uuid

from django.conf import settings
from django.db import models
from simple_history.models import HistoricalRecords


class ReferralStatus(models.TextChoices):
    PENDING = "pending", "Waiting for the coordinator"
    ACCEPTED = "accepted", "Accepted"
    DEFERRED = "deferred", "Deferred to a later meeting"
    DECLINED = "declined", "Declined"


class CseAssessment(models.TextChoices):
    """P17: a CSE risk assessment is considered for every referral."""

    DONE = "done", "A CSE risk assessment has been done"
    REQUESTED = "requested", "One has been requested"
    NOT_NEEDED = "not_needed", "Considered and not needed"


class Referral(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    child = models.ForeignKey("missing.Child", on_delete=models.PROTECT, related_name="+")
    panel = models.ForeignKey("panels.Panel", on_delete=models.PROTECT, related_name="referrals")
    meeting = models.ForeignKey("panels.Meeting", on_delete=models.PROTECT, related_name="referrals")
    reason = models.TextField()
    risks = models.TextField(blank=True)
    cse_assessment = models.CharField(max_length=12, choices=CseAssessment.choices, blank=True)
    late = models.BooleanField(default=False, help_text="Missed the nearest meeting's referral deadline (P2).")
    suggested = models.BooleanField(default=False, help_text="Listed by the coordinator from the suggested list.")
    status = models.CharField(max_length=10, choices=ReferralStatus.choices, default=ReferralStatus.PENDING)
    decision_reason = models.TextField(blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    referred_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["meeting", "child"],
                condition=~models.Q(status__in=["declined", "deferred"]),
                name="referral_once_per_meeting",
            )
        ]
