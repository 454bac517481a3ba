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


class DuplicatePair(models.Model):
    """Two live records of one authority that are likely the same child (N3) and that no one has
    dismissed: the MASH list of possible duplicates, read a page at a time.

    Kept by the services that decide it (missing.duplicates.duplicate_pairs_refresh: creating or
    changing a child's names, date of birth or police person id, a merge, an anonymisation, a
    dismissal), and made in bulk for existing records by `duplicate_pairs_rebuild`. `one` is the
    record first in name order; its names are copied here so that the list is read in that order
    from one index, whatever the number of pairs."""

    id = models.BigAutoField(primary_key=True)
    authority = models.ForeignKey("casework.LocalAuthority", on_delete=models.CASCADE, related_name="+")
    one = models.ForeignKey("missing.Child", on_delete=models.CASCADE, related_name="+")
    two = models.ForeignKey("missing.Child", on_delete=models.CASCADE, related_name="+")
    one_family_name = models.CharField(max_length=100)
    one_given_name = models.CharField(max_length=100)
    reasons = models.JSONField(default=list)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["one", "two"], name="duplicate_pair_once")]
        indexes = [
            models.Index(fields=["authority", "one_family_name", "one_given_name", "one", "two"],
                         name="duplicate_pair_list"),
            models.Index(fields=["two"], name="duplicate_pair_two"),
        ]

    def __str__(self):
        return f"{self.one_id} may be {self.two_id}"
