"""Child meetings (strategy, multi-agency, missing-from-care, review conference, DCI), the SMART
actions agencies own (P10), each update to an action, its evidence, and the weekly digest's schedule."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords


class MeetingKind(models.TextChoices):
    STRATEGY = "strategy", "Missing strategy meeting"
    MULTI_AGENCY = "multi_agency", "Multi-agency meeting"
    MISSING_FROM_CARE = "missing_from_care", "Missing from care meeting"
    REVIEW_CONFERENCE = "review_conference", "Review child protection conference"
    DCI = "dci", "Police DCI and senior managers meeting (28 days)"


# The deadline of RULES.md §2 that recording each kind of meeting completes.
MEETING_RULES = {
    MeetingKind.STRATEGY: "T2",
    MeetingKind.MULTI_AGENCY: "T3",
    MeetingKind.MISSING_FROM_CARE: "T5",
    MeetingKind.REVIEW_CONFERENCE: "T4",
    MeetingKind.DCI: "T10",
}


class HarmLevel(models.TextChoices):
    HIGH = "high", "High: at risk of significant harm"
    MEDIUM = "medium", "Medium: additional needs"
    LOW = "low", "Low"


class ExploitationRisk(models.TextChoices):
    """The risks seed 002 §10 asks a missing strategy or multi-agency meeting to consider."""

    SEXUAL_EXPLOITATION = "sexual_exploitation", "Sexual exploitation"
    CRIMINAL_EXPLOITATION = "criminal_exploitation", "Criminal exploitation or gang involvement"
    INVOLVED_IN_CRIME = "involved_in_crime", "Involved in crime"
    VICTIM_OF_CRIME = "victim_of_crime", "Victim of crime"
    HEALTH = "health", "Health issues (sexual, physical, emotional)"
    BULLYING = "bullying", "Bullying, including cyber bullying"
    DOMESTIC_ABUSE = "domestic_abuse", "Domestic abuse at home or in a relationship"
    PERSON_POSING_RISK = "person_posing_risk", "Associating with a person posing a risk to children"
    TRAFFICKING = "trafficking", "Trafficking"
    HONOUR_BASED_VIOLENCE = "honour_based_violence", "Honour-based violence"
    FORCED_MARRIAGE = "forced_marriage", "Forced marriage"
    FGM = "fgm", "Female genital mutilation"
    RADICALISATION = "radicalisation", "Radicalisation"


class ChildMeeting(models.Model):
    """A meeting about one child, with its risk assessment and decisions (seed 002 §9, §10; its
    Appendix 6). Its support plan is the actions agreed at it (Action.meeting)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    child = models.ForeignKey("missing.Child", on_delete=models.PROTECT, related_name="meetings")
    kind = models.CharField(max_length=30, choices=MeetingKind.choices)
    held_at = models.DateTimeField()
    attendees = models.JSONField(default=list, help_text="[{name, role, agency}]")
    harm_level = models.CharField("level of harm", max_length=10, choices=HarmLevel.choices, blank=True)
    exploitation_risks = models.JSONField(default=list, blank=True)
    risk_summary = models.TextField("risk assessment", blank=True)
    decisions = models.TextField()
    section_47 = models.BooleanField("a Section 47 enquiry starts", null=True, blank=True)
    review_date = models.DateField(null=True, blank=True)
    completed_deadlines = models.JSONField(default=list, blank=True, help_text="Ids of the deadlines it completed.")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-held_at"]
        indexes = [models.Index(fields=["child", "held_at"])]

    def __str__(self):
        return f"{self.get_kind_display()} held {self.held_at:%d %b %Y}"

    @property
    def rule(self):
        return MEETING_RULES[self.kind]

    @property
    def exploitation_risk_labels(self):
        labels = dict(ExploitationRisk.choices)
        return [labels.get(value, value) for value in self.exploitation_risks]


class ActionStatus(models.TextChoices):
    OPEN = "open", "Open"
    DONE = "done", "Done"
    CANCELLED = "cancelled", "Cancelled"


class Action(models.Model):
    """A SMART action (P10) one agency owns for one child. Where it was agreed is a child meeting,
    a return interview or a panel meeting (`panel_meeting_id`, filled by the panels app), or none."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    authority = models.ForeignKey("casework.LocalAuthority", on_delete=models.PROTECT, related_name="+")
    child = models.ForeignKey("missing.Child", on_delete=models.PROTECT, related_name="actions")
    meeting = models.ForeignKey(
        ChildMeeting, on_delete=models.PROTECT, null=True, blank=True, related_name="actions"
    )
    return_interview = models.ForeignKey(
        "missing.ReturnInterview", on_delete=models.PROTECT, null=True, blank=True, related_name="actions"
    )
    panel_meeting_id = models.UUIDField(null=True, blank=True, db_index=True)
    owner_agency = models.ForeignKey("casework.Agency", on_delete=models.PROTECT, related_name="actions")
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="owned_actions"
    )
    description = models.TextField()
    success_measure = models.TextField()
    due_date = models.DateField()
    status = models.CharField(max_length=10, choices=ActionStatus.choices, default=ActionStatus.OPEN)
    # P15's second step after this many working days, where the panel that agreed the action sets its
    # own number; otherwise the authority's protocol.
    second_step_working_days = models.PositiveIntegerField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["due_date", "created_at"]
        indexes = [
            models.Index(fields=["owner_agency", "status", "due_date"], name="action_agency_status_due"),
            models.Index(fields=["owner", "status"], name="action_owner_status"),
            models.Index(fields=["child", "status"], name="action_child_status"),
            # The tracker's and the API's order within the one authority a user sees (issue 13).
            models.Index(fields=["authority", "due_date", "created_at", "id"], name="action_authority_due"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="open", completed_at__isnull=True) | ~Q(status="open"),
                name="action_open_not_completed",
            ),
        ]

    def __str__(self):
        return self.description[:80]

    @property
    def is_open(self):
        return self.status == ActionStatus.OPEN

    @property
    def agreed_at_reference(self):
        """Where it was agreed, as an id: a child meeting or a panel meeting (API `meeting`)."""
        return self.meeting_id or self.panel_meeting_id


class ActionUpdate(models.Model):
    """One entry of an action's timeline: who, when, the status after it, and what they said."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    action = models.ForeignKey(Action, on_delete=models.CASCADE, related_name="updates")
    number = models.PositiveIntegerField(help_text="1, 2, 3 ... in the order written (two may share a time).")
    at = models.DateTimeField()
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    status = models.CharField(max_length=10, choices=ActionStatus.choices)
    text = models.TextField(blank=True)

    class Meta:
        ordering = ["number"]
        constraints = [models.UniqueConstraint(fields=["action", "number"], name="action_update_number_once")]

    def __str__(self):
        return f"{self.get_status_display()} at {self.at:%d %b %Y %H:%M}"


class ActionEvidence(models.Model):
    """A file attached to an action, stored outside the web root under a name of our making and
    served only through the action's permission check (actions/evidence.py)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    action = models.ForeignKey(Action, on_delete=models.CASCADE, related_name="evidence")
    update = models.ForeignKey(
        ActionUpdate, on_delete=models.SET_NULL, null=True, blank=True, related_name="evidence"
    )
    stored_name = models.CharField(max_length=200, unique=True)
    original_name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    uploaded_at = models.DateTimeField()

    class Meta:
        ordering = ["uploaded_at"]
        verbose_name_plural = "action evidence"

    def __str__(self):
        return self.original_name


class DigestSchedule(models.Model):
    """The subject of one authority's weekly actions digest in the clock engine: each Monday's
    sending is a deadline row of it, fired once like any notice."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    authority = models.OneToOneField("casework.LocalAuthority", on_delete=models.CASCADE, related_name="+")

    def __str__(self):
        return f"Weekly actions digest of {self.authority}"
