"""casework.paginator.WindowPaginator: a page and its list's count in one statement, answering what
Django's own Paginator answers (issue 13)."""

import pytest
from django.core.paginator import EmptyPage, PageNotAnInteger, Paginator
from django.db import connection
from django.test.utils import CaptureQueriesContext

from casework.models import Agency, AgencyKind
from casework.paginator import CappedPaginator, WindowPaginator

from ..factories import AgencyFactory, UserFactory


@pytest.fixture
def twelve(authority):
    for n in range(12):
        AgencyFactory(authority=authority, name=f"Agency {n:02}", kind=AgencyKind.HEALTH)
    return Agency.objects.filter(authority=authority).order_by("name")


def pages(paginator):
    answered = []
    for number in paginator.page_range:
        page = paginator.page(number)
        answered.append(([a.name for a in page], page.has_next(), page.has_previous(), page.start_index()))
    return paginator.count, paginator.num_pages, answered


@pytest.mark.parametrize("per_page", [1, 5, 12, 50])
def test_every_page_and_the_count_are_django_paginators(twelve, per_page):
    assert pages(WindowPaginator(twelve, per_page)) == pages(Paginator(twelve, per_page))
    assert WindowPaginator(twelve, per_page).page(1).paginator.count == 12


def test_a_page_and_its_count_are_one_statement(twelve):
    paginator = WindowPaginator(twelve, 5)
    with CaptureQueriesContext(connection) as captured:
        page = paginator.page(2)
        names = [a.name for a in page]
        assert (paginator.count, paginator.num_pages, page.has_next()) == (12, 3, True)
    assert names == [f"Agency {n:02}" for n in range(5, 10)]
    assert len(captured) == 1
    assert "OVER ()" in captured[0]["sql"]


def test_an_empty_list_has_one_empty_page(authority):
    paginator = WindowPaginator(Agency.objects.filter(authority=authority).order_by("name"), 5)
    page = paginator.page(1)
    assert (list(page), paginator.count, paginator.num_pages, page.has_next()) == ([], 0, 1, False)


def test_a_page_past_the_end_or_not_a_number_is_refused(twelve):
    with pytest.raises(EmptyPage):
        WindowPaginator(twelve, 5).page(4)
    with pytest.raises(EmptyPage):
        WindowPaginator(twelve, 5).page(0)
    with pytest.raises(PageNotAnInteger):
        WindowPaginator(twelve, 5).page("two")
    with pytest.raises(EmptyPage):  # an offset past what the database takes is refused after counting
        WindowPaginator(twelve, 5).page(10**20)
    assert [a.name for a in WindowPaginator(twelve, 5).page("3")] == ["Agency 10", "Agency 11"]


def test_a_distinct_list_is_counted_apart(twelve):
    # A window counts before DISTINCT: the paginator counts such a list with its own statement.
    doubled = Agency.objects.filter(authority=twelve[0].authority).filter(name__startswith="Agency")
    doubled = doubled.union(doubled).order_by("name")
    distinct = twelve.values("kind").distinct().order_by("kind")
    assert pages(WindowPaginator(doubled, 5)) == pages(Paginator(doubled, 5))
    assert WindowPaginator(distinct, 5).count == 1
    # Agencies joined to their several users: each agency twice before DISTINCT, once after.
    for agency in twelve[:3]:
        UserFactory.create_batch(2, agency=agency)
    joined = Agency.objects.filter(authority=twelve[0].authority, users__isnull=False).distinct().order_by("name")
    assert pages(WindowPaginator(joined, 2)) == pages(Paginator(joined, 2))
    assert WindowPaginator(joined, 2).page(1).paginator.count == 3
    assert list(WindowPaginator(twelve.values_list("name", flat=True), 5).page(1)) == [
        f"Agency {n:02}" for n in range(5)
    ]


def test_numbers_reads_counts_and_sums_in_one_statement(twelve):
    from casework.models import DeadlineTally
    from casework.selectors import distinct_count, numbers, row_count, value_sum

    authority = twelve[0].authority
    DeadlineTally.objects.bulk_create(
        [DeadlineTally(authority=authority, subject_type="toy", status="done", n=n) for n in (4, 5)]
    )
    with CaptureQueriesContext(connection) as captured:
        answered = numbers(
            row_count(twelve),
            row_count(twelve.filter(name__gte="Agency 10")),
            row_count(twelve.filter(name="nobody")),
            row_count(twelve.filter(pk__in=[])),  # a filter that can match nothing: no statement of its own
            value_sum(DeadlineTally.objects.filter(authority_id=authority.pk), "n"),
            value_sum(DeadlineTally.objects.filter(subject_type="none"), "n"),
            distinct_count(twelve, "kind"),
            distinct_count(twelve.filter(name="nobody"), "kind"),
        )
    assert answered == [12, 2, 0, 0, 9, 0, 1, 0]
    assert len(captured) == 1


def test_one_of_reads_its_rows_once_before_the_scan_also_inside_an_or(twelve):
    from django.db.models import Q

    from casework.selectors import one_of

    early = twelve.filter(name__lt="Agency 03").values("pk")
    either = Q(one_of("pk", early)) | Q(name="Agency 11")
    rows = twelve.filter(either)
    assert sorted(rows.values_list("name", flat=True)) == ["Agency 00", "Agency 01", "Agency 02", "Agency 11"]
    assert list(twelve.filter(one_of("pk", early.filter(name="nobody")))) == []
    # A subquery that can match nothing: its side of an OR is left out, alone it matches nothing.
    assert list(twelve.filter(one_of("pk", Agency.objects.none().values("pk")))) == []
    assert [a.name for a in twelve.filter(Q(one_of("pk", Agency.objects.none().values("pk"))) | Q(name="Agency 11"))] == [
        "Agency 11"]
    with connection.cursor() as cursor:
        sql, params = rows.query.sql_with_params()
        cursor.execute("EXPLAIN " + sql, params)
        plan = "\n".join(line for (line,) in cursor.fetchall())
    # An InitPlan runs once and gives an array an index can use; `pk__in=early` in an OR is a
    # SubPlan asked of each row.
    assert "InitPlan" in plan and "SubPlan" not in plan


def test_get_page_reads_the_page_and_its_count_in_one_statement(twelve):
    with CaptureQueriesContext(connection) as captured:
        page = WindowPaginator(twelve, 5).get_page(2)
    assert [a.name for a in page] == [f"Agency {n:02}" for n in range(5, 10)] and page.paginator.count == 12
    assert len(captured) == 1
    # As Django's: not a number, the first page; past the end, the last.
    assert WindowPaginator(twelve, 5).get_page("x").number == 1
    last = WindowPaginator(twelve, 5).get_page(9)
    assert last.number == 3 and [a.name for a in last] == ["Agency 10", "Agency 11"]
    assert WindowPaginator(twelve.filter(name="nobody"), 5).get_page(4).number == 1


def test_one_of_is_in_on_sqlite(twelve):
    """`make demo` runs on SQLite, which has no arrays: there one_of is `IN (subquery)`."""
    from django.db.models import Q
    from django.db.utils import ConnectionHandler

    from casework.selectors import one_of

    sqlite = ConnectionHandler({"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}})["default"]
    early = Agency.objects.filter(name__lt="Agency 03").values("pk")
    rows = Agency.objects.filter(Q(one_of("pk", early)) | Q(name="Agency 11"))
    sql, _params = rows.query.get_compiler(connection=sqlite).as_sql()
    assert '"casework_agency"."id" IN (SELECT' in sql and "ARRAY" not in sql
    sqlite.close()


# CappedPaginator: the ids of the first cap + 1 rows, then the page by those ids ------------------


@pytest.mark.parametrize("per_page", [1, 5, 12, 50])
def test_a_capped_list_under_its_cap_pages_as_djangos_paginator(twelve, per_page):
    assert pages(CappedPaginator(twelve, per_page)) == pages(Paginator(twelve, per_page))
    assert not CappedPaginator(twelve, per_page).capped


def test_a_capped_list_reads_its_filter_once_for_the_count_and_once_for_the_page(twelve):
    by_name_descending = twelve.order_by("-name")
    paginator = CappedPaginator(by_name_descending, 4, cap=10)
    with CaptureQueriesContext(connection) as captured:
        page = paginator.page(2)
        names = [a.name for a in page]
    assert names == [f"Agency {n:02}" for n in (7, 6, 5, 4)]  # the list's own order
    assert (paginator.count, paginator.capped, paginator.num_pages, page.has_next()) == (10, True, 3, True)
    assert len(captured) == 2
    assert "LIMIT 11" in captured[0]["sql"] and "ORDER BY" in captured[0]["sql"]
    # Past the cap the pages end: the last holds the cap's rows only.
    assert [a.name for a in paginator.page(3)] == ["Agency 03", "Agency 02"]
    with pytest.raises(EmptyPage):
        paginator.page(4)


def test_a_capped_page_keeps_the_order_its_ids_were_read_in(twelve):
    """The page shows the rows where the list placed them when it was counted, even if a row has
    moved in the order since (the page's own statement would sort it elsewhere)."""
    paginator = CappedPaginator(twelve, 4)
    assert paginator.count == 12
    Agency.objects.filter(name="Agency 04").update(name="Agency 99")
    assert [a.name for a in paginator.page(2)] == ["Agency 99", "Agency 05", "Agency 06", "Agency 07"]


def test_a_capped_list_joins_its_orphans_to_the_last_page_and_answers_get_page(twelve, authority):
    with_orphans = CappedPaginator(twelve, 5, orphans=2)
    assert pages(with_orphans) == pages(Paginator(twelve, 5, orphans=2))
    assert [a.name for a in with_orphans.page(2)][-1] == "Agency 11"
    assert [a.name for a in CappedPaginator(twelve, 5).get_page("x")][0] == "Agency 00"
    assert [a.name for a in CappedPaginator(twelve, 5).get_page(99)] == ["Agency 10", "Agency 11"]
    empty = CappedPaginator(Agency.objects.filter(authority=authority, name="none").order_by("name"), 5)
    assert (list(empty.page(1)), empty.count, empty.capped, empty.num_pages) == ([], 0, False, 1)


def test_a_capped_union_or_distinct_list_is_read_as_django_reads_it(twelve, authority):
    first, rest = twelve.filter(name__lt="Agency 03"), twelve.filter(name__gte="Agency 09")
    union = first.union(rest).order_by("name")
    assert pages(CappedPaginator(union, 4)) == pages(Paginator(union, 4))
    distinct = twelve.distinct()
    assert pages(CappedPaginator(distinct, 5)) == pages(Paginator(distinct, 5))


def test_a_capped_page_keeps_the_lists_filter(twelve, authority):
    """The page is read through the list's own queryset: a row that left the list between the two
    statements is not shown."""
    paginator = CappedPaginator(twelve.exclude(name__endswith="x"), 3)
    assert paginator.count == 12
    Agency.objects.filter(name="Agency 01").update(name="Agency 01x")  # now excluded
    assert [a.name for a in paginator.page(1)] == ["Agency 00", "Agency 02"]


def test_a_capped_list_of_values_or_a_plain_list_is_counted_apart(twelve):
    values = CappedPaginator(twelve.values("name"), 5, cap=8)
    assert (values.count, values.capped, [row["name"] for row in values.page(2)]) == (
        8, True, ["Agency 05", "Agency 06", "Agency 07"])
    plain = CappedPaginator(list(range(7)), 5, cap=6)
    assert (plain.count, plain.capped, list(plain.page(2))) == (6, True, [5])


# ids_sorted_then_filtered: the rows sorted first, then the condition asked in that order ---------


@pytest.fixture
def staffed(twelve, authority):
    """A condition that asks of each of the twelve agencies whether it is a police force (none is)
    or, through a correlated subquery, whether anyone works there (agencies 01, 04, 05, 07 and 10
    do): an OR, as the visibility rule is, which PostgreSQL asks row by row (a bare EXISTS it may
    plan as a join, before the sort)."""
    from django.db.models import Exists, OuterRef, Q

    from casework.models import User

    for name in ("Agency 01", "Agency 04", "Agency 05", "Agency 07", "Agency 10"):
        UserFactory(agency=Agency.objects.get(authority=authority, name=name))
    return Agency.objects.filter(Q(kind=AgencyKind.POLICE) | Exists(User.objects.filter(agency=OuterRef("pk"))))


def _sorted_keys():
    """By name with 05 read as 04 (a tie, which the id decides), then by id."""
    from django.db.models import F, Value
    from django.db.models.functions import Replace

    return (Replace(F("name"), Value("05"), Value("04")), F("pk"))


def _in_sorted_order(agencies):
    return [a.pk for a in sorted(agencies, key=lambda a: (a.name.replace("05", "04"), a.pk))]


@pytest.mark.parametrize("limit", [1, 3, 5, 12])
def test_the_rows_are_sorted_then_asked_in_that_order_up_to_the_limit(twelve, staffed, limit):
    from casework.paginator import ids_sorted_then_filtered

    expected = _in_sorted_order(twelve.filter(pk__in=staffed))
    assert len(expected) == 5
    assert ids_sorted_then_filtered(twelve, staffed, keys=_sorted_keys(), limit=limit) == expected[:limit]


def test_the_condition_is_asked_after_the_sort_and_stops_at_the_limit(twelve, staffed):
    """PostgreSQL's plan: the limit over the condition's filter over the sort of the rows; the
    filter passes only as many sorted rows as the limit needs (the second staffed agency is the
    fifth in the order)."""
    from casework.paginator import ids_sorted_then_filtered

    with CaptureQueriesContext(connection) as captured:
        ids_sorted_then_filtered(twelve, staffed, keys=_sorted_keys(), limit=2)
    (statement,) = captured.captured_queries
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, FORMAT JSON) " + statement["sql"])
        plan = cursor.fetchone()[0][0]["Plan"]
    assert plan["Node Type"] == "Limit"
    scan = plan["Plans"][0]
    assert scan["Node Type"] == "Subquery Scan" and "Filter" in scan
    assert scan["Actual Rows"] + scan["Rows Removed by Filter"] == 5  # Agency 00 to 03, then 04 or 05, not 06
    assert any(child["Node Type"] == "Sort" for child in scan["Plans"])


def test_a_condition_that_no_row_or_every_row_holds(twelve):
    from casework.paginator import ids_sorted_then_filtered

    assert ids_sorted_then_filtered(twelve, Agency.objects.none(), keys=_sorted_keys(), limit=5) == []
    every = ids_sorted_then_filtered(twelve, Agency.objects.all(), keys=_sorted_keys(), limit=5)
    assert every == _in_sorted_order(twelve)[:5]


def test_a_condition_it_cannot_ask_of_the_sorted_rows_is_left_to_the_caller(twelve, authority):
    """A condition that joins another table, annotates, holds SQL text (whose columns cannot be told
    from it), or is of another model: None."""
    from django.db.models import Value

    from casework.models import User
    from casework.paginator import ids_sorted_then_filtered

    from django.db.models.expressions import RawSQL

    for condition in (
        Agency.objects.filter(authority__name=authority.name),
        Agency.objects.annotate(one=Value(1)),
        User.objects.all(),
        Agency.objects.extra(where=["name <> 'x'"]),
        Agency.objects.extra(tables=["casework_localauthority"]),
        Agency.objects.filter(pk__in=RawSQL("SELECT id FROM casework_agency WHERE name <> %s", ["x"])),
    ):
        assert ids_sorted_then_filtered(twelve, condition, keys=_sorted_keys(), limit=5) is None


def test_a_capped_list_reads_its_ids_the_callers_way_where_it_gives_them(twelve, staffed):
    """read_ids(cap + 1) names the rows; the page is then read through the list's own queryset. A
    read_ids that answers None leaves the list's own statement to read them."""
    from casework.paginator import ids_sorted_then_filtered

    listed = twelve.filter(pk__in=staffed).order_by(*_sorted_keys())
    limits = []

    def read_ids(limit):
        limits.append(limit)
        return ids_sorted_then_filtered(twelve, staffed, keys=_sorted_keys(), limit=limit)

    assert pages(CappedPaginator(listed, 2, cap=4, read_ids=read_ids)) == pages(CappedPaginator(listed, 2, cap=4))
    assert limits == [5]
    assert pages(CappedPaginator(listed, 2, read_ids=lambda limit: None)) == pages(Paginator(listed, 2))
