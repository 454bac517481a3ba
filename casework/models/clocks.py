"""Statutory clocks as data: each authority's protocol numbers, who receives notices, the deadlines
of RULES.md §2 as rows, each firing of a notice or escalation, and the in-app inbox."""

import uuid
from dataclasses import fields as dataclass_fields

from django.conf import settings
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from ..protocol import Protocol
from .people import LocalAuthority

_PROTOCOL_DEFAULTS = {f.name: f.default for f in dataclass_fields(Protocol)}


def _number(name, label):
    """One protocol number, defaulting to RULES.md's value in casework.protocol.Protocol."""
    return models.PositiveIntegerField(label, default=_PROTOCOL_DEFAULTS[name])


class LocalProtocol(models.Model):
    """The numbers of one council's protocol. Without a row, RULES.md's defaults apply."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    authority = models.OneToOneField(LocalAuthority, on_delete=models.PROTECT, related_name="protocol")
    scope_age = _number("scope_age", "N6 in scope under this age")
    scope_age_extended = _number("scope_age_extended", "N6 care leavers and SEND in scope under this age")
    t1_return_interview_hours = _number("t1_return_interview_hours", "T1 return interview (hours from return)")
    t2_strategy_meeting_hours = _number("t2_strategy_meeting_hours", "T2 strategy meeting (hours)")
    t2_strategy_meeting_warn_hours = _number("t2_strategy_meeting_warn_hours", "T2 strategy meeting warning (hours)")
    t3_multi_agency_meeting_working_days = _number(
        "t3_multi_agency_meeting_working_days", "T3 multi-agency meeting (working days)"
    )
    t4_cp_missing_after_hours = _number("t4_cp_missing_after_hours", "T4 child protection plan, missing for (hours)")
    t4_review_conference_working_days = _number(
        "t4_review_conference_working_days", "T4 review conference (working days)"
    )
    t5_missing_from_care_meeting_days = _number(
        "t5_missing_from_care_meeting_days", "T5 missing from care meeting (days)"
    )
    t6_head_of_service_hours = _number("t6_head_of_service_hours", "T6 Head of Service told (hours)")
    t6_head_of_service_update_hours = _number("t6_head_of_service_update_hours", "T6 Head of Service update (hours)")
    t7_lead_member_days = _number("t7_lead_member_days", "T7 Lead Member told (days)")
    t8_cin_head_of_service_days = _number(
        "t8_cin_head_of_service_days", "T8 child in need, Head of Service told (days)"
    )
    t9_early_help_days = _number("t9_early_help_days", "T9 Early Help group managers told (days)")
    t10_dci_meeting_days = _number("t10_dci_meeting_days", "T10 police DCI meeting (days)")
    t12_assessment_days = _number("t12_assessment_days", "T12 case passed for assessment (days)")
    t13_plan_review_days = _number("t13_plan_review_days", "T13 plan reviewed every (days)")
    s1_occasions = _number("s1_occasions", "S1 occasions")
    s1_window_days = _number("s1_window_days", "S1 window (days)")
    s3_not_traced_days = _number("s3_not_traced_days", "S3 not traced within (days)")
    s4_young_age = _number("s4_young_age", "S4 aged this or under")
    s6_missing_hours = _number("s6_missing_hours", "S6 missing for (hours)")
    f1_episodes = _number("f1_episodes", "F1 episodes")
    f1_window_days = _number("f1_window_days", "F1 window (days)")
    n8_profile_review_days = _number("n8_profile_review_days", "N8 missing person profile reviewed every (days)")
    p2_referral_working_days = _number("p2_referral_working_days", "P2 referral deadline (working days before)")
    p3_listing_days = _number("p3_listing_days", "P3 cases listed (days before)")
    p4_updates_working_days = _number("p4_updates_working_days", "P4 agencies' updates (working days before)")
    p5_papers_days = _number("p5_papers_days", "P5 papers sent (days before)")
    p12_minutes_working_days = _number("p12_minutes_working_days", "P12 minutes circulated (working days)")
    p13_action_plan_hours = _number("p13_action_plan_hours", "P13 action plan sent (hours)")
    p14_feedback_working_days = _number("p14_feedback_working_days", "P14 feedback to professionals (working days)")
    p15_second_step_working_days = _number(
        "p15_second_step_working_days", "P15 overdue action escalated again to a higher manager after (working days)"
    )
    cme_enquiry_last_day = _number("cme_enquiry_last_day", "Missing education: reasonable enquiries until day")
    cme_roll_removal_after_days = _number(
        "cme_roll_removal_after_days", "Missing education: no removal from the school roll before (days)"
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = "local protocol"

    def __str__(self):
        return f"Protocol of {self.authority}"

    def as_protocol(self) -> Protocol:
        return Protocol(**{name: getattr(self, name) for name in Protocol.field_names()})


class NoticeRole(models.TextChoices):
    HEAD_OF_SERVICE = "head_of_service", "Head of Service"
    LEAD_MEMBER = "lead_member", "Lead Member"
    CORPORATE_PARENTING_BOARD = "corporate_parenting_board", "Corporate Parenting Board"
    IRO = "iro", "Independent Reviewing Officer"
    EARLY_HELP_GROUP_MANAGER = "early_help_group_manager", "Early Help group manager"
    POLICE_DCI = "police_dci", "Police DCI"
    SENIOR_MANAGER = "senior_manager", "Senior manager"


class NoticeRecipient(models.Model):
    """Who, in one authority, receives the notices and escalations addressed to a role."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    authority = models.ForeignKey(LocalAuthority, on_delete=models.PROTECT, related_name="notice_recipients")
    role = models.CharField(max_length=40, choices=NoticeRole.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, blank=True, related_name="notice_roles"
    )
    email = models.EmailField(blank=True, help_text="An address outside the product, e.g. a board's shared mailbox.")
    history = HistoricalRecords()

    class Meta:
        ordering = ["role"]
        constraints = [
            models.CheckConstraint(condition=Q(user__isnull=False) | ~Q(email=""), name="recipient_user_or_email"),
        ]

    def __str__(self):
        return f"{self.get_role_display()}: {self.user or self.email}"


class DeadlineKind(models.TextChoices):
    DUTY = "duty", "Duty"
    NOTICE = "notice", "Notice"


class DeadlineStatus(models.TextChoices):
    OPEN = "open", "Open"
    DONE = "done", "Done"
    OVERDUE = "overdue", "Overdue"
    CANCELLED = "cancelled", "Cancelled"


LIVE_STATUSES = (DeadlineStatus.OPEN, DeadlineStatus.OVERDUE)


class Deadline(models.Model):
    """One clock of a rule for one subject, with the numbers it used.

    `key` tells apart the rows of one rule for one subject: T6's 24-hour notice and 72-hour update,
    T13's first, second ... monthly review.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    # Indexed first in deadline_authority_kind_child (which serves every lookup by authority alone).
    authority = models.ForeignKey(LocalAuthority, on_delete=models.PROTECT, related_name="deadlines", db_index=False)
    rule = models.CharField(max_length=8)
    key = models.CharField(max_length=40, default="", blank=True)
    kind = models.CharField(max_length=10, choices=DeadlineKind.choices)
    title = models.CharField(max_length=200)
    # The subject the rule counts for (an episode, a meeting, an action ...): a clock kind's name and
    # the subject's id. The engine knows no domain model; the kind registered under subject_type does.
    subject_type = models.CharField(max_length=40)
    subject_id = models.UUIDField()
    # The child the subject concerns, where there is one: the child's page lists the row.
    child_id = models.UUIDField(null=True, blank=True)
    counts_from = models.DateTimeField()
    due_at = models.DateTimeField()
    warn_at = models.DateTimeField(null=True, blank=True)
    warned_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=10, choices=DeadlineStatus.choices, default=DeadlineStatus.OPEN)
    params = models.JSONField(default=dict, blank=True)
    basis = models.CharField(max_length=200, blank=True, help_text="How the due time was counted, in words.")
    source = models.CharField(max_length=100, blank=True)
    reason = models.TextField(blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    note = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["due_at"]
        indexes = [
            models.Index(fields=["status", "due_at"], name="deadline_status_due"),
            models.Index(fields=["status", "warn_at"], name="deadline_status_warn"),
            models.Index(fields=["child_id", "status"], name="deadline_child_status"),
            # A subject's rows: deadline_once_per_subject's index, whose first columns are (subject_type,
            # subject_id). Someone's rows of one kind counted from the index alone: a force's 200,000
            # rows of an authority joined to the children it sees (deadlines_visible_count, issue 13).
            models.Index(fields=["authority", "subject_type", "child_id"], name="deadline_authority_kind_child"),
            # An authority's rows of one rule that began counting within a range (the MASH daily
            # meeting's threshold crossings), without reading the authority's every deadline.
            models.Index(fields=["authority", "rule", "counts_from"], name="deadline_authority_rule_from"),
            # The API's list (deadlines_visible_to, ordered by due_at, rule, id) and its count.
            models.Index(fields=["authority", "due_at", "rule", "id"], name="deadline_authority_due"),
            # Its open and overdue filters (Deadline.status_is), "due and overdue" and the home page's duty
            # counts: the live rows, a small part of all.
            models.Index(
                fields=["authority", "due_at", "rule", "id"], name="deadline_authority_live_due",
                condition=Q(status__in=LIVE_STATUSES),
            ),
        ]
        constraints = [
            models.UniqueConstraint(fields=["subject_type", "subject_id", "rule", "key"], name="deadline_once_per_subject"),
        ]

    def __str__(self):
        return f"{self.rule} {self.title} due {self.due_at:%Y-%m-%d %H:%M}"

    @property
    def is_live(self):
        return self.status in LIVE_STATUSES

    def status_at(self, now):
        """The status as it is at `now`: a duty past its due time reads overdue at once, before the
        sweep has fired its escalation (which it still does, exactly once)."""
        if self.status == DeadlineStatus.OPEN and self.kind == DeadlineKind.DUTY and self.due_at <= now:
            return DeadlineStatus.OVERDUE
        return self.status

    @staticmethod
    def status_is(status, now):
        """A filter matching rows whose `status_at(now)` is `status`, for list queries."""
        late_duty = Q(status=DeadlineStatus.OPEN, kind=DeadlineKind.DUTY, due_at__lte=now)
        if status == DeadlineStatus.OVERDUE:
            return Q(status=DeadlineStatus.OVERDUE) | late_duty
        if status == DeadlineStatus.OPEN:
            return Q(status=DeadlineStatus.OPEN) & ~late_duty
        return Q(status=status)


CLOSED_STATUSES = (DeadlineStatus.DONE, DeadlineStatus.CANCELLED)


class DeadlineTally(models.Model):
    """How many closed (done or cancelled) deadline rows an authority has of one kind and status, as
    rows of changes: the clock engine's services add +1 or -1 in the transaction that closes,
    reopens or erases a row, and the sweep folds each group's rows into one (services.py). Nothing
    is ever updated in place, so busy transactions never wait on each other for a shared counter.

    The lists' counts read it instead of every closed row of the authority (200,000 at national
    size, 10 years of history) when the user sees a kind's every row there (issue 13); the live
    rows, a small part, are always counted as they are. The sum over a group equals
    `Deadline.objects.filter(authority=..., subject_type=..., status=...).count()`."""

    id = models.BigAutoField(primary_key=True)
    authority = models.ForeignKey(LocalAuthority, on_delete=models.CASCADE, related_name="+")
    subject_type = models.CharField(max_length=40)
    status = models.CharField(max_length=10, choices=DeadlineStatus.choices)
    n = models.IntegerField()

    class Meta:
        indexes = [models.Index(fields=["authority", "subject_type", "status"], name="deadline_tally_group")]

    def __str__(self):
        return f"{self.subject_type} {self.status} {self.n:+d}"


class SubjectClock(models.Model):
    """When the sweep next re-evaluates one subject's rules: the moment time alone may change what
    its clock kind wants (for an episode S3, S6, T4, the next T13 review), as computed at the last
    reconcile. None when only a new fact can change it. The sweep asks only for rows due now."""

    subject_type = models.CharField(max_length=40)
    subject_id = models.UUIDField()
    next_check_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["subject_type", "subject_id"], name="subject_clock_once"),
        ]
        indexes = [
            models.Index(
                fields=["next_check_at"], name="subject_clock_next_check", condition=Q(next_check_at__isnull=False)
            )
        ]

    def __str__(self):
        return f"{self.subject_type} {self.subject_id} next checked at {self.next_check_at}"


class EscalationStep(models.TextChoices):
    NOTICE = "notice", "Notice sent"
    WARNING = "warning", "Warning before due"
    OVERDUE = "overdue", "Overdue"


class Escalation(models.Model):
    """One firing of a deadline's notice, warning or overdue escalation. The unique constraint makes
    each fire exactly once, however many sweeps run and however late."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    deadline = models.ForeignKey(Deadline, on_delete=models.PROTECT, related_name="escalations")
    rule = models.CharField(max_length=8)
    step = models.CharField(max_length=10, choices=EscalationStep.choices)
    fired_at = models.DateTimeField()
    recipients = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["-fired_at"]
        constraints = [models.UniqueConstraint(fields=["deadline", "step"], name="escalation_once_per_step")]
        # The API's list, newest first: read in order and each checked against its deadline.
        indexes = [models.Index(fields=["-fired_at", "id"], name="escalation_newest")]

    def __str__(self):
        return f"{self.rule} {self.step} at {self.fired_at:%Y-%m-%d %H:%M}"


class InboxItem(models.Model):
    """A notice or escalation as one person sees it in the product. IRO notices (T11) ask for an
    acknowledgement click, as the practice guidance's 'Incoming Work' folder does."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="inbox_items")
    escalation = models.ForeignKey(Escalation, on_delete=models.PROTECT, related_name="inbox_items")
    subject = models.CharField(max_length=300)
    body = models.TextField(blank=True)
    created_at = models.DateTimeField()
    read_at = models.DateTimeField(null=True, blank=True)
    needs_acknowledgement = models.BooleanField(default=False)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["user", "read_at"], name="inbox_user_unread")]
        constraints = [models.UniqueConstraint(fields=["escalation", "user"], name="inbox_once_per_user")]

    def __str__(self):
        return self.subject
