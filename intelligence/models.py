"""Panel intelligence (RULES.md §6): places, persons of concern, the associations between children,
adults and places, and disruption activity. Every row belongs to one panel and is seen only by its
members (permissions.py); none of it is part of a child's case record."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords


class PlaceKind(models.TextChoices):
    PREMISES = "premises", "Premises"
    ADDRESS = "address", "Private address"
    PARK = "park", "Park or open space"
    TRANSPORT_HUB = "transport_hub", "Transport hub"
    HOTEL = "hotel", "Hotel"
    SHOP = "shop", "Shop"
    TAKEAWAY = "takeaway", "Takeaway"
    SHOPPING_CENTRE = "shopping_centre", "Shopping centre or retail park"
    OTHER = "other", "Other"


class Place(models.Model):
    """A hotspot or a place children are found. `address_key` and `postcode_key` are the address and
    postcode normalised (selectors.match_key), what episodes' found locations are matched on; null
    when blank, so that a blank never matches."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    panel = models.ForeignKey("panels.Panel", on_delete=models.PROTECT, related_name="intelligence_places")
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=20, choices=PlaceKind.choices)
    address = models.CharField(max_length=300, blank=True)
    postcode = models.CharField(max_length=10, blank=True)
    notes = models.TextField(blank=True)
    address_key = models.CharField(max_length=300, null=True, blank=True, editable=False)
    postcode_key = models.CharField(max_length=10, null=True, blank=True, editable=False)
    # The episodes counted here (its FoundAt rows), kept with them by found.py: lists read it, not a count.
    found_count = models.PositiveIntegerField(default=0, editable=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["panel", "name"], name="intelligence_place_name_once")]

    def __str__(self):
        return self.name


class PersonRole(models.TextChoices):
    POSING_RISK = "posing_risk", "Adult posing a risk to children"
    ALLEGED_PERPETRATOR = "alleged_perpetrator", "Alleged perpetrator"


class Person(models.Model):
    """An adult of concern to the panel. Never a child: children are the product's Child records."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    panel = models.ForeignKey("panels.Panel", on_delete=models.PROTECT, related_name="intelligence_persons")
    name = models.CharField(max_length=200)
    aliases = models.CharField(max_length=300, blank=True)
    role = models.CharField(max_length=20, choices=PersonRole.choices)
    date_of_birth = models.DateField(null=True, blank=True)
    description = models.TextField(blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "persons"

    def __str__(self):
        return self.name


# The 3x5x2 intelligence grading: the source, the intelligence, and how it may be handled.
class SourceEvaluation(models.TextChoices):
    RELIABLE = "1", "1: Reliable"
    UNTESTED = "2", "2: Untested"
    NOT_RELIABLE = "3", "3: Not reliable"


class IntelligenceEvaluation(models.TextChoices):
    KNOWN_DIRECTLY = "A", "A: Known directly to the source"
    CORROBORATED = "B", "B: Known indirectly to the source but corroborated"
    KNOWN_INDIRECTLY = "C", "C: Known indirectly to the source"
    NOT_KNOWN = "D", "D: Not known"
    SUSPECTED_FALSE = "E", "E: Suspected to be false or malicious"


class Handling(models.TextChoices):
    PERMITTED = "P", "P: Lawful sharing permitted"
    CONDITIONS = "C", "C: Lawful sharing permitted with conditions"


class EndType(models.TextChoices):
    CHILD = "child", "Child"
    PERSON = "person", "Adult"
    PLACE = "place", "Place"


class Association(models.Model):
    """A link the panel knows of: child-child, child-adult, adult-adult, child-place or adult-place.

    The first end is a child or an adult; the second a child, an adult or a place. The service puts
    a child first whenever there is one, so that each pair is stored one way.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    panel = models.ForeignKey("panels.Panel", on_delete=models.PROTECT, related_name="intelligence_associations")
    child = models.ForeignKey("missing.Child", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    other_child = models.ForeignKey("missing.Child", on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="+")
    other_person = models.ForeignKey(Person, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    place = models.ForeignKey(Place, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    nature = models.CharField(max_length=200, help_text="What links them, e.g. 'seen together', 'found at'.")
    source = models.CharField(max_length=300, help_text="Where the intelligence came from.")
    source_date = models.DateField()
    source_evaluation = models.CharField(max_length=1, choices=SourceEvaluation.choices)
    intelligence_evaluation = models.CharField(max_length=1, choices=IntelligenceEvaluation.choices)
    handling = models.CharField(max_length=1, choices=Handling.choices)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-source_date", "-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(child__isnull=False, person__isnull=True) | Q(child__isnull=True, person__isnull=False)),
                name="association_one_first_end",
            ),
            models.CheckConstraint(
                condition=(
                    Q(other_child__isnull=False, other_person__isnull=True, place__isnull=True)
                    | Q(other_child__isnull=True, other_person__isnull=False, place__isnull=True)
                    | Q(other_child__isnull=True, other_person__isnull=True, place__isnull=False)
                ),
                name="association_one_second_end",
            ),
        ]
        indexes = [models.Index(fields=["panel", "child"]), models.Index(fields=["panel", "other_child"])]

    def __str__(self):
        return f"{self.nature} ({self.grade})"

    @property
    def grade(self):
        return f"{self.source_evaluation}{self.intelligence_evaluation}{self.handling}"

    @property
    def first_end(self):
        return (EndType.CHILD, self.child) if self.child_id else (EndType.PERSON, self.person)

    @property
    def second_end(self):
        if self.other_child_id:
            return EndType.CHILD, self.other_child
        if self.other_person_id:
            return EndType.PERSON, self.other_person
        return EndType.PLACE, self.place

    @property
    def kind(self):
        names = {EndType.CHILD: "child", EndType.PERSON: "adult", EndType.PLACE: "place"}
        return f"{names[self.first_end[0]]}-{names[self.second_end[0]]}"


class DisruptionStatus(models.TextChoices):
    PLANNED = "planned", "Planned"
    DONE = "done", "Done"
    CANCELLED = "cancelled", "Cancelled"


class Disruption(models.Model):
    """Disruption activity against a place or a person (a hotel visit, a warning notice), planned and
    done, with its owner and outcome."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    panel = models.ForeignKey("panels.Panel", on_delete=models.PROTECT, related_name="intelligence_disruptions")
    place = models.ForeignKey(Place, on_delete=models.PROTECT, null=True, blank=True, related_name="disruptions")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, null=True, blank=True, related_name="disruptions")
    description = models.TextField()
    owner_agency = models.ForeignKey("casework.Agency", on_delete=models.PROTECT, related_name="+")
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                              related_name="+")
    status = models.CharField(max_length=10, choices=DisruptionStatus.choices, default=DisruptionStatus.PLANNED)
    planned_for = models.DateField(null=True, blank=True)
    done_on = models.DateField(null=True, blank=True)
    outcome = models.TextField(blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["status", "planned_for", "created_at"]
        constraints = [
            models.CheckConstraint(condition=Q(place__isnull=False) | Q(person__isnull=False),
                                   name="disruption_has_target"),
            models.CheckConstraint(condition=~Q(status="done") | (Q(done_on__isnull=False) & ~Q(outcome="")),
                                   name="disruption_done_has_outcome"),
        ]

    def __str__(self):
        return self.description[:80]


class EpisodePlace(models.Model):
    """A person's statement that a child was found at this place in this episode, for when the
    episode's found location does not name the place's address or postcode."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    place = models.ForeignKey(Place, on_delete=models.CASCADE, related_name="episode_links")
    episode = models.ForeignKey("missing.MissingEpisode", on_delete=models.CASCADE, related_name="+")
    linked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    linked_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["place", "episode"], name="episode_place_once")]


class FoundAt(models.Model):
    """An episode counted at a place: a child was found there in it, by any of the three ways
    selectors.episodes_matching decides (a person's link, the found location, a held return
    interview's account). Derived, and kept by the writes that change the answer (found.py), so
    that counting a place's episodes reads one index instead of matching text over every episode."""

    place = models.ForeignKey(Place, on_delete=models.CASCADE, related_name="found_at", db_index=False)
    episode = models.ForeignKey("missing.MissingEpisode", on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["place", "episode"], name="found_at_once")]
