"""What happens when a child comes back (seed 002 §9, §13): the police safe-and-well check and the
independent return home interview (RHI) offered within 72 hours of the return (rule T1).
"""

import uuid

from django.conf import settings
from django.db import models
from simple_history.models import HistoricalRecords


class HarmIndicator(models.TextChoices):
    INJURY = "injury", "Physical injury"
    SEXUAL_HARM = "sexual_harm", "Signs of sexual harm"
    SUBSTANCES = "substances", "Under the influence of alcohol or drugs"
    NEGLECT = "neglect", "Hungry, cold or unkempt"
    EXPLOITATION = "exploitation", "Signs of exploitation"
    SELF_HARM = "self_harm", "Self-harm"
    OFFENDING = "offending", "Offending by or against the child"


class SafeAndWellCheck(models.Model):
    """The police debrief after a child is found: one per episode."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    episode = models.OneToOneField(
        "missing.MissingEpisode", on_delete=models.PROTECT, related_name="safe_and_well_check"
    )
    officer = models.CharField("Carried out by", max_length=200, help_text="Officer's name and collar number.")
    checked_at = models.DateTimeField()
    where_found = models.CharField(max_length=300)
    with_whom = models.TextField(blank=True)
    disclosures = models.TextField(blank=True)
    harm_indicators = models.JSONField(default=list, blank=True)
    harm_details = models.TextField(blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-checked_at"]

    def __str__(self):
        return f"Safe and well check {self.checked_at:%d %b %Y %H:%M}"


class InterviewState(models.TextChoices):
    OFFERED = "offered", "Offered"
    ACCEPTED = "accepted", "Accepted"
    DECLINED = "declined", "Declined"
    COMPLETED = "completed", "Completed"
    NOT_POSSIBLE = "not_possible", "Not possible"


# The only moves an interview may make. It is held only once the child has accepted and chosen an
# interviewer; a refusal goes back to the referrer, who may find another professional to offer it
# again (§9); a completed interview is final.
INTERVIEW_TRANSITIONS = {
    InterviewState.OFFERED: {InterviewState.ACCEPTED, InterviewState.DECLINED, InterviewState.NOT_POSSIBLE},
    InterviewState.ACCEPTED: {InterviewState.COMPLETED, InterviewState.DECLINED, InterviewState.NOT_POSSIBLE},
    InterviewState.DECLINED: {InterviewState.OFFERED},
    InterviewState.NOT_POSSIBLE: {InterviewState.OFFERED},
    InterviewState.COMPLETED: set(),
}
OWED_STATES = (InterviewState.OFFERED, InterviewState.ACCEPTED)


class InterviewerRole(models.TextChoices):
    """Professionals independent of the child's daily care whom the child may choose (§9)."""

    SOCIAL_WORKER = "social_worker", "Social worker"
    TEACHER = "teacher", "Teacher"
    HEALTH = "health", "Health professional"
    RHI_SERVICE = "rhi_service", "Return interview service"


class DeclinedBy(models.TextChoices):
    CHILD = "child", "The young person"
    PARENT = "parent", "A parent or carer"


class PushFactor(models.TextChoices):
    CONFLICT_AT_HOME = "conflict_at_home", "Arguments or conflict at home or placement"
    ABUSE_AT_HOME = "abuse_at_home", "Abuse or neglect at home"
    DOMESTIC_ABUSE = "domestic_abuse", "Domestic abuse"
    PLACEMENT_UNHAPPY = "placement_unhappy", "Unhappy with placement or rules"
    BULLYING = "bullying", "Bullying, including online"
    SCHOOL = "school", "Problems at school"
    MENTAL_HEALTH = "mental_health", "Mental health or emotional wellbeing"
    BEREAVEMENT = "bereavement", "Loss or bereavement"


class PullFactor(models.TextChoices):
    FRIENDS = "friends", "Wanting to be with friends"
    FAMILY = "family", "Wanting to be with family"
    PARTNER = "partner", "Boyfriend or girlfriend"
    OLDER_ASSOCIATES = "older_associates", "Older associates or adults"
    SUBSTANCES = "substances", "Alcohol or drugs"
    MONEY_OR_GIFTS = "money_or_gifts", "Money, gifts or rewards"
    PARTIES = "parties", "Parties or social events"
    ONLINE_CONTACT = "online_contact", "Someone met online"


class ExploitationIndicator(models.TextChoices):
    UNEXPLAINED_GIFTS = "unexplained_gifts", "Unexplained money, phones or gifts"
    OUT_OF_AREA = "out_of_area", "Travelled or found out of area"
    OLDER_PARTNER = "older_partner", "Relationship with an older person"
    DRUG_RUNNING = "drug_running", "Carrying or selling drugs (county lines)"
    WEAPONS = "weapons", "Carrying weapons"
    SEXUAL_ACTIVITY = "sexual_activity", "Sexual activity with adults"
    DEBT_BONDAGE = "debt_bondage", "Owes money or favours"
    GANG_ASSOCIATION = "gang_association", "Association with gangs"


class ReturnInterview(models.Model):
    """One return home interview. It covers every episode since the last one was held: a child who
    goes missing again before the interview is not offered a second one."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    child = models.ForeignKey("missing.Child", on_delete=models.PROTECT, related_name="return_interviews")
    # The child's authority, kept as on the episode (MissingEpisode.authority), for the range reads.
    authority = models.ForeignKey("casework.LocalAuthority", on_delete=models.PROTECT, related_name="+",
                                  editable=False, db_index=False)
    episodes = models.ManyToManyField("missing.MissingEpisode", related_name="return_interviews")
    # The earliest return of the episodes it covers, kept by the services whenever an episode is
    # added or removed or its return moves (interviews.services.interviews_first_return_keep): the
    # order of the interview lists and the period a timeliness report counts it in, read from an
    # index rather than worked out over every interview's episodes.
    first_returned_at = models.DateTimeField(null=True, blank=True, editable=False)
    state = models.CharField(max_length=20, choices=InterviewState.choices, default=InterviewState.OFFERED)
    offered_at = models.DateTimeField()
    referrer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="Who asked for the interview; a refusal is fed back to them (§9).",
    )
    arranged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    arranged_by_mash_coordinator = models.BooleanField(default=False)
    interviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="assigned_interviews"
    )
    interviewer_role = models.CharField(max_length=20, choices=InterviewerRole.choices, blank=True)
    interviewer_agency = models.ForeignKey(
        "casework.Agency", on_delete=models.PROTECT, null=True, blank=True, related_name="return_interviews"
    )
    accepted_at = models.DateTimeField(null=True, blank=True)
    held_at = models.DateTimeField(null=True, blank=True)
    # A refusal (§13): what was learnt, and where it was fed back to.
    declined_at = models.DateTimeField(null=True, blank=True)
    declined_by = models.CharField(max_length=10, choices=DeclinedBy.choices, blank=True)
    refusal_learnt = models.TextField(blank=True)
    routed_to = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    routed_at = models.DateTimeField(null=True, blank=True)
    not_possible_reason = models.TextField(blank=True)
    # What the child said.
    push_factors = models.JSONField(default=list, blank=True)
    push_other = models.TextField(blank=True)
    pull_factors = models.JSONField(default=list, blank=True)
    pull_other = models.TextField(blank=True)
    where_and_with_whom = models.TextField(blank=True)
    harm_experienced = models.TextField(blank=True)
    exploitation_indicators = models.JSONField(default=list, blank=True)
    voice_of_child = models.TextField(blank=True)
    what_would_help = models.TextField(blank=True)
    police_intelligence = models.TextField(blank=True)
    intelligence_shared_at = models.DateTimeField(null=True, blank=True)
    intelligence_shared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords(m2m_fields=[episodes])

    class Meta:
        ordering = ["-offered_at"]
        indexes = [
            models.Index(fields=["child", "state"]),
            models.Index(fields=["interviewer", "state"]),
            # An authority's interviews held within a range: the panel agenda's part 1 themes.
            models.Index(fields=["authority", "held_at"], condition=models.Q(state="completed"),
                         name="interview_authority_held"),
            # ...offered in a month or a year: the dashboard's interview sections.
            models.Index(fields=["authority", "offered_at"], name="interview_authority_offered"),
            # ...by their first return: the timeliness report's period.
            models.Index(fields=["authority", "first_returned_at"], name="interview_authority_returned"),
            # ...of the children someone sees, in a state or in any: a force's count of its 118,000
            # from the index alone, joined to the children it sees (issue 13).
            models.Index(fields=["authority", "state", "child"], name="interview_authority_state_kid"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["child"],
                condition=models.Q(state__in=["offered", "accepted"]),
                name="return_interview_one_owed_per_child",
            ),
        ]

    def save(self, *args, **kwargs):
        if self.authority_id is None and self.child_id is not None:
            self.authority_id = self.child.authority_id
        super().save(*args, **kwargs)

    def __str__(self):
        return f"Return interview ({self.get_state_display()}) offered {self.offered_at:%d %b %Y}"

    @property
    def is_owed(self):
        return self.state in OWED_STATES
