"""Counts of a table's rows per authority, kept as rows of changes (casework.tallies)."""

from django.db import models


class RowTally(models.Model):
    """How many rows of `table_name` an authority has in the group `key`, as rows of changes: the
    table's statement triggers add each statement's net change (+n or -n), and the sweep folds each
    group's rows into one. Nothing is updated in place, so busy transactions never wait on each other
    for a shared counter. The sum over a group equals the count of the rows it tallies."""

    id = models.BigAutoField(primary_key=True)
    table_name = models.CharField(max_length=63)
    # The authority's id, not a foreign key: a trigger may still write a change row for rows being
    # deleted along with their authority.
    authority_id = models.UUIDField()
    key = models.CharField(max_length=40, blank=True)
    n = models.IntegerField()

    class Meta:
        indexes = [models.Index(fields=["table_name", "authority_id", "key"], name="row_tally_group")]

    def __str__(self):
        return f"{self.table_name} {self.key} {self.n:+d}"
