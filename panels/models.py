"""Multi-agency panels (RULES.md §5): the panel, its members, its meetings, who came and agreed to
confidentiality, the RAG ratings, the agencies' updates and the children on its list."""

import uuid

from django.conf import settings
from django.db import models
from simple_history.models import HistoricalRecords


class Frequency(models.TextChoices):
    WEEKLY = "weekly", "Weekly"
    MONTHLY = "monthly", "Monthly"


def _statutory_kinds():
    # P8: children's social care, health and police present.
    return ["childrens_social_care", "health", "police"]


class Panel(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    authority = models.ForeignKey("casework.LocalAuthority", on_delete=models.PROTECT, related_name="panels")
    name = models.CharField(max_length=200)
    frequency = models.CharField(max_length=10, choices=Frequency.choices, default=Frequency.MONTHLY)
    chair = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                              related_name="panels_chaired")
    co_chair = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                 related_name="panels_co_chaired")
    member_agencies = models.ManyToManyField("casework.Agency", through="PanelMember", related_name="panels")
    quorum_agency_kinds = models.JSONField(default=_statutory_kinds, help_text="P8: agency kinds that must be present.")
    # The panel's own values of RULES.md §5's numbers; blank means the authority's protocol.
    p2_referral_working_days = models.PositiveIntegerField(null=True, blank=True)
    p3_listing_days = models.PositiveIntegerField(null=True, blank=True)
    p4_updates_working_days = models.PositiveIntegerField(null=True, blank=True)
    p5_papers_days = models.PositiveIntegerField(null=True, blank=True)
    p12_minutes_working_days = models.PositiveIntegerField(null=True, blank=True)
    p13_action_plan_hours = models.PositiveIntegerField(null=True, blank=True)
    p14_feedback_working_days = models.PositiveIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["authority", "name"], name="panel_name_once")]

    def __str__(self):
        return self.name


class PanelMember(models.Model):
    """A member agency with its named representative and deputy."""

    panel = models.ForeignKey(Panel, on_delete=models.CASCADE, related_name="members")
    agency = models.ForeignKey("casework.Agency", on_delete=models.PROTECT, related_name="+")
    representative = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                       related_name="+")
    deputy = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                               related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["panel", "agency"], name="panel_member_once")]


class MeetingStatus(models.TextChoices):
    SCHEDULED = "scheduled", "Scheduled"
    IN_PROGRESS = "in_progress", "In progress"
    ENDED = "ended", "Ended"


class Meeting(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    panel = models.ForeignKey(Panel, on_delete=models.PROTECT, related_name="meetings")
    starts_at = models.DateTimeField()
    status = models.CharField(max_length=12, choices=MeetingStatus.choices, default=MeetingStatus.SCHEDULED)
    list_published_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    minutes_approved_at = models.DateTimeField(null=True, blank=True)
    minutes_approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                                            blank=True, related_name="+")
    part1_notes = models.TextField(blank=True, help_text="P6: themes, trends, hotspots, CME and Prevent notes.")
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["starts_at"]
        constraints = [models.UniqueConstraint(fields=["panel", "starts_at"], name="meeting_once_per_time")]
        indexes = [models.Index(fields=["panel", "starts_at"])]

    def __str__(self):
        return f"{self.panel.name}, {self.starts_at:%d %b %Y %H:%M}"


class MeetingChild(models.Model):
    """A child on a meeting's part 2 list, with what was decided for them."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="listed")
    child = models.ForeignKey("missing.Child", on_delete=models.PROTECT, related_name="+")
    decisions = models.TextField(blank=True)
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["meeting", "child"], name="meeting_child_once")]


class Attendance(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="attendance")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    agency = models.ForeignKey("casework.Agency", on_delete=models.PROTECT, related_name="+")
    present = models.BooleanField(default=True)
    apology_update = models.TextField(blank=True, help_text="P16: the written update an apology brings.")
    confidentiality_agreed_at = models.DateTimeField(null=True, blank=True)
    recorded_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["meeting", "user"], name="attendance_once")]


class RatingValue(models.TextChoices):
    RED = "red", "Red"
    AMBER = "amber", "Amber"
    GREEN = "green", "Green"


class Rating(models.Model):
    """P9: a RAG rating decided at a meeting; every one is kept (the history)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    meeting = models.ForeignKey(Meeting, on_delete=models.PROTECT, related_name="ratings")
    child = models.ForeignKey("missing.Child", on_delete=models.PROTECT, related_name="+")
    rating = models.CharField(max_length=5, choices=RatingValue.choices)
    rationale = models.TextField()
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField()

    class Meta:
        ordering = ["-recorded_at"]
        indexes = [models.Index(fields=["child", "recorded_at"])]


class AgencyUpdate(models.Model):
    """P4: a member agency's research and update on a listed child, before the meeting."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="updates")
    child = models.ForeignKey("missing.Child", on_delete=models.PROTECT, related_name="+")
    agency = models.ForeignKey("casework.Agency", on_delete=models.PROTECT, related_name="+")
    text = models.TextField()
    written_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    written_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["meeting", "child", "agency"], name="agency_update_once")]


class PanelListEntry(models.Model):
    """F3: a child on the panel's list until the chair removes them (with a reason)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    panel = models.ForeignKey(Panel, on_delete=models.PROTECT, related_name="list_entries")
    child = models.ForeignKey("missing.Child", on_delete=models.PROTECT, related_name="+")
    added_at = models.DateTimeField()
    removed_at = models.DateTimeField(null=True, blank=True)
    removed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+")
    removal_reason = models.TextField(blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["panel", "child"], condition=models.Q(removed_at__isnull=True),
                                    name="panel_list_once")
        ]
