"""The order in which a change to a child's record takes its locks: the child's row first, then the
episode or placement it changes. Creating an episode or a placement, changing the child and merging
two records all lock the child first; a change to one episode or placement then reconciles the clocks
of all the child's episodes and placements, locking each. Taken the other way round, two changes to
different rows of one child each held their own row and waited for the other's: a deadlock, which
answered 500 (found by fuzzing)."""

from .models import Child


def lock_child(child_id):
    """Take the child's row lock, the first of any change to the child's record."""
    Child.objects.select_for_update().filter(pk=child_id).values_list("pk").get()


def locked_after_child(rows, pk):
    """`rows.get(pk=pk)` locked after its child's row (`rows`: a model with a `child`, with any
    select_related the caller wants; only its own row is locked). A merge may move the row to
    another child between the two reads; it is then locked after that child."""
    child_id = rows.filter(pk=pk).values_list("child_id", flat=True).get()
    while True:
        lock_child(child_id)
        row = rows.select_for_update(of=("self",)).get(pk=pk)
        if row.child_id == child_id:
            return row
        child_id = row.child_id
