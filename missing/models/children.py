"""The child's record: identity, status and the agencies that work with them."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Upper
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase
from simple_history.models import HistoricalRecords

from .placements import Ethnicity, PlacementType


class LegalStatus(models.TextChoices):
    NONE = "none", "No statutory involvement"
    CHILD_IN_NEED = "child_in_need", "Child in need"
    CHILD_PROTECTION_PLAN = "child_protection_plan", "Child protection plan"
    LOOKED_AFTER = "looked_after", "Looked after"
    CARE_LEAVER = "care_leaver", "Care leaver"
    EARLY_HELP = "early_help", "Early Help"


class Vulnerability(models.TextChoices):
    CSE = "cse", "Child sexual exploitation"
    CCE = "cce", "Child criminal exploitation"
    TRAFFICKING = "trafficking", "Trafficking"
    SELF_HARM = "self_harm", "Self-harm"
    GANGS = "gangs", "Gangs"
    RADICALISATION = "radicalisation", "Radicalisation"


class Gender(models.TextChoices):
    FEMALE = "female", "Female"
    MALE = "male", "Male"
    OTHER = "other", "Other"
    NOT_KNOWN = "not_known", "Not known"


class Child(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    authority = models.ForeignKey("casework.LocalAuthority", on_delete=models.PROTECT, related_name="children")
    given_name = models.CharField(max_length=100)
    family_name = models.CharField(max_length=100)
    date_of_birth = models.DateField()
    gender = models.CharField(max_length=20, choices=Gender.choices, default=Gender.NOT_KNOWN)
    police_person_id = models.CharField(max_length=64, blank=True, db_index=True)
    legal_status = models.CharField(max_length=30, choices=LegalStatus.choices, default=LegalStatus.NONE)
    send = models.BooleanField("special educational needs or disability", default=False)
    vulnerabilities = models.JSONField(default=list, blank=True)
    responsible_authority = models.CharField(
        max_length=200, blank=True, help_text="The council that looks after the child, when it is not this one."
    )
    placed_by_other_authority = models.BooleanField(default=False)
    placed_out_of_area = models.BooleanField(default=False)
    placement_provider = models.CharField(max_length=200, blank=True)
    allocated_team = models.CharField(max_length=200, blank=True)
    allocated_worker = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="allocated_children"
    )
    school = models.CharField(max_length=200, blank=True)
    ethnicity = models.CharField(max_length=4, blank=True, choices=Ethnicity.choices, help_text="A DfE ethnicity code (ETHNIC).")
    placement_type = models.CharField(max_length=30, blank=True, choices=PlacementType.choices)
    home_area = models.CharField(max_length=8, blank=True, help_text="The postcode district the child lives in.")
    provider = models.ForeignKey(
        "missing.PlacementProvider",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="children",
        help_text="The establishment the child is placed with now.",
    )
    merged_into = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="merged_from",
        help_text="Set when this record was merged into another (N3); the record then answers a pointer.",
    )
    lead_agency = models.ForeignKey(
        "casework.Agency", on_delete=models.SET_NULL, null=True, blank=True, related_name="lead_children"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    anonymised_at = models.DateTimeField(
        null=True, blank=True, help_text="When retention removed who the child was, keeping the numbers."
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["family_name", "given_name"]
        indexes = [
            models.Index(fields=["authority", "family_name", "given_name"]),
            # Likely matches for the triage queue (N3) share the family name, in any case.
            models.Index(Upper("family_name"), Upper("given_name"), name="child_names_upper"),
            # The triage queue's likely matches (selectors.candidates_for_notifications) within the
            # authority: the family name with the given name, or with the date of birth, so each arm
            # of the page's one query reads only the children it names (issue 13).
            models.Index(F("authority"), Upper("family_name"), Upper("given_name"), name="child_match_names"),
            models.Index(F("authority"), Upper("family_name"), F("date_of_birth"), name="child_match_family_dob"),
            # Search (children_search) matches a police person id exactly, in any case: with this
            # index the three alternatives are one BitmapOr with the name trigram indexes (0011),
            # instead of a scan of every child.
            models.Index(Upper("police_person_id"), name="child_police_person_upper"),
            # The live children of an authority by name: the children list walks it in order, and
            # counts it without reading the table (an index-only scan; merged-away records are not in it).
            models.Index(
                fields=["authority", "family_name", "given_name"], condition=Q(merged_into__isnull=True),
                name="child_live_by_name",
            ),
            # "Which of these children does the user see?": the rule's authority and the ids in one
            # index. Without it PostgreSQL joined the authority's whole trigram index (100,000
            # entries, 14 ms) to the ids' (issue 13).
            models.Index(fields=["authority", "id"], condition=Q(merged_into__isnull=True), name="child_live_by_id"),
            # A child's likely duplicates (N3) share its date of birth (or its police person id).
            models.Index(fields=["authority", "date_of_birth"], name="child_authority_dob"),
            # Children placed across authorities now (placements.selectors.placed_in_or_out): a few
            # in a hundred, found without reading the authority's other children.
            models.Index(
                fields=["authority"], condition=Q(placed_by_other_authority=True) | Q(placed_out_of_area=True),
                name="child_placed_across",
            ),
        ]
        permissions = [("share_child", "Can share a child's record with another agency")]

    def __str__(self):
        return f"{self.given_name} {self.family_name}"

    @property
    def full_name(self):
        return f"{self.given_name} {self.family_name}"


class ChildUserObjectPermission(UserObjectPermissionBase):
    content_object = models.ForeignKey(Child, on_delete=models.CASCADE)


class ChildGroupObjectPermission(GroupObjectPermissionBase):
    """An explicit share of one child's record with an agency (through the agency's group)."""

    content_object = models.ForeignKey(Child, on_delete=models.CASCADE)
