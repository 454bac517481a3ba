"""A coordinator's decision that two records are not the same child (N3): the pair is offered no more."""

import uuid

from django.conf import settings
from django.db import models


class DuplicateDismissal(models.Model):
    """Stored once per pair, in a fixed order (`first` has the smaller id), so that "A is not B" and
    "B is not A" are one decision."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    first = models.ForeignKey("missing.Child", on_delete=models.CASCADE, related_name="+")
    second = models.ForeignKey("missing.Child", on_delete=models.CASCADE, related_name="+")
    reason = models.TextField(blank=True)
    dismissed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    dismissed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["first", "second"], name="duplicate_dismissed_once")]

    def __str__(self):
        return f"{self.first_id} is not {self.second_id}"
