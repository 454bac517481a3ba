"""Pages of lists that can hold a whole authority (100,000 children at national size): the count
stops at a cap, so a broad search costs the same at any size (issue 13)."""

import re

from django.core.exceptions import EmptyResultSet, FullResultSet
from django.core.paginator import EmptyPage, PageNotAnInteger, Paginator
from django.db import connections
from django.db.models import Count, Window
from django.db.models.expressions import RawSQL
from django.db.models.query import ModelIterable
from django.db.models.sql.where import ExtraWhere
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

    def __init__(self, object_list, per_page, *, cap=None, read_ids=None, **kwargs):
        """`read_ids(limit)`, where given, reads the ids of the list's first `limit` rows in its order
        a cheaper way than the list's own statement (ids_sorted_then_filtered), or answers None."""
        super().__init__(object_list, per_page, **kwargs)
        self.cap = COUNT_CAP if cap is None else cap
        self._read_ids = read_ids

    @cached_property
    def _read(self):
        """The distinct ids of the list's first cap + 1 rows in its order, and whether the read
        reached cap + 1 rows; None for a list that is not plain_model_rows (counted apart)."""
        rows = self.object_list
        if not plain_model_rows(rows):
            return None
        read = self._read_ids(self.cap + 1) if self._read_ids is not None else None
        if read is None:
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
        # these ids only), each once, in the order the ids were read in. Ids read another way
        # (read_ids) are asked the list's filter again here: keep it so.
        found = {row.pk: row for row in self.object_list.filter(pk__in=ids)} if ids else {}
        listed = [found[pk] for pk in ids if pk in found]
        return self._get_page(listed, number, self)


def ids_sorted_then_filtered(rows, condition, *, keys, limit):
    """The ids of the first `limit` of `rows` (a queryset) in the order of `keys` (expressions,
    ascending; the last one unique) that `condition` (a queryset of the same model, whose filter is
    asked) also holds; None where they cannot be read this way (SQLite, or a condition that joins,
    annotates or holds SQL text), for the caller to read them as rows.filter(condition).

    One statement, in which PostgreSQL sorts `rows` first and then asks `condition` of each row in
    that order until `limit` pass. As one filter of rows and condition, PostgreSQL asks the condition
    of every row before sorting them: a police force's search for "ley" asked of each of its 9,938
    matches whether the force reported the child, where the first 1,001 it sees are among the first
    1,167 in name order (issue 13). `rows` is the derived table, named as the model's table, so the
    condition's SQL (and its subqueries' references to the row) reads the columns it names there.
    A condition PostgreSQL can turn into a join (a bare EXISTS) may still be planned before the
    sort: the same ids, without the saving. The visibility rule is an OR of reasons, asked row by row."""
    connection = connections[rows.db]
    model, query = rows.model, condition.query
    table = model._meta.db_table
    if connection.vendor != "postgresql" or condition.model is not model:
        return None
    if query.annotations or query.extra or query.extra_tables or query.distinct or query.combinator or query.is_sliced:
        return None
    if _holds_raw_sql(query.where):  # its columns cannot be told from its text
        return None
    if any(count for alias, count in query.alias_refcount.items() if alias != table):
        return None  # a join: the condition names columns of other tables
    qn = connection.ops.quote_name
    try:
        where_sql, where_params = query.get_compiler(connection=connection).compile(query.where)
    except EmptyResultSet:  # a condition no row holds (Model.objects.none())
        return []
    except FullResultSet:  # a condition every row holds
        where_sql, where_params = "TRUE", []
    named = set(re.findall(re.escape(qn(table)) + r'\."([^"]+)"', where_sql))
    columns = {field.column: field.attname for field in model._meta.concrete_fields}
    if not named <= set(columns):
        return None
    pk = model._meta.pk.column
    names = [f"sorted_{number}_" for number in range(len(keys))]
    inner = (
        rows.annotate(**dict(zip(names, keys)))
        .order_by(*names)
        .values_list(*sorted({columns[column] for column in named | {pk}}), *names)
    )
    inner_sql, inner_params = inner.query.sql_with_params()
    alias = qn(table)
    order = ", ".join(f"{alias}.{qn(name)}" for name in names)
    sql = (
        f"SELECT {alias}.{qn(pk)} FROM ({inner_sql}) {alias} "
        f"WHERE {where_sql} ORDER BY {order} LIMIT %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, (*inner_params, *where_params, limit))
        return [row[0] for row in cursor.fetchall()]


def _holds_raw_sql(node):
    """Whether a filter holds SQL text (RawSQL, or extra(where=...)) outside its subqueries, which
    name their own tables."""
    if isinstance(node, (RawSQL, ExtraWhere)):
        return True
    parts = list(getattr(node, "children", ()))
    if hasattr(node, "get_source_expressions"):
        parts += [part for part in node.get_source_expressions() if part is not None]
    return any(_holds_raw_sql(part) for part in parts)


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
