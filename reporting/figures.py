"""The missing dashboard's figures (R2, R4, R5): every breakdown of a period's episodes, with its
trend over the twelve months that end with the period.

Counted: episodes that *started* in the period, and the distinct children they belong to. Each
breakdown is a list of bands, each band a Q over episodes, so that all of a section's bands are
counted by conditional aggregation in one query, and the trend by grouping on the month in the
database: the number of queries does not grow with the data.
"""

import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.db import connection
from django.db.models import Count, Min, Q
from django.db.models.functions import TruncMonth

from casework.calendar import LONDON
from missing.models import (
    Category,
    EpisodeMonthFigure,
    MissingEpisode,
    PullFactor,
    PushFactor,
    ReturnInterview,
)
from missing.report_months import (
    ALL_BAND,
    AT_MONTH_END,
    COUNTED,
    EXCLUSIVE,
    INTERVIEW_BANDS,
    PLACED_BANDS,
    REPEAT_BANDS,
    REPEATS,
    band_source,
    clean_text,
    factor_bands,
    with_age_and_duration,
)
from missing.report_months import interviews_with_t1 as _with_t1

SMALL_COUNT = 5
SMALL_COUNT_TEXT = "fewer than 5"
TREND_MONTHS = 12
TOP_VALUES = 10


def count_shown(value, *, suppress):
    """The one rule for small numbers: for a strategic reader (and in the board's PDF) a count of
    1 to 4 reads "fewer than 5", so that no child can be recognised from it; 0 stays 0."""
    if suppress and value is not None and 0 < value < SMALL_COUNT:
        return SMALL_COUNT_TEXT
    return value


# Periods ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    """[start, end) in Europe/London, whole months."""

    first_month: date
    months: int
    label: str

    @property
    def start(self):
        return datetime.combine(self.first_month, time.min, tzinfo=LONDON)

    @property
    def end(self):
        return datetime.combine(add_months(self.first_month, self.months), time.min, tzinfo=LONDON)

    @property
    def last_day(self):
        return add_months(self.first_month, self.months) - timedelta(days=1)

    def shifted(self, months):
        first = add_months(self.first_month, months)
        return Period(first, self.months, describe_period(first, self.months))


def add_months(day, months):
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def describe_period(first_month, months):
    if months == 1:
        return f"{first_month:%B %Y}"
    last = add_months(first_month, months - 1)
    return f"{first_month:%B} to {last:%B %Y}"


MONTH_PATTERN = re.compile(r"^(\d{4})-(\d{2})$")
QUARTER_PATTERN = re.compile(r"^(\d{4})-Q([1-4])$")


def month_period(text):
    """'2026-11' -> November 2026; ValueError for anything else."""
    match = MONTH_PATTERN.match(text or "")
    if not match or not 2000 <= int(match[1]) <= 2100 or not 1 <= int(match[2]) <= 12:
        raise ValueError("Give a month as YYYY-MM, for example 2026-11.")
    first = date(int(match[1]), int(match[2]), 1)
    return Period(first, 1, describe_period(first, 1))


def quarter_period(text):
    """'2026-Q3' -> July to September 2026 (calendar quarters); ValueError for anything else."""
    match = QUARTER_PATTERN.match(text or "")
    if not match or not 2000 <= int(match[1]) <= 2100:
        raise ValueError("Give a quarter as YYYY-Qn, for example 2026-Q3.")
    first = date(int(match[1]), 3 * (int(match[2]) - 1) + 1, 1)
    return Period(first, 3, f"{match[1]} Q{match[2]}: {describe_period(first, 3)}")


def quarter_name(period):
    return f"{period.first_month.year}-Q{(period.first_month.month - 1) // 3 + 1}"


def trend_months(period):
    """The twelve months that end with the period's last month."""
    last = add_months(period.first_month, period.months - 1)
    return [add_months(last, -n) for n in range(TREND_MONTHS - 1, -1, -1)]


# Bands ------------------------------------------------------------------------------------------


@dataclass
class Breakdown:
    key: str
    title: str
    bands: list
    description: str = ""
    rows: list = field(default_factory=list)  # [{key, label, episodes, children, trend: [n per month]}]
    months: list = field(default_factory=list)
    counts_children: bool = True


def static_breakdowns():
    """The breakdowns whose bands are known in advance, in the dashboard's order (their bands are the
    kept figures' own, missing.report_months.EXCLUSIVE)."""
    return [
        Breakdown("category", "Episodes by police category", list(EXCLUSIVE["category"]),
                  "Missing, absent, and away from placement without authorisation (N4)."),
        Breakdown("duration", "How long children were gone", list(EXCLUSIVE["duration"]),
                  "From the start of the episode to the return."),
        Breakdown("age", "Age at the start of the episode", list(EXCLUSIVE["age"])),
        Breakdown("gender", "Gender", list(EXCLUSIVE["gender"])),
        Breakdown("legal_status", "Legal status", list(EXCLUSIVE["legal_status"])),
        Breakdown("placement_type", "Placement type", list(EXCLUSIVE["placement_type"])),
        Breakdown("placed", "Placed out of area, and placed here by others", PLACED_BANDS,
                  "A child may be counted in one of these, or neither."),
        Breakdown("risk", "Police risk", list(EXCLUSIVE["risk"])),
    ]


def episodes_of(authority):
    """The authority's episodes, each with how long it lasted and the child's age in whole years
    when it began (missing.report_months.with_age_and_duration: the kept figures count the same)."""
    return with_age_and_duration(MissingEpisode.objects.filter(authority=authority))


def _month_index(months):
    index = {month: n for n, month in enumerate(months)}

    def lookup(moment):
        if moment is None:
            return None
        day = moment.astimezone(LONDON).date() if isinstance(moment, datetime) else moment
        return index.get(day.replace(day=1))

    return lookup


def _in(period_start, period_end, path="started_at"):
    return Q(**{f"{path}__gte": period_start, f"{path}__lt": period_end})


def fill_breakdowns(episodes, breakdowns, period):
    """Every band of every breakdown: episodes and children in the period (one query), and episodes
    and children in each of the twelve months (one query, grouped by month in the database)."""
    months = trend_months(period)
    trend_start = datetime.combine(months[0], time.min, tzinfo=LONDON)
    aliases = {}
    for b_index, breakdown in enumerate(breakdowns):
        for band_index, band in enumerate(breakdown.bands):
            aliases[(breakdown.key, band.key)] = f"b{b_index}_{band_index}"
    counts = {}
    for (b_key, band_key), alias in aliases.items():
        band = _band(breakdowns, b_key, band_key)
        counts[f"{alias}_e"] = Count("pk", filter=band.q)
        counts[f"{alias}_c"] = Count("child_id", distinct=True, filter=band.q)
    totals = episodes.filter(_in(period.start, period.end)).aggregate(**counts)
    # The trend counts episodes only: a distinct count of children per band and month costs a sort each.
    episode_counts = {alias: count for alias, count in counts.items() if alias.endswith("_e")}
    monthly = (
        episodes.filter(_in(trend_start, period.end))
        .annotate(month=TruncMonth("started_at", tzinfo=LONDON))
        .order_by()
        .values("month")
        .annotate(**episode_counts)
    )
    which = _month_index(months)
    per_month = {}
    for row in monthly:
        n = which(row["month"])
        if n is not None:
            per_month[n] = row
    for breakdown in breakdowns:
        breakdown.months = months
        breakdown.rows = []
        for band in breakdown.bands:
            alias = aliases[(breakdown.key, band.key)]
            breakdown.rows.append({
                "key": band.key,
                "label": band.label,
                "episodes": totals[f"{alias}_e"],
                "children": totals[f"{alias}_c"],
                "trend": [per_month.get(n, {}).get(f"{alias}_e", 0) for n in range(len(months))],
            })
    return breakdowns


def _band(breakdowns, b_key, band_key):
    breakdown = next(b for b in breakdowns if b.key == b_key)
    return next(band for band in breakdown.bands if band.key == band_key)


def headline_breakdown():
    bands = [ALL_BAND, *EXCLUSIVE["category"]]
    return Breakdown("headline", "Episodes and individual children", bands,
                     "Episodes that began in the period, and the children they belong to.")


def headline(episodes, period):
    """Episodes and individual children, in all and by category, with their monthly trend."""
    return fill_breakdowns(episodes, [headline_breakdown()], period)[0]




def repeats(episodes, period):
    """Children by how many episodes they had in the period, and in each month of the trend: one
    query each, counted per child and then per band in the database."""
    months = trend_months(period)
    trend_start = datetime.combine(months[0], time.min, tzinfo=LONDON)
    in_period = _banded(episodes.filter(_in(period.start, period.end)).order_by().values("child_id")
                        .annotate(n=Count("pk")), group_by=None)
    per_child_month = (
        episodes.filter(_in(trend_start, period.end))
        .annotate(month=TruncMonth("started_at", tzinfo=LONDON))
        .order_by()
        .values("month", "child_id")
        .annotate(n=Count("pk"))
    )
    trend = {key: [0] * len(months) for key, *_ in REPEAT_BANDS}
    which = _month_index(months)
    for row in _banded(per_child_month, group_by="month"):
        n = which(_as_moment(row[0]))
        if n is not None:
            for b, (key, *_) in enumerate(REPEAT_BANDS):
                trend[key][n] += row[b + 1]
    totals = in_period[0][1:] if in_period else [0] * len(REPEAT_BANDS)
    breakdown = Breakdown("repeats", "Repeat missing: children by episodes in the period", [],
                          "Each child is counted once, in the band of their number of episodes.",
                          months=months, counts_children=False)
    breakdown.rows = [{"key": key, "label": label, "episodes": None, "children": totals[b] or 0, "trend": trend[key]}
                      for b, (key, label, *_) in enumerate(REPEAT_BANDS)]
    return breakdown


def _banded(per_child, *, group_by):
    """Children per repeat band, counted over the per-child counts (`n`) in the database: Django
    cannot aggregate over an aggregate, so the per-child query is wrapped in plain SQL."""
    inner, params = per_child.query.sql_with_params()
    cases = ", ".join(
        f"SUM(CASE WHEN n >= {low}{f' AND n <= {high}' if high else ''} THEN 1 ELSE 0 END)"
        for _key, _label, low, high in REPEAT_BANDS
    )
    column = connection.ops.quote_name(group_by) if group_by else "NULL"
    sql = f"SELECT {column}, {cases} FROM ({inner}) per_child" + (f" GROUP BY {column}" if group_by else "")
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _as_moment(value):
    """A month as the database answers it to raw SQL: a London wall-clock datetime (PostgreSQL) or
    text (SQLite)."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value if value is None or value.tzinfo else value.replace(tzinfo=LONDON)


def currently_missing(authority, period, now, at_month_end=None):
    """Children missing now, by category (one query), and missing at the end of each month of the
    trend: from `at_month_end` ({month: children}, the kept figures) for months ended by `now`
    when given, otherwise (and for a month not ended yet) by one query of conditional counts."""
    months = trend_months(period)
    episodes = MissingEpisode.objects.filter(authority=authority)
    open_now = episodes.filter(returned_at__isnull=True, started_at__lte=now)
    counts = {value: Count("child_id", distinct=True, filter=Q(category=value)) for value, _ in Category.choices}
    by_category = open_now.aggregate(**counts)
    ends, trend, moments = {}, [0] * len(months), []
    for n, month in enumerate(months):
        end = datetime.combine(add_months(month, 1), time.min, tzinfo=LONDON)
        if at_month_end is not None and end <= now and month in at_month_end:
            trend[n] = at_month_end.get(month, 0)
            continue
        moment = min(end, now)
        moments.append(moment)
        ends[f"m{n}"] = Count("child_id", distinct=True, filter=Q(started_at__lt=moment) & (
            Q(returned_at__isnull=True) | Q(returned_at__gte=moment)))
    if ends:
        # Only an episode still open at the first moment can count in any month: the filter lets the
        # database read those through the returned_at index, not the history.
        counted = episodes.filter(
            Q(returned_at__isnull=True) | Q(returned_at__gte=min(moments)), started_at__lt=period.end,
        ).aggregate(**ends)
        for key, value in counted.items():
            trend[int(key[1:])] = value
    breakdown = Breakdown("currently_missing", "Children missing now", [],
                          "Children with an episode not yet ended, now; the trend counts those missing at each "
                          "month's end.",
                          months=months, counts_children=False)
    breakdown.rows = [{"key": value, "label": label, "episodes": None, "children": by_category[value], "trend": None}
                      for value, label in Category.choices]
    breakdown.rows.append({"key": "all", "label": "All children missing, absent or away", "episodes": None,
                           "children": sum(by_category.values()),
                           "trend": trend})
    return breakdown




def by_value(episodes, period, *, key, title, path, description="", blank_label="Not recorded"):
    """A breakdown by a recorded value (the establishment, the area, where found): the ten values
    with most episodes in the period, the rest together, each with its trend. Two queries."""
    months = trend_months(period)
    trend_start = datetime.combine(months[0], time.min, tzinfo=LONDON)
    valued = episodes.annotate(value=clean_text(path))
    top = list(
        valued.filter(_in(period.start, period.end)).order_by().values("value")
        .annotate(episodes=Count("pk"), children=Count("child_id", distinct=True), shown=Min(path))
        .order_by("-episodes", "value")
    )
    kept = top[:TOP_VALUES]
    rest = top[TOP_VALUES:]
    kept_values = [row["value"] for row in kept]
    which = _month_index(months)
    trend = {value: [0] * len(months) for value in kept_values}
    other = [0] * len(months)
    rows = (
        valued.filter(_in(trend_start, period.end))
        .annotate(month=TruncMonth("started_at", tzinfo=LONDON))
        .order_by()
        .values("month", "value")
        .annotate(n=Count("pk"))
    )
    for row in rows:
        n = which(row["month"])
        if n is None:
            continue
        if row["value"] in trend:
            trend[row["value"]][n] += row["n"]
        else:
            other[n] += row["n"]
    breakdown = Breakdown(key, title, [], description, months=months)
    breakdown.rows = [
        {"key": row["value"] or "not_recorded", "label": _display_value(row, blank_label),
         "episodes": row["episodes"], "children": row["children"], "trend": trend[row["value"]]}
        for row in kept
    ]
    if rest or any(other):
        breakdown.rows.append({
            "key": "other", "label": "All others", "episodes": sum(r["episodes"] for r in rest),
            "children": sum(r["children"] for r in rest), "trend": other,
        })
    return breakdown


def _display_value(row, blank_label):
    shown = (row.get("shown") or "").strip()
    return shown or blank_label


# Return interviews --------------------------------------------------------------------------------



def interviews_with_t1(authority):
    """The authority's interviews with T1's due time and their factors as text (missing.report_months)."""
    return _with_t1(ReturnInterview.objects.filter(authority=authority))


def _fill_interview_breakdowns(interviews, breakdowns, period, path):
    """Like fill_breakdowns, for interviews offered in the period (counted by `path`): every band of
    every breakdown in one query for the period and one grouped by month for the trend."""
    months = trend_months(period)
    trend_start = datetime.combine(months[0], time.min, tzinfo=LONDON)
    counts = {
        f"i{k}_{n}": Count("pk", filter=band.q, distinct=True)
        for k, breakdown in enumerate(breakdowns) for n, band in enumerate(breakdown.bands)
    }
    totals = interviews.filter(_in(period.start, period.end, path)).aggregate(**counts)
    which = _month_index(months)
    trend = {alias: [0] * len(months) for alias in counts}
    rows = (
        interviews.filter(_in(trend_start, period.end, path))
        .annotate(month=TruncMonth(path, tzinfo=LONDON))
        .order_by()
        .values("month")
        .annotate(**counts)
    )
    for row in rows:
        n = which(row["month"])
        if n is not None:
            for alias in counts:
                trend[alias][n] = row[alias]
    for k, breakdown in enumerate(breakdowns):
        breakdown.months = months
        breakdown.counts_children = False
        breakdown.rows = [{"key": band.key, "label": band.label, "episodes": None, "children": totals[f"i{k}_{b}"],
                           "trend": trend[f"i{k}_{b}"]} for b, band in enumerate(breakdown.bands)]
    return breakdowns


def interview_breakdowns():
    """The interview sections, unfilled (keys as missing.report_months.INTERVIEW_DIMENSIONS)."""
    return [
        Breakdown("interviews", "Return home interviews", INTERVIEW_BANDS,
                  "Interviews offered in the period; 72 hours is read from each episode's T1 deadline."),
        Breakdown("push_factors", "Push factors named in return interviews",
                  factor_bands("push", "push_text", PushFactor), "What drove children away."),
        Breakdown("pull_factors", "Pull factors named in return interviews",
                  factor_bands("pull", "pull_text", PullFactor), "What drew children elsewhere."),
    ]


def interviews_breakdowns(authority, period):
    return _fill_interview_breakdowns(interviews_with_t1(authority), interview_breakdowns(), period, "offered_at")


# The dashboard ------------------------------------------------------------------------------------


VALUE_SECTIONS = [
    dict(key="provider", title="By placement provider (establishment)", path="placement_provider",
         description="Where the child was placed when the episode began (N7)."),
    dict(key="area", title="By area (the child's home postcode district)", path="child__home_area"),
    dict(key="found", title="Where children were found", path="found_location",
         description="As recorded on the episode; the same place written the same way is counted together.",
         blank_label="Not recorded or not yet found"),
]


def _live_episode_sections(authority, period):
    episodes = episodes_of(authority)
    # The headline and the static breakdowns share one pass over the period and one over the trend.
    first, *static = fill_breakdowns(episodes, [headline_breakdown(), *static_breakdowns()], period)
    values = [by_value(episodes, period, **spec) for spec in VALUE_SECTIONS]
    return first, repeats(episodes, period), static, values, interviews_breakdowns(authority, period), None


def _kept_episode_sections(authority, period):
    """The same sections as _live_episode_sections (episodes and interviews) for a period of one
    month, read from the kept monthly figures (missing.report_months) in one query: twelve months of
    rows, not of episodes."""
    months = trend_months(period)
    month = period.first_month
    kept = {}  # (dimension, value) -> {month: (episodes, children, shown)}, in the database's order
    rows = (EpisodeMonthFigure.objects.filter(authority=authority, month__in=months)
            .order_by("-episodes", "value")
            .values_list("month", "dimension", "value", "episodes", "children", "shown"))
    ranked = {spec["key"]: [] for spec in VALUE_SECTIONS}  # the period's values, most episodes first
    for day, dimension, value, episodes, children, shown in rows:
        kept.setdefault((dimension, value), {})[day] = (episodes, children, shown)
        if day == month and dimension in ranked:
            ranked[dimension].append(value)

    def numbers(source):
        by_month = kept.get(source, {})
        now = by_month.get(month, (0, 0, ""))
        return now[0] or 0, now[1] or 0, [by_month.get(m, (0,))[0] or 0 for m in months]

    def children_trend(source):
        by_month = kept.get(source, {})
        return [by_month.get(m, (0, 0))[1] or 0 for m in months]

    def filled(breakdown):
        breakdown.months = months
        breakdown.rows = []
        for band in breakdown.bands:
            episodes, children, trend = numbers(band_source(breakdown.key, band.key))
            breakdown.rows.append({"key": band.key, "label": band.label, "episodes": episodes,
                                   "children": children, "trend": trend})
        return breakdown

    first = filled(headline_breakdown())
    static = [filled(breakdown) for breakdown in static_breakdowns()]
    repeated = Breakdown("repeats", "Repeat missing: children by episodes in the period", [],
                         "Each child is counted once, in the band of their number of episodes.",
                         months=months, counts_children=False)
    repeated.rows = []
    for key, label, *_ in REPEAT_BANDS:
        _episodes, children, _trend = numbers((REPEATS, key))
        repeated.rows.append({"key": key, "label": label, "episodes": None, "children": children,
                              "trend": children_trend((REPEATS, key))})
    values = [_kept_by_value(kept, ranked[spec["key"]], months, month, **spec) for spec in VALUE_SECTIONS]
    interviews = []
    for breakdown in interview_breakdowns():
        breakdown.months, breakdown.counts_children, breakdown.rows = months, False, []
        for band in breakdown.bands:
            _none, count, _trend = numbers((breakdown.key, band.key))
            breakdown.rows.append({"key": band.key, "label": band.label, "episodes": None, "children": count,
                                   "trend": children_trend((breakdown.key, band.key))})
        interviews.append(breakdown)
    # Children missing at each month's end, for the months counted (a month never counted is not 0).
    ends = kept.get(AT_MONTH_END, {})
    at_month_end = {m: (ends[m][1] or 0) if m in ends else 0 for m in kept.get(COUNTED, {})}
    return first, repeated, static, values, interviews, at_month_end


def _kept_by_value(kept, ranked, months, month, *, key, title, path, description="", blank_label="Not recorded"):
    """by_value from the kept figures: the period's values in the database's order (most episodes
    first, then by value, as by_value asks), the first ten kept, the rest together; each kept
    value's trend, and the others'."""
    top = [(value, kept[(key, value)][month]) for value in ranked]
    kept_values, rest = [value for value, _ in top[:TOP_VALUES]], top[TOP_VALUES:]
    trend = {value: [0] * len(months) for value in kept_values}
    other = [0] * len(months)
    for (dimension, value), by_month in kept.items():
        if dimension != key:
            continue
        for n, m in enumerate(months):
            if m in by_month:
                target = trend[value] if value in trend else other
                target[n] += by_month[m][0] or 0
    breakdown = Breakdown(key, title, [], description, months=months)
    breakdown.rows = [
        {"key": value or "not_recorded", "label": (numbers[2] or "").strip() or blank_label,
         "episodes": numbers[0], "children": numbers[1], "trend": trend[value]}
        for value, numbers in top[:TOP_VALUES]
    ]
    if rest or any(other):
        breakdown.rows.append({
            "key": "other", "label": "All others", "episodes": sum(n[0] for _, n in rest),
            "children": sum(n[1] for _, n in rest), "trend": other,
        })
    return breakdown


def dashboard_figures(authority, period, *, now):
    """Every section of the dashboard, in order: a few queries per section, whatever the data. A
    month's episode sections come from the kept monthly figures; a quarter's (the board's PDF,
    counting distinct children over three months) are counted from the episodes."""
    if period.months == 1:
        first, repeated, static, values, interviews, at_month_end = _kept_episode_sections(authority, period)
    else:
        first, repeated, static, values, interviews, at_month_end = _live_episode_sections(authority, period)
    return [first, repeated, currently_missing(authority, period, now, at_month_end), *static, *values, *interviews]


def section(sections, key):
    return next(s for s in sections if s.key == key)
