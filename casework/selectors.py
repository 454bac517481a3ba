"""Reads for people and agencies, and how a detail read loads a row it has found visible."""

from django.core.exceptions import EmptyResultSet, ValidationError
from django.db import connections
from django.db.models import BooleanField, F, Func, IntegerField, Subquery
from django.db.models.functions import Coalesce

from .models import User
from .permissions import is_administrator


def users_manageable_by(user):
    """The users an administrator may change: a superuser, anyone; another administrator, the users
    of their own authority's agencies. Everyone else, nobody."""
    if not is_administrator(user):
        return User.objects.none()
    if user.is_superuser:
        return User.objects.all()
    if not user.agency_id:
        return User.objects.none()
    return User.objects.filter(agency__authority_id=user.agency.authority_id)


def prefetched(obj, to_attr, related):
    """The rows a `Prefetch(related, to_attr=to_attr)` put on `obj` (a list: Django makes no manager
    per row for those), or, when the read did not prefetch them, the `related` manager's rows now."""
    rows = getattr(obj, to_attr, None)
    return rows if rows is not None else list(getattr(obj, related).all())


def visible_row(visible, loaded, pk):
    """The row `pk` read through `loaded` (the model's rows with the joins and annotations a detail
    read shows), or None when `visible` (the rows the user may see) does not hold it or `pk` is not
    a well-formed id. Two plain queries: planned as one statement, a detail read's joins and the
    visibility rule cost PostgreSQL 8-12 ms of planning per read (issue 13)."""
    try:
        if not visible.filter(pk=pk).exists():
            return None
    except (ValueError, TypeError, ValidationError):
        return None
    return loaded.filter(pk=pk).first()  # None if it was erased since the check


ROW_COUNT = Func(template="COUNT(*)", output_field=IntegerField())


def row_count(rows):
    """`rows` counted, as a query of one value to read with others in one statement (numbers())."""
    return rows.order_by().values(number_=ROW_COUNT)


def distinct_count(rows, field):
    """How many different values of `field` `rows` hold, as a query of one value (numbers())."""
    counted = Func(F(field), template="COUNT(DISTINCT %(expressions)s)", output_field=IntegerField())
    return rows.order_by().values(number_=counted)


def value_sum(rows, field):
    """The sum of `field` over `rows` (0 when there are none), as a query of one value (numbers())."""
    return rows.order_by().values(number_=Coalesce(Func(F(field), function="SUM"), 0, output_field=IntegerField()))


def _compiled_or_zero(query, using):
    try:
        return query.query.get_compiler(using=using).as_sql()
    except EmptyResultSet:  # a filter that can match nothing (pk__in=[]): its number is 0
        return "SELECT 0", ()


def numbers(*queries):
    """The one value each query selects (row_count, value_sum), read in one statement: one round
    trip and one plan, where `.count()` on each would take one of each per number (issue 13)."""
    using = queries[0].db
    compiled = [_compiled_or_zero(query, using) for query in queries]
    sql = "SELECT " + ", ".join(f"({part})" for part, _ in compiled)
    with connections[using].cursor() as cursor:
        cursor.execute(sql, [param for _, params in compiled for param in params])
        return list(cursor.fetchone())


class _Rows(Subquery):
    """A subquery that can match nothing says so (EmptyResultSet) rather than becoming NULL: an OR
    then leaves its side out, an AND matches nothing, as `__in` does."""

    empty_result_set_value = NotImplemented


class _OneOf(Func):
    """`field = ANY(ARRAY(subquery))` on PostgreSQL, `field IN (subquery)` elsewhere."""

    template = "(%(expressions)s))"
    arg_joiner = " = ANY(ARRAY"
    output_field = BooleanField()

    def as_sqlite(self, compiler, connection, **extra_context):
        return self.as_sql(compiler, connection, template="(%(expressions)s)", arg_joiner=" IN ", **extra_context)


def one_of(field, rows):
    """A condition for filter() or a Q: `field` holds one of the values of `rows` (a queryset of one
    column). On PostgreSQL the rows are read once, before the scan, into an array that an index can
    use, also as one side of an OR; `field__in=rows` there becomes a hashed subplan asked of each row
    the scan meets, so an OR of it and an indexed condition walks every row of the authority (a
    return interview worker's deadlines at national size: 180 ms -> 2 ms, issue 13)."""
    return _OneOf(F(field), _Rows(rows.order_by()))
