"""The monthly figures of episodes kept for the dashboard (missing.models.EpisodeMonthFigure).

The dashboard (reporting/figures.py) counts, for a month, the episodes that began in it and their
distinct children by many dimensions, and draws each over twelve months. Counting that from the
episodes on every view reads a year of an authority's history each time; these rows hold the same
counts per (authority, month), so a view reads twelve months of them in one query.

What a band is (the age at the start, how long the child was gone, ...) is defined here, once, and
the reports count with the same definitions. Every row is written by set-based SQL built from those
definitions (`refresh`): all history at once (the migration, seed_national) or the months of one
authority that a change touched.

A recount of a month takes from a quarter of a second to over a second on a large authority: too
long for the front door, which changes episodes many times a second. So the services that change an
episode's or a child's reported facts call `months_changed` inside their transaction (explicitly,
never from a signal): it marks the months (MonthRecount) and makes sure a recount job of the
authority is waiting (casework.jobs: the row is the job, a worker takes it at once, the clock's pass
runs it if no worker did). The job recounts the marked months; the dashboard says when a month it
shows is marked and not recounted yet.
"""

from contextlib import suppress
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.core.exceptions import EmptyResultSet
from django.db import connection, transaction
from django.utils import timezone
from django.db.models import (
    Case, CharField, Count, DateField, DurationField, ExpressionWrapper, F, IntegerField, Min, Q, TextField, Value,
    When,
)
from django.db.models.functions import Cast, ExtractDay, ExtractMonth, ExtractYear, Lower, Trim, TruncMonth
from django.db.models.lookups import GreaterThan

from casework.calendar import LONDON
from casework.jobs import JobKind, job_enqueue, register_job_kind
from casework.models import BackgroundJob, JobStatus, LocalAuthority

from .interviews.selectors import with_t1_due
from .models import (
    Category,
    EpisodeMonthFigure,
    Gender,
    InterviewState,
    LegalStatus,
    MissingEpisode,
    MonthRecount,
    PlacementType,
    PullFactor,
    PushFactor,
    ReturnInterview,
    RiskLevel,
)


@dataclass(frozen=True)
class Band:
    key: str
    label: str
    q: Q


def choice_bands(path, choices, *, blank_label=None):
    bands = [Band(value, label, Q(**{path: value})) for value, label in choices.choices]
    if blank_label:
        bands.append(Band("not_recorded", blank_label, Q(**{path: ""})))
    return bands


DURATION_BANDS = [
    Band("under_24h", "Under 24 hours", Q(duration__lt=timedelta(hours=24))),
    Band("1_3_days", "1 to 3 days", Q(duration__gte=timedelta(hours=24), duration__lt=timedelta(days=3))),
    Band("3_7_days", "3 to 7 days", Q(duration__gte=timedelta(days=3), duration__lt=timedelta(days=7))),
    Band("over_7_days", "Over 7 days", Q(duration__gte=timedelta(days=7))),
    Band("not_returned", "Not yet returned", Q(returned_at__isnull=True)),
]
AGE_BANDS = [
    Band("under_10", "Under 10", Q(age__lt=10)),
    Band("10_12", "10 to 12", Q(age__gte=10, age__lte=12)),
    Band("13_15", "13 to 15", Q(age__gte=13, age__lte=15)),
    Band("16_17", "16 and 17", Q(age__gte=16, age__lte=17)),
    Band("18_plus", "18 and over", Q(age__gte=18)),
]
PLACED_BANDS = [
    Band("out_of_area", "Placed out of area by this council", Q(child__placed_out_of_area=True)),
    Band("placed_here", "Placed here by other councils", Q(child__placed_by_other_authority=True)),
    Band("neither", "Neither", Q(child__placed_out_of_area=False, child__placed_by_other_authority=False)),
]
ALL_BAND = Band("all", "All episodes", Q())

# Dimensions whose bands exclude each other: one value per episode.
EXCLUSIVE = {
    "category": choice_bands("category", Category),
    "duration": DURATION_BANDS,
    "age": AGE_BANDS,
    "gender": choice_bands("child__gender", Gender),
    "legal_status": choice_bands("child__legal_status", LegalStatus),
    "placement_type": choice_bands("child__placement_type", PlacementType, blank_label="Not recorded"),
    "risk": choice_bands("risk_level", RiskLevel),
}
# Bands that may overlap: each is a dimension of its own (its value is the band's key).
SINGLE = {"all": ALL_BAND, **{f"placed_{band.key}": band for band in PLACED_BANDS}}
# Recorded values, compared trimmed and in lower case; `shown` keeps one spelling to display.
VALUES = {"provider": "placement_provider", "area": "child__home_area", "found": "found_location"}
# The child's fields the bands above read (the age band reads the date of birth): a change to any
# other field of a child leaves the figures as they are.
REPORTED_CHILD_FIELDS = frozenset({"gender", "legal_status", "placement_type", "placed_out_of_area",
                                   "placed_by_other_authority", "home_area", "date_of_birth"})

REPEAT_BANDS = [("1", "1 episode", 1, 1), ("2", "2 episodes", 2, 2), ("3_5", "3 to 5 episodes", 3, 5),
                ("6_10", "6 to 10 episodes", 6, 10), ("11_plus", "11 or more episodes", 11, None)]
REPEATS = "repeats"
# Children missing at the end of the month (an episode begun before it, not ended by it): episodes
# count in every month their span touches, so a change refreshes the months from start to return.
AT_MONTH_END = ("missing_at_end", "all")
# Written for every (authority, month) refreshed, with or without episodes: a month without it was
# never counted (time passed with no change there), so its month-end figure is counted live.
COUNTED = ("counted", "")

# Return interviews, by the month they were offered: each band may overlap others, and a count of
# interviews is kept in `children` (as the dashboard shows it), `episodes` left empty.
INTERVIEW_BANDS = [
    Band("offered", "Offered", Q()),
    Band("completed", "Completed", Q(state=InterviewState.COMPLETED)),
    Band("within_72h", "Completed within 72 hours (T1)",
         Q(state=InterviewState.COMPLETED, held_at__lte=F("t1_due_at"))),
    Band("declined", "Declined", Q(state=InterviewState.DECLINED)),
    Band("not_possible", "Not possible", Q(state=InterviewState.NOT_POSSIBLE)),
]


def factor_bands(prefix, path, choices):
    return [Band(f"{prefix}_{value}", label, Q(**{f"{path}__contains": f'"{value}"'}))
            for value, label in choices.choices]


INTERVIEW_DIMENSIONS = {
    "interviews": INTERVIEW_BANDS,
    "push_factors": factor_bands("push", "push_text", PushFactor),
    "pull_factors": factor_bands("pull", "pull_text", PullFactor),
}


def interviews_with_t1(interviews):
    """Interviews with T1's due time read from the clock's deadline rows (never recomputed; looked
    up for completed interviews only, the only ones compared with it), and the push and pull
    factors as text to look for a factor in (any database)."""
    return with_t1_due(interviews, only=Q(state=InterviewState.COMPLETED)).annotate(
        push_text=Cast("push_factors", output_field=TextField()),
        pull_text=Cast("pull_factors", output_field=TextField()),
    )


def band_source(breakdown_key, band_key):
    """Where a dashboard band's numbers are kept: (dimension, value)."""
    if breakdown_key == "headline":
        return ("all", "all") if band_key == "all" else ("category", band_key)
    if breakdown_key == "placed":
        return f"placed_{band_key}", band_key
    return breakdown_key, band_key


def clean_text(path):
    return Lower(Trim(path))


def with_duration(episodes):
    """Each episode with how long it lasted (empty while it goes on)."""
    return episodes.annotate(
        duration=ExpressionWrapper(F("returned_at") - F("started_at"), output_field=DurationField()))


def with_age(episodes):
    """Each episode with the child's age in whole years when it began (a birthday later in the year
    than the start, as month*100+day, is not reached yet). It joins the child: counting adds it
    only where a band reads the age."""
    started, born = "started_at", "child__date_of_birth"
    started_day = ExtractMonth(started) * 100 + ExtractDay(started)
    born_day = ExtractMonth(born) * 100 + ExtractDay(born)
    return episodes.annotate(
        age=ExpressionWrapper(
            ExtractYear(started) - ExtractYear(born)
            - Case(When(GreaterThan(born_day, started_day), then=Value(1)), default=Value(0)),
            output_field=IntegerField(),
        ),
    )


def with_age_and_duration(episodes):
    return with_age(with_duration(episodes))


def month_start(day):
    return datetime.combine(day.replace(day=1), time.min, tzinfo=LONDON)


def _next_month(day):
    return date(day.year + (day.month == 12), day.month % 12 + 1, 1)


def _by_ids(model, authorities, months, path):
    """The rows of the authorities' months (None: all). For a few months, their ids are read first
    (one query): each of the counting statement's branches then joins those rows alone to their
    children, where a filter on the authority made each branch read all of the authority's children."""
    rows = model.objects.all()
    if authorities is not None:
        rows = rows.filter(authority_id__in=authorities)
    if months is None:
        return rows
    rows = rows.filter(_months_q(path, months))
    if authorities is None:
        return rows
    return model.objects.filter(pk__in=list(rows.values_list("pk", flat=True)))


def _scope(authorities, months):
    episodes = _by_ids(MissingEpisode, authorities, months, "started_at")
    return with_duration(episodes).annotate(
        f_authority=F("authority_id"),
        f_month=TruncMonth("started_at", output_field=DateField(), tzinfo=LONDON),
    )


def _months_q(path, months):
    within = Q(pk__in=[])
    for month in months:
        within |= Q(**{f"{path}__gte": month_start(month), f"{path}__lt": month_start(_next_month(month))})
    return within


def _interview_scope(authorities, months):
    interviews = _by_ids(ReturnInterview, authorities, months, "offered_at")
    return interviews_with_t1(interviews).annotate(
        f_authority=F("authority_id"),
        f_month=TruncMonth("offered_at", output_field=DateField(), tzinfo=LONDON),
    )


def _interview_branch(interviews, dimension, band):
    return (
        interviews.filter(band.q)
        .annotate(f_dimension=Value(dimension, output_field=CharField()),
                  f_value=Value(band.key, output_field=CharField()))
        .order_by()
        .values("f_authority", "f_month", "f_dimension", "f_value")
        .annotate(f_episodes=Cast(Value(None), output_field=IntegerField()), f_children=Count("pk", distinct=True),
                  f_shown=Value("", output_field=CharField()))
        .values(*COLUMNS)
    )


COLUMNS = ("f_authority", "f_month", "f_dimension", "f_value", "f_episodes", "f_children", "f_shown")


def _branch(episodes, dimension, value, shown=None):
    return (
        episodes.annotate(f_dimension=Value(dimension, output_field=CharField()), f_value=value)
        .filter(f_value__isnull=False)
        .order_by()
        .values("f_authority", "f_month", "f_dimension", "f_value")
        .annotate(f_episodes=Count("pk"), f_children=Count("child_id", distinct=True),
                  f_shown=shown if shown is not None else Value("", output_field=CharField()))
        .values(*COLUMNS)
    )


def _counts_query(episodes, interviews):
    """Every dimension's counts, a branch each (UNION ALL). A branch joins the child only when its
    bands read the child: the age band, or a child__ field (of a million children at national size,
    a join costs more than the counting)."""
    branches = [
        _branch(with_age(episodes) if bands is AGE_BANDS else episodes, key,
                Case(*[When(band.q, then=Value(band.key)) for band in bands], default=None, output_field=CharField()))
        for key, bands in EXCLUSIVE.items()
    ]
    branches += [
        _branch(episodes.filter(band.q), key, Value(band.key, output_field=CharField()))
        for key, band in SINGLE.items()
    ]
    branches += [_branch(episodes, key, clean_text(path), Min(path)) for key, path in VALUES.items()]
    branches += [_interview_branch(interviews, key, band)
                 for key, bands in INTERVIEW_DIMENSIONS.items() for band in bands]
    first, *rest = branches
    return first.union(*rest, all=True)


def _repeats_sql(episodes):
    per_child = episodes.order_by().values("f_authority", "f_month", "child_id").annotate(n=Count("pk"))
    inner, params = per_child.query.sql_with_params()
    band = "CASE " + " ".join(
        f"WHEN n >= {low}{f' AND n <= {high}' if high else ''} THEN '{key}'" for key, _label, low, high in REPEAT_BANDS
    ) + " END"
    q = connection.ops.quote_name
    sql = (f"SELECT {q('f_authority')}, {q('f_month')}, '{REPEATS}', {band}, NULL, COUNT(*), '' "
           f"FROM ({inner}) per_child GROUP BY {q('f_authority')}, {q('f_month')}, {band}")
    return sql, params


def _at_month_end_branches(authorities, months):
    """Per month: the distinct children with an episode begun before the month's end and not ended
    by it, per authority (one small read of the returned_at index each). For every month of the
    history at once, PostgreSQL reads each episode once instead (_at_month_end_sql)."""
    if months is None and connection.vendor == "postgresql":
        return []
    if months is None:
        first = MissingEpisode.objects.order_by("started_at").values_list("started_at", flat=True).first()
        if first is None:
            return []
        months = months_between(first, timezone.now())
    episodes = MissingEpisode.objects.all()
    if authorities is not None:
        episodes = episodes.filter(authority_id__in=authorities)
    branches = []
    for month in months:
        end = month_start(_next_month(month))
        branches.append(
            episodes.filter(Q(returned_at__isnull=True) | Q(returned_at__gte=end), started_at__lt=end)
            .annotate(f_authority=F("authority_id"), f_month=Value(month, output_field=DateField()),
                      f_dimension=Value(AT_MONTH_END[0], output_field=CharField()),
                      f_value=Value(AT_MONTH_END[1], output_field=CharField()))
            .order_by()
            .values("f_authority", "f_month", "f_dimension", "f_value")
            .annotate(f_episodes=Cast(Value(None), output_field=IntegerField()),
                      f_children=Count("child_id", distinct=True), f_shown=Value("", output_field=CharField()))
            .values(*COLUMNS)
        )
    return branches


def _at_month_end_sql(authorities):
    """Every month's children missing at its end, in one pass over the episodes: each episode is
    joined to the month ends it spans (most span none: they last hours), then counted per authority
    and month. Months are London calendar months; an open episode spans to the end of this month."""
    q = connection.ops.quote_name
    episode = q(MissingEpisode._meta.db_table)
    # The application's now (not the database's), as the per-month recount and the spans use.
    where, params = "", [timezone.now()]
    if authorities is not None:
        where = f"WHERE e.{q('authority_id')} = ANY(%s::uuid[])"
        params.append([str(authority) for authority in authorities])
    local = "AT TIME ZONE 'Europe/London'"
    sql = (
        f"SELECT e.{q('authority_id')}, (m_end - interval '1 month')::date, '{AT_MONTH_END[0]}', "
        f"'{AT_MONTH_END[1]}', NULL, COUNT(DISTINCT e.{q('child_id')}), '' "
        f"FROM {episode} e "
        f"CROSS JOIN LATERAL generate_series("
        f"date_trunc('month', e.{q('started_at')} {local}) + interval '1 month', "
        f"COALESCE(e.{q('returned_at')} {local}, GREATEST(%s::timestamptz {local}, e.{q('started_at')} {local}) "
        f"+ interval '1 month'), interval '1 month') AS m_end "
        f"{where} GROUP BY 1, 2"
    )
    return sql, params


def months_between(first, last):
    """The months (first days) from the month of `first` to the month of `last`, datetimes or dates."""
    day, end = _local_month(first), _local_month(last)
    months = []
    while day <= end:
        months.append(day)
        day = _next_month(day)
    return months


def _local_month(moment):
    day = moment.astimezone(LONDON).date() if isinstance(moment, datetime) else moment
    return day.replace(day=1)


def refresh(authority_id=None, months=None):
    """Recompute the rows of an authority's months (None: every authority, every month) from the
    episodes: one DELETE and two INSERT ... SELECT statements, whatever the number of episodes."""
    refresh_authorities(None if authority_id is None else [authority_id], months)


def refresh_authorities(authorities, months=None):
    """refresh for several authorities at once (a list of ids; None: all of them). A bulk load
    counts its history in parts, each part's authorities on a connection of its own."""
    if months is not None:
        months = sorted({day.replace(day=1) for day in months})
        if not months:
            return
    stale = EpisodeMonthFigure.objects.all()
    if authorities is not None:
        stale = stale.filter(authority_id__in=authorities)
    if months is not None:
        stale = stale.filter(month__in=months)
    stale.delete()
    episodes = _scope(authorities, months)
    table = connection.ops.quote_name(EpisodeMonthFigure._meta.db_table)
    target = ", ".join(connection.ops.quote_name(c) for c in (
        "authority_id", "month", "dimension", "value", "episodes", "children", "shown"))
    counts = _counts_query(episodes, _interview_scope(authorities, months))
    branches = _at_month_end_branches(authorities, months)
    if branches:
        counts = counts.union(*branches, all=True)
    statements = []
    # A month whose episodes and interviews are all gone (erased, or moved to another month) has
    # nothing to count: Django answers such a query with EmptyResultSet rather than SQL.
    with suppress(EmptyResultSet):
        counts_sql, counts_params = counts.query.sql_with_params()
        statements.append((f"INSERT INTO {table} ({target}) SELECT * FROM ({counts_sql}) counted", counts_params))
    with suppress(EmptyResultSet):
        repeats_sql, repeats_params = _repeats_sql(episodes)
        statements.append((f"INSERT INTO {table} ({target}) {repeats_sql}", repeats_params))
    with connection.cursor() as cursor:
        for sql, params in statements:
            cursor.execute(sql, params)
        if months is None and connection.vendor == "postgresql":
            ends_sql, ends_params = _at_month_end_sql(authorities)
            cursor.execute(f"INSERT INTO {table} ({target}) {ends_sql}", ends_params)
    _mark_counted(authorities, months)


def _mark_counted(authorities, months):
    """One COUNTED row per authority and month refreshed: a few hundred rows at most, by one bulk insert."""
    if authorities is None:
        authorities = list(LocalAuthority.objects.values_list("pk", flat=True))
    if months is None:
        first = (MissingEpisode.objects.filter(authority_id__in=authorities).order_by("started_at")
                 .values_list("started_at", flat=True).first())
        months = months_between(first, timezone.now()) if first is not None else []
    EpisodeMonthFigure.objects.bulk_create(
        [EpisodeMonthFigure(authority_id=authority, month=month, dimension=COUNTED[0], value=COUNTED[1],
                            episodes=None, children=0) for authority in authorities for month in months],
        batch_size=2000,
    )


RECOUNT_JOB = "missing.recount_months"


def months_changed(authority_id, moments):
    """A service changed episodes that began at `moments` (datetimes or dates; None is ignored), or
    interviews offered then: mark those months of the authority for recounting, and make sure a
    recount job of the authority is waiting, in the caller's transaction (two or three short
    statements; the recount itself is the job's)."""
    months = sorted({_local_month(moment) for moment in moments if moment is not None})
    if authority_id is None or not months:
        return
    now = timezone.now()
    _hold_month_marks(authority_id)
    MonthRecount.objects.bulk_create(
        [MonthRecount(authority_id=authority_id, month=month, marked_at=now) for month in months],
        update_conflicts=True, unique_fields=["authority", "month"], update_fields=["token", "marked_at"],
    )
    _recount_waiting(authority_id)


MONTH_MARKS_LOCK = 7_320_311  # the first key of the two-key advisory locks on an authority's month marks


def _hold_month_marks(authority_id):
    """Hold the authority's month marks until the caller's transaction ends (PostgreSQL). One change
    may mark months in two calls (the return's month, then its episode's months oldest first); another
    change of the same authority marking the same months in one call then took their row locks in the
    other order, and each waited for the other: a deadlock (found by review). Two changes marking one
    month already waited for each other on its row; they now wait from the first mark, whatever the
    months."""
    if connection.vendor == "postgresql" and transaction.get_connection().in_atomic_block:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, hashtext(%s))", [MONTH_MARKS_LOCK, str(authority_id)])


def _recount_waiting(authority_id):
    """A recount job of the authority that has not begun, or a new one. A job being run holds its
    row's lock and is skipped: it may have read the marks before this change's, so the change asks
    for a job of its own. A waiting job found is locked until the caller commits, so that it cannot
    begin before this change's mark is there to read."""
    waiting = BackgroundJob.objects.filter(kind=RECOUNT_JOB, status=JobStatus.PENDING,
                                           params__authority=str(authority_id))
    if transaction.get_connection().in_atomic_block:
        waiting = waiting.select_for_update(skip_locked=True)
    if not list(waiting.values_list("pk", flat=True)[:1]):
        job_enqueue(kind=RECOUNT_JOB, params={"authority": str(authority_id)})


def recount_marked(job):
    """The recount job, for the authority it names."""
    return recount_authority(job.params["authority"])


def recount_authority(authority_id):
    """Every marked month of the authority counted again, each mark read then removed unless a
    change renewed it meanwhile (its own job will count it again)."""
    # One recount of an authority at a time: two at once would each delete the month's rows and
    # insert their own. The authority's row, locked without blocking rows that refer to it.
    list(LocalAuthority.objects.select_for_update(no_key=True).filter(pk=authority_id).values_list("pk"))
    marks = list(MonthRecount.objects.filter(authority_id=authority_id).values_list("month", "token"))
    if not marks:
        return {"months": 0}
    refresh(authority_id, [month for month, _token in marks])
    seen = Q(pk__in=[])
    for month, token in marks:
        seen |= Q(month=month, token=token)
    MonthRecount.objects.filter(seen, authority_id=authority_id).delete()
    return {"months": len(marks)}


def recount_all_marked():
    """Every marked month of every authority, now (tests, and an operator after an outage)."""
    done = 0
    for authority_id in MonthRecount.objects.order_by().values_list("authority_id", flat=True).distinct():
        with transaction.atomic():
            done += recount_authority(authority_id)["months"]
    return done


def months_marked(authority_id, months):
    """Which of these months of the authority wait for a recount (their kept figures are older than
    a change), with the earliest mark: (months, marked since), or ([], None)."""
    marks = list(MonthRecount.objects.filter(authority_id=authority_id, month__in=months)
                 .order_by("marked_at").values_list("month", "marked_at"))
    return sorted(month for month, _at in marks), (marks[0][1] if marks else None)


def register():
    register_job_kind(JobKind(RECOUNT_JOB, recount_marked, max_attempts=5))


def episode_span(started_at, returned_at):
    """The months an episode counts in: from its start to its return (or to now, while open)."""
    if started_at is None:
        return []
    return months_between(started_at, max(returned_at or timezone.now(), started_at))


def child_episode_months(child_id):
    """Every month one of the child's episodes touches."""
    months = set()
    for started_at, returned_at in MissingEpisode.objects.filter(child_id=child_id).values_list(
            "started_at", "returned_at"):
        months.update(episode_span(started_at, returned_at))
    return months


def child_months_changed(child, changed=None):
    """A child's reported facts (REPORTED_CHILD_FIELDS) or episodes changed: every month one of
    their episodes touches. `changed`: the fields a service changed, when it knows them; nothing is
    marked unless one of them is reported."""
    if changed is not None and not REPORTED_CHILD_FIELDS.intersection(changed):
        return
    months_changed(child.authority_id, child_episode_months(child.pk))
