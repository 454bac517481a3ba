"""Children missing education (seed 002 §12, RULES.md §8): the school's day-1 contact, the
reasonable enquiries of days 2 to 28, and the case closing at one of three exits."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords


class EducationCaseKind(models.TextChoices):
    MISSING_EDUCATION = "cme", "Missing education (whereabouts known, no suitable education)"
    MISSING_FROM_EDUCATION = "cmfe", "Missing from education (has a school place, whereabouts unknown)"


class EducationExit(models.TextChoices):
    """The only three ways a case closes (§12)."""

    LOCATED = "located", "Child located"
    SCHOOL_PLACE_SECURED = "school_place_secured", "School place secured"
    NATIONAL_DATABASE = "national_database", "Put onto the national database"


class Enquiry(models.TextChoices):
    """The reasonable enquiries §12 lists: the school's first, then the local authority's."""

    SCHOOL_STAFF = "school_staff", "School checked with all staff the child had contact with"
    FRIENDS_AND_PARENTS = "friends_and_parents", "School checked with the child's friends and their parents"
    SIBLINGS_AND_RELATIVES = "siblings_and_relatives", "School checked with siblings and known relatives"
    PHONE_NUMBERS = "phone_numbers", "Telephone calls to every number held or identified"
    LETTER_LAST_ADDRESS = "letter_last_address", "Letter sent to the last known address"
    SCHOOL_HOME_VISIT = "school_home_visit", "Home visit by school staff"
    LA_CONSULTED = "la_consulted", "School consulted local authority staff"
    LA_HOME_VISIT = "la_home_visit", "Local authority visit to the child's home"
    NEIGHBOURS = "neighbours", "Neighbours and local community asked"
    LA_DATABASES = "la_databases", "Local authority databases checked"
    LOCAL_DATABASES = "local_databases", "Housing, health and police databases checked"
    AGENCIES_INVOLVED = "agencies_involved", "Agencies known to be involved with the family asked"
    PREVIOUS_AUTHORITY = "previous_authority", "Local authority the child moved from asked"
    NEXT_AUTHORITY = "next_authority", "Any local authority the child may have moved to asked"


class EducationCase(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    child = models.ForeignKey("missing.Child", on_delete=models.PROTECT, related_name="education_cases")
    kind = models.CharField(max_length=10, choices=EducationCaseKind.choices)
    school = models.CharField(max_length=200)
    first_day = models.DateField(help_text="Day 1: the first day the child did not attend without explanation.")
    # Day 1: the school's contact with the parents or carers.
    contact_made_at = models.DateTimeField(null=True, blank=True)
    contact_with = models.CharField(max_length=200, blank=True)
    contact_outcome = models.TextField(blank=True)
    safety_concerns = models.BooleanField(
        default=False, help_text="Concerns for the child's safety on day 1: refer to police and CSC at once."
    )
    referred_to_police_and_csc = models.BooleanField(default=False)
    agency = models.ForeignKey("casework.Agency", on_delete=models.PROTECT, related_name="education_cases")
    officer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="education_cases"
    )
    episodes = models.ManyToManyField("missing.MissingEpisode", related_name="education_cases", blank=True)
    removed_from_roll_on = models.DateField(null=True, blank=True)
    exit = models.CharField(max_length=30, choices=EducationExit.choices, blank=True)
    exit_note = models.TextField(blank=True)
    located_on = models.DateField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    opened_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords(m2m_fields=[episodes])

    class Meta:
        ordering = ["first_day"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(exit="") & Q(closed_at__isnull=True)) | (~Q(exit="") & Q(closed_at__isnull=False)),
                name="education_case_closed_with_one_exit",
            ),
            models.UniqueConstraint(
                fields=["child"], condition=Q(closed_at__isnull=True), name="education_case_one_open_per_child"
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} from {self.first_day:%d %b %Y}"

    @property
    def is_open(self):
        return self.closed_at is None


class EducationEnquiry(models.Model):
    """One reasonable enquiry made, with what it found."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    case = models.ForeignKey(EducationCase, on_delete=models.CASCADE, related_name="enquiries")
    item = models.CharField(max_length=30, choices=Enquiry.choices)
    done_on = models.DateField()
    outcome = models.TextField(blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["done_on"]
        constraints = [models.UniqueConstraint(fields=["case", "item"], name="education_enquiry_once_per_item")]
