"""The MASH's daily risk management meeting (002 §8.4): who was discussed, and what was decided."""

import uuid

from django.conf import settings
from django.db import models


class DailyRiskMeeting(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    authority = models.ForeignKey("casework.LocalAuthority", on_delete=models.PROTECT, related_name="+")
    held_on = models.DateField()
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-held_on"]
        constraints = [models.UniqueConstraint(fields=["authority", "held_on"], name="one_daily_meeting_a_day")]

    def __str__(self):
        return f"Daily risk management meeting of {self.held_on:%d %b %Y}"


class DailyRiskOutcome(models.TextChoices):
    STRATEGY_MEETING = "strategy_meeting", "Strategy meeting to be held"
    AGENCY_ACTIONS = "agency_actions", "Agencies to act, no strategy meeting"
    REFER_TO_PANEL = "refer_to_panel", "Refer to the exploitation panel"
    NO_FURTHER_ACTION = "no_further_action", "No further action by the meeting"


class DailyRiskDiscussion(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    meeting = models.ForeignKey(DailyRiskMeeting, on_delete=models.CASCADE, related_name="discussions")
    child = models.ForeignKey("missing.Child", on_delete=models.CASCADE, related_name="daily_risk_discussions")
    outcome = models.CharField(max_length=30, choices=DailyRiskOutcome.choices)
    decision = models.TextField()
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    recorded_at = models.DateTimeField()

    class Meta:
        ordering = ["recorded_at"]
        constraints = [models.UniqueConstraint(fields=["meeting", "child"], name="child_discussed_once_a_meeting")]

    def __str__(self):
        return f"{self.child} at {self.meeting}"
