"""A looked-after child's missing person profile: what police need to look for the child, kept up
to date by a review that goes stale after the protocol's number of days (N8)."""

import uuid

from django.conf import settings
from django.db import models
from simple_history.models import HistoricalRecords


class MissingPersonProfile(models.Model):
    """One profile per child. The photo itself lives in private storage (missing/profiles/photos.py),
    never under a web root: the profile keeps only our name for it."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    child = models.OneToOneField("missing.Child", on_delete=models.CASCADE, related_name="missing_profile")
    height = models.CharField(max_length=50, blank=True, help_text="For example, 160 cm or 5 ft 3 in.")
    build = models.CharField(max_length=100, blank=True)
    hair = models.CharField(max_length=200, blank=True)
    eyes = models.CharField(max_length=100, blank=True)
    distinguishing_features = models.TextField(blank=True, help_text="Scars, tattoos, piercings, glasses, accent.")
    usual_clothing = models.TextField(blank=True)
    phone_numbers = models.TextField(blank=True)
    social_media = models.TextField(blank=True, help_text="Accounts and user names.")
    associates = models.TextField(blank=True, help_text="Friends, family and adults of concern, with contact details.")
    places = models.TextField(blank=True, help_text="Places the child is known to go.")
    medical_needs = models.TextField(blank=True, help_text="Conditions, medication, allergies.")
    photo_stored_name = models.CharField(max_length=300, blank=True)
    photo_content_type = models.CharField(max_length=100, blank=True)
    photo_size = models.PositiveIntegerField(null=True, blank=True)
    photo_sha256 = models.CharField(max_length=64, blank=True)
    photo_uploaded_at = models.DateTimeField(null=True, blank=True)
    photo_uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    last_reviewed_at = models.DateTimeField(help_text="When someone last confirmed the profile is right (N8).")
    last_reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords(excluded_fields=["photo_stored_name"])

    DESCRIPTION_FIELDS = (
        "height", "build", "hair", "eyes", "distinguishing_features", "usual_clothing",
        "phone_numbers", "social_media", "associates", "places", "medical_needs",
    )

    def __str__(self):
        return f"Missing person profile of {self.child}"

    @property
    def has_photo(self):
        return bool(self.photo_stored_name)
