"""A missing episode: one period in which a child was missing, absent or away."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from simple_history.models import HistoricalRecords


class Category(models.TextChoices):
    MISSING = "missing", "Missing"
    ABSENT = "absent", "Absent"
    AWAY_WITHOUT_AUTHORISATION = "away_without_authorisation", "Away from placement without authorisation"


class RiskLevel(models.TextChoices):
    HIGH = "high", "High"
    MEDIUM = "medium", "Medium"
    LOW = "low", "Low"


RISK_RANK = {RiskLevel.HIGH: 0, RiskLevel.MEDIUM: 1, RiskLevel.LOW: 2}


class LocationType(models.TextChoices):
    HOME = "home", "Home"
    CARE = "care", "Care"
    EDUCATION = "education", "Education"


class MissingEpisode(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    child = models.ForeignKey("missing.Child", on_delete=models.PROTECT, related_name="episodes")
    # The child's authority, kept on the episode (it never changes: a child stays with its authority,
    # and a merge joins two records of one authority), so that an authority's episodes of a time
    # range are read through one index, not every authority's episodes of that range (issue 13).
    authority = models.ForeignKey("casework.LocalAuthority", on_delete=models.PROTECT, related_name="+",
                                  editable=False, db_index=False)
    category = models.CharField(max_length=40, choices=Category.choices)
    risk_level = models.CharField(max_length=10, choices=RiskLevel.choices)
    location_type = models.CharField(max_length=20, choices=LocationType.choices)
    started_at = models.DateTimeField()
    reported_at = models.DateTimeField()
    returned_at = models.DateTimeField(null=True, blank=True)
    found_location = models.CharField(max_length=300, blank=True)
    police_ref = models.CharField(max_length=64, blank=True)
    significant_harm = models.BooleanField(default=False, help_text="Judged at risk of significant harm (S2).")
    additional_needs = models.BooleanField(
        default=False, help_text="Additional needs without significant harm: a multi-agency meeting is owed (T3)."
    )
    circumstances = models.TextField(blank=True)
    placement_provider = models.CharField(
        max_length=200, blank=True, help_text="Where the child was placed when the episode began (N7)."
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-started_at"]
        indexes = [
            models.Index(fields=["child", "started_at"]),
            # Open episodes (returned_at IS NULL) and those back since a time: the home page's counts
            # and today's high-risk list, which would otherwise read every episode of the authority.
            models.Index(fields=["returned_at"], name="episode_returned_at"),
            # An authority's episodes begun within a range: the panel's suggested children (the last
            # 90 days), the agenda's part 1 (since the last meeting), the dashboard's months.
            models.Index(fields=["authority", "started_at"], name="episode_authority_started"),
            # ...reported within a range: the daily risk meeting's overnight and weekend reports.
            models.Index(fields=["authority", "reported_at"], name="episode_authority_reported"),
            # ...back within a range: interview timeliness.
            models.Index(fields=["authority", "returned_at"], name="episode_authority_returned"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(returned_at__isnull=True) | Q(returned_at__gte=F("started_at")),
                name="episode_return_not_before_start",
            ),
            models.CheckConstraint(condition=Q(reported_at__gte=F("started_at")), name="episode_report_not_before_start"),
            models.UniqueConstraint(
                fields=["child"], condition=Q(returned_at__isnull=True), name="episode_one_open_per_child"
            ),
        ]

    def save(self, *args, **kwargs):
        if self.authority_id is None and self.child_id is not None:
            self.authority_id = self.child.authority_id
        super().save(*args, **kwargs)

    def __str__(self):
        return f"{self.get_category_display()} from {self.started_at:%d %b %Y %H:%M}"

    @property
    def is_open(self):
        return self.returned_at is None


class EpisodeMonthFigure(models.Model):
    """One number of the monthly dashboard, kept so that the dashboard reads a year in one query:
    for an authority and a calendar month (Europe/London) of episode starts, how many episodes (and
    distinct children) fall in one value of one dimension (a police category, an age band, a
    placement provider, the 'repeats' band of a child's episodes that month...).
    missing/report_months.py is the only writer: the services that change an episode's or a
    child's reported facts mark the months concerned (MonthRecount) inside their transaction, and a
    background job recounts them."""

    authority = models.ForeignKey("casework.LocalAuthority", on_delete=models.CASCADE, related_name="+")
    month = models.DateField(help_text="The first day of the month.")
    dimension = models.CharField(max_length=40)
    value = models.CharField(max_length=300, blank=True)
    episodes = models.IntegerField(null=True, blank=True)
    children = models.IntegerField()
    shown = models.CharField(max_length=300, blank=True, help_text="The value as written, for display.")

    class Meta:
        indexes = [models.Index(fields=["authority", "month"], name="episode_month_figure_month")]

    def __str__(self):
        return f"{self.month:%Y-%m} {self.dimension}={self.value}: {self.episodes}/{self.children}"


class MonthRecount(models.Model):
    """A month of an authority whose kept figures (EpisodeMonthFigure) a change has made out of date.
    The service that changed the facts writes (or renews) the mark inside its transaction; the
    recount job (missing/report_months.py) recounts the marked months and removes each mark it saw,
    unless it was renewed meanwhile (`token`), so a change made during a recount is never lost."""

    authority = models.ForeignKey("casework.LocalAuthority", on_delete=models.CASCADE, related_name="+")
    month = models.DateField(help_text="The first day of the month.")
    token = models.UUIDField(default=uuid.uuid4)
    marked_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["authority", "month"], name="month_recount_once")]

    def __str__(self):
        return f"{self.month:%Y-%m} of {self.authority_id}, marked {self.marked_at:%Y-%m-%d %H:%M}"
