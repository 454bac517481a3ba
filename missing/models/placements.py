"""Where a child lives when looked after (N7): placement providers and each child's placements."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower


class ProviderKind(models.TextChoices):
    CHILDRENS_HOME = "childrens_home", "Children's home"
    FOSTER_CARE = "foster_care", "Foster care"
    SUPPORTED_ACCOMMODATION = "supported_accommodation", "Supported accommodation"
    SECURE = "secure", "Secure unit"
    OTHER = "other", "Other"


class PlacementType(models.TextChoices):
    """The kind of placement on the child's record, for the board's breakdowns (R2)."""

    FOSTER_CARE = "foster_care", "Foster care"
    CHILDRENS_HOME = "childrens_home", "Children's home"
    SUPPORTED_ACCOMMODATION = "supported_accommodation", "Supported accommodation"
    SECURE = "secure", "Secure unit"
    PLACED_WITH_PARENTS = "placed_with_parents", "Placed with parents"
    RESIDENTIAL_SCHOOL = "residential_school", "Residential school"
    OTHER = "other", "Other"


class Ethnicity(models.TextChoices):
    """The DfE ethnicity codes of the children-looked-after return (ETHNIC)."""

    WBRI = "WBRI", "White British"
    WIRI = "WIRI", "White Irish"
    WIRT = "WIRT", "Traveller of Irish heritage"
    WOTH = "WOTH", "Any other White background"
    WROM = "WROM", "Gypsy/Roma"
    MWBC = "MWBC", "White and Black Caribbean"
    MWBA = "MWBA", "White and Black African"
    MWAS = "MWAS", "White and Asian"
    MOTH = "MOTH", "Any other mixed background"
    AIND = "AIND", "Indian"
    APKN = "APKN", "Pakistani"
    ABAN = "ABAN", "Bangladeshi"
    AOTH = "AOTH", "Any other Asian background"
    BCRB = "BCRB", "Caribbean"
    BAFR = "BAFR", "African"
    BOTH = "BOTH", "Any other Black background"
    CHNE = "CHNE", "Chinese"
    OOTH = "OOTH", "Any other ethnic group"
    REFU = "REFU", "Refused"
    NOBT = "NOBT", "Information not yet obtained"


class PlacementProvider(models.Model):
    """An establishment children are placed with: a children's home, a fostering agency, ..."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    authority = models.ForeignKey("casework.LocalAuthority", on_delete=models.PROTECT, related_name="providers")
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=30, choices=ProviderKind.choices)
    address = models.TextField(blank=True)
    postcode = models.CharField(max_length=10, blank=True)
    ofsted_urn = models.CharField("Ofsted URN", max_length=20, blank=True)
    host_authority = models.CharField(
        max_length=200, blank=True, help_text="The council the establishment stands in, when it is not this one."
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        indexes = [models.Index(fields=["authority", "name"])]

    def __str__(self):
        return self.name


class Placement(models.Model):
    """One period of a child's placement history."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    child = models.ForeignKey("missing.Child", on_delete=models.CASCADE, related_name="placements")
    provider = models.ForeignKey(
        PlacementProvider, on_delete=models.PROTECT, null=True, blank=True, related_name="placements"
    )
    placement_type = models.CharField(max_length=30, choices=PlacementType.choices)
    started_on = models.DateField()
    ended_on = models.DateField(null=True, blank=True)
    responsible_authority = models.CharField(
        max_length=200, blank=True, help_text="The council that looks after the child, when it is not this one."
    )
    host_authority = models.CharField(
        max_length=200, blank=True, help_text="The council the child lives in, when it is not this one."
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-started_on"]
        indexes = [models.Index(fields=["child", "started_on"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True) | Q(ended_on__gte=models.F("started_on")),
                name="placement_end_not_before_start",
            ),
            # A child lives in one place at a time: recording a new current placement ends the last.
            models.UniqueConstraint(
                fields=["child"], condition=Q(ended_on__isnull=True), name="one_current_placement_per_child"
            ),
        ]

    def __str__(self):
        return f"{self.get_placement_type_display()} from {self.started_on:%d %b %Y}"


class AuthorityContact(models.Model):
    """Where another council wants our out-of-area notices (N7): configured by our administrators.

    The name is matched, ignoring case, with a placement's responsible or host authority."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    authority = models.ForeignKey(
        "casework.LocalAuthority", on_delete=models.PROTECT, related_name="authority_contacts"
    )
    other_authority = models.CharField(max_length=200, help_text="The other council's name, as placements name it.")
    email = models.EmailField(help_text="The mailbox that receives our notices about its children or its area.")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["other_authority"]
        constraints = [
            models.UniqueConstraint("authority", Lower("other_authority"), name="one_contact_per_other_authority"),
        ]

    def __str__(self):
        return f"{self.other_authority}: {self.email}"


class MissingChildUpdate(models.Model):
    """A dated note on a missing child's record: the latest position and what is done to find them."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    child = models.ForeignKey("missing.Child", on_delete=models.CASCADE, related_name="missing_updates")
    episode = models.ForeignKey(
        "missing.MissingEpisode", on_delete=models.CASCADE, null=True, blank=True, related_name="updates"
    )
    position = models.TextField(help_text="The latest position.")
    actions_to_locate = models.TextField(blank=True)
    written_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    written_at = models.DateTimeField()

    class Meta:
        ordering = ["-written_at"]
        indexes = [models.Index(fields=["child", "-written_at"])]

    def __str__(self):
        return f"Update of {self.written_at:%d %b %Y %H:%M}"
