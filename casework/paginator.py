"""Pages of lists that can hold a whole authority (100,000 children at national size): the count
stops at a cap, so a broad search costs the same at any size (issue 13)."""

from django.core.paginator import EmptyPage, PageNotAnInteger, Paginator
from django.db.models import Count, Window
from django.db.models.query import ModelIterable
from django.utils.functional import cached_property

COUNT_CAP = 1000


def count_up_to(rows, cap):
    """How many rows, counting no further than cap + 1: the database stops there, in any order."""
    return rows.order_by().values_list("pk", flat=True)[: cap + 1].count()


class CappedPaginator(Paginator):
    """A Paginator that counts at most `cap` rows. Past the cap, `count` is the cap, `capped` is
    True and the pages end at the cap: the page says there are more and asks for a narrower search.

    A list of a model's rows is read in two statements: the ids of its first cap + 1 rows in the
    list's order (which counts it), then the page's rows by those ids. The list's filter (for the
    children list, the visibility rule and the search) is worked out once: counted apart, a police
    force's 85,000 children were gathered twice per page (issue 13)."""

    def __init__(self, object_list, per_page, *, cap=None, **kwargs):
        super().__init__(object_list, per_page, **kwargs)
        self.cap = COUNT_CAP if cap is None else cap

    @cached_property
    def _read(self):
        """The distinct ids of the list's first cap + 1 rows in its order, and whether the read
        reached cap + 1 rows; None for a list that is not plain_model_rows (counted apart)."""
        rows = self.object_list
        if not plain_model_rows(rows):
            return None
        read = list(rows.values_list("pk", flat=True)[: self.cap + 1])
        # A join that repeats a row (none of the lists' filters does) names it once, where it first came.
        return list(dict.fromkeys(read)), len(read) > self.cap

    @cached_property
    def _counted(self):
        if self._read is not None:
            ids, reached = self._read
            return self.cap + 1 if reached else len(ids)
        # COUNT(*) over a LIMIT: the database stops at the first cap + 1 rows it finds, in any order.
        rows = self.object_list
        if hasattr(rows, "values_list"):
            return count_up_to(rows, self.cap)
        return len(rows[: self.cap + 1])

    @cached_property
    def count(self):
        return min(self._counted, self.cap)

    @cached_property
    def capped(self):
        return self._counted > self.cap

    def page(self, number):
        number = self.validate_number(number)
        if self._read is None:
            return super().page(number)
        bottom = (number - 1) * self.per_page
        top = bottom + self.per_page
        if top + self.orphans >= self.count:  # as Django's Paginator: the orphans join the last page
            top = self.count
        ids = self._read[0][bottom:top]
        # The page's rows through the same queryset (its joins, annotations and filter, now asked of
        # these ids only), each once, in the order the ids were read in.
        found = {row.pk: row for row in self.object_list.filter(pk__in=ids)} if ids else {}
        listed = [found[pk] for pk in ids if pk in found]
        return self._get_page(listed, number, self)


class CountedPaginator(Paginator):
    """A Paginator whose count is given by a function that knows a cheaper way to the same number
    than counting the listed rows (a tally, or a union of indexed sets)."""

    def __init__(self, object_list, per_page, *, count_of, **kwargs):
        super().__init__(object_list, per_page, **kwargs)
        self._count_of = count_of

    @cached_property
    def count(self):
        return self._count_of()


TOTAL = "listed_total_"  # the annotation that carries COUNT(*) OVER () on each row of a page
FAR_PAGE_ROWS = 10**9  # a page starting further than this is answered after counting (bigint offsets)


def plain_model_rows(rows):
    """Whether `rows` is a queryset of one model's rows that a page may read its own way and still
    show the same rows: with COUNT(*) OVER () added (WindowPaginator), or filtered by the ids read
    first (CappedPaginator). Not a union (neither can be added to one), DISTINCT (a window is
    computed before it; ids read through a distinct list name other rows than it), a slice, a lock,
    or a list filtered on a window of its own (Django wraps it: the count or the filter by id would
    come before the window)."""
    query = getattr(rows, "query", None)
    if query is None or getattr(rows, "_iterable_class", None) is not ModelIterable:  # rows as objects only
        return False
    if query.distinct or query.combinator or query.is_sliced or query.select_for_update:
        return False
    return not any(getattr(annotation, "contains_over_clause", False) for annotation in query.annotations.values())


class WindowPaginator(Paginator):
    """A Paginator that reads a page and the count of its list in one statement: each row carries
    COUNT(*) OVER (). The list's filter (for most lists the visibility rule) is compiled, planned and
    run once rather than twice. An empty page is counted apart: it is the first page of an empty
    list, or a page past the end (EmptyPage, as Django's own Paginator answers)."""

    def page(self, number):
        rows = self.object_list
        if not plain_model_rows(rows):
            return super().page(number)
        try:
            number = int(number)
        except (TypeError, ValueError) as error:
            raise PageNotAnInteger("That page number is not an integer") from error
        if number < 1:
            raise EmptyPage("That page number is less than 1")
        bottom = (number - 1) * self.per_page
        if bottom > FAR_PAGE_ROWS:  # past any list: counted first, so the offset never reaches the database
            self.validate_number(number)
        listed = list(rows.annotate(**{TOTAL: Window(Count("*"))})[bottom : bottom + self.per_page])
        if listed:
            self.__dict__["count"] = getattr(listed[0], TOTAL)
        elif number > 1 or not self.allow_empty_first_page:
            self.validate_number(number)  # counts the list, and answers EmptyPage past its end
        else:
            self.__dict__["count"] = 0
        return self._get_page(listed, number, self)

    def get_page(self, number):
        """Django's get_page (not a number: the first page; past the end: the last), without counting
        the list before reading the page."""
        try:
            return self.page(number)
        except PageNotAnInteger:
            return self.page(1)
        except EmptyPage:
            return self.page(self.num_pages)
