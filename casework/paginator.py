"""Pages of lists that can hold a whole authority (100,000 children at national size): the count
stops at a cap, so a broad search costs the same at any size (issue 13)."""

from django.core.paginator import Paginator
from django.utils.functional import cached_property

COUNT_CAP = 1000


def count_up_to(rows, cap):
    """How many rows, counting no further than cap + 1: the database stops there, in any order."""
    return rows.order_by().values_list("pk", flat=True)[: cap + 1].count()


class CappedPaginator(Paginator):
    """A Paginator that counts at most `cap` rows. Past the cap, `count` is the cap, `capped` is
    True and the pages end at the cap: the page says there are more and asks for a narrower search."""

    def __init__(self, object_list, per_page, *, cap=None, **kwargs):
        super().__init__(object_list, per_page, **kwargs)
        self.cap = COUNT_CAP if cap is None else cap

    @cached_property
    def _counted(self):
        # COUNT(*) over a LIMIT: the database stops at the first cap + 1 rows it finds, in any order.
        rows = self.object_list
        if hasattr(rows, "values_list"):
            return count_up_to(rows, self.cap)
        return rows[: self.cap + 1].count()

    @cached_property
    def count(self):
        return min(self._counted, self.cap)

    @cached_property
    def capped(self):
        return self._counted > self.cap


class CountedPaginator(Paginator):
    """A Paginator whose count is given by a function that knows a cheaper way to the same number
    than counting the listed rows (a tally, or a union of indexed sets)."""

    def __init__(self, object_list, per_page, *, count_of, **kwargs):
        super().__init__(object_list, per_page, **kwargs)
        self._count_of = count_of

    @cached_property
    def count(self):
        return self._count_of()
