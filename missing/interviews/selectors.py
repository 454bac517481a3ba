"""Reads: interviews due with their T1 countdown, and how timely interviews were (for the reports)."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import (
    Case,
    Count,
    DateTimeField,
    Exists,
    F,
    Min,
    OuterRef,
    Prefetch,
    Q,
    Subquery,
    When,
)
from django.utils import timezone

from casework.calendar import LONDON, countdown, local_date
from casework.permissions import is_mash_coordinator
from casework.models import Agency, Deadline, DeadlineStatus
from casework.selectors import numbers, row_count, value_sum, visible_row
from casework.tallies import tally_kept, tally_rows

from ..clocks.kind import EPISODE
from ..models import (
    OWED_STATES,
    Child,
    ExploitationIndicator,
    HarmIndicator,
    InterviewState,
    MissingEpisode,
    PullFactor,
    PushFactor,
    ReturnInterview,
)
from ..permissions import few_visible_children, rows_hidden_in_authority
from ..tallies import INTERVIEWS
from .permissions import checks_visible_to, interviews_visible_to


def _t1_rows():
    """Live-or-done T1 rows of episodes (a cancelled row, whose return was withdrawn, no longer counts)."""
    return Deadline.objects.filter(subject_type=EPISODE, rule="T1").exclude(status=DeadlineStatus.CANCELLED)


def with_t1_due(interviews, *, only=None):
    """Each interview's due time, read from the earliest T1 deadline row of the episodes it covers
    (the clock computes T1, once; an interview covering several episodes is due from the first).
    No aggregate: the reports count over it. `only` (a Q): the due time of those interviews alone
    (None for the others), so that a report looks up no row it will not compare."""
    covered = ReturnInterview.episodes.through.objects.filter(returninterview_id=OuterRef(OuterRef("pk")))
    earliest = _t1_rows().filter(subject_id__in=covered.values("missingepisode_id")).order_by("due_at")
    due = Subquery(earliest.values("due_at")[:1])
    if only is not None:
        due = Case(When(only, then=due), default=None, output_field=DateTimeField())
    return interviews.annotate(t1_due_at=due)


def interview_due_at(interview):
    if hasattr(interview, "t1_due_at"):
        return interview.t1_due_at
    rows = _t1_rows().filter(subject_id__in=interview.episodes.values("pk"))
    return rows.aggregate(due=Min("due_at"))["due"]


def _episode_ids_and_starts():
    """What the API shows of an interview's episodes: their ids, in the order they began, as the list
    `covered` (a list attribute, not a manager per interview: Django filters a queryset for each
    row to make those, a millisecond on a page of 50)."""
    return Prefetch("episodes", queryset=MissingEpisode.objects.only("id", "started_at"), to_attr="covered")


def interview_get_visible(user, interview_id, *, with_people=True):
    """The interview with what its page shows, or None when the user may not see it.
    `with_people=False` for the API, which names the child, interviewer, referrer and episodes by id:
    the interview's own row and its due time, without joining each of them (issue 13)."""
    if with_people:
        loaded = with_t1_due(ReturnInterview.objects).select_related(
            "child", "child__authority", "interviewer", "interviewer_agency", "referrer", "routed_to"
        ).prefetch_related("episodes")
    else:
        loaded = with_t1_due(ReturnInterview.objects).prefetch_related(_episode_ids_and_starts())
    return visible_row(interviews_visible_to(user), loaded, interview_id)


def interviews_listed(user, *, child=None, state=None, mine=False):
    """The interviews the API's list holds, without what it shows of each: what its count reads (the
    returns and due time, aggregated per interview, are worked out for the page alone)."""
    interviews = interviews_visible_to(user, listing=True)
    if child is not None:
        interviews = interviews.filter(child_id=child)
    if state:
        interviews = interviews.filter(state=state)
    if mine:
        interviews = interviews.filter(interviewer_id=user.pk)
    return interviews


def interviews_count(user, listed, *, state=None):
    """How the API's list of interviews_listed(user, state=state) (`listed`) is counted: a function
    answering listed.count(), or None when the page's own statement counts it
    (casework.paginator.WindowPaginator). A MASH coordinator sees every interview of the authority
    (120,000 at national size): the tally PostgreSQL keeps, less any interview of a merged-away
    record (a merge moves them to the survivor), in one statement. Someone who sees few children:
    their page. Anyone else (a force, a lead agency: 20,000-120,000 interviews) counts apart, as a
    count on the page would work out every interview's due time, not the page's 50 (0.4 s -> 1.3 s)."""
    hidden = rows_hidden_in_authority(user)
    if tally_kept() and hidden is not None:
        def tallied():
            authority_id = user.agency.authority_id
            total = tally_rows(INTERVIEWS, authority_id, [state] if state else None)
            hidden_rows = ReturnInterview.objects.filter(hidden, authority_id=authority_id)
            if state:
                hidden_rows = hidden_rows.filter(state=state)
            in_tally, merged_away = numbers(value_sum(total, "n"), row_count(hidden_rows))
            return in_tally - merged_away

        return tallied
    return None if few_visible_children(user) is not None else listed.count


def interviews_list(listed):
    """Those interviews with their first return and due time, in the order of the first return (the
    order of the API's pages: an interview that covers no episode any more comes last)."""
    return (
        with_t1_due(listed)
        .prefetch_related(_episode_ids_and_starts())
        .order_by(F("first_returned_at").asc(nulls_last=True), "offered_at", "pk")
    )


def with_countdown(interviews, now):
    """Rows of (interview, its T1 due time, the time left) for a page of interviews."""
    rows = []
    for interview in interviews:
        due_at = interview_due_at(interview)
        rows.append({"interview": interview, "due_at": due_at, "countdown": countdown(due_at, now) if due_at else None})
    return rows


def _owed_by(user):
    return interviews_visible_to(user).filter(interviewer_id=user.pk, state__in=OWED_STATES)


def interviews_owed(user):
    """My interviews due: owed interviews the user was chosen to hold, soonest due first, with what
    a row shows (pages take a slice, then with_countdown)."""
    return (
        with_t1_due(_owed_by(user))
        .select_related("child", "child__authority")
        .prefetch_related("episodes")
        .order_by("first_returned_at", "pk")
    )


def interviews_due_for(user, *, now=None, limit=None):
    """The first `limit` (or all) of interviews_owed, as rows with their countdown."""
    interviews = interviews_owed(user)
    return with_countdown(interviews[:limit] if limit else interviews, now or timezone.now())


def interviews_due_counts(user, *, now):
    """How many interviews the user owes, and how many of them are past their T1 due time, in one
    query (an interview is due at the earliest T1 row of its episodes, so it is late when any is)."""
    covered = ReturnInterview.episodes.through.objects.filter(returninterview_id=OuterRef(OuterRef("pk")))
    late = _t1_rows().filter(subject_id__in=covered.values("missingepisode_id"), due_at__lte=now)
    return _owed_by(user).aggregate(due=Count("pk"), overdue=Count("pk", filter=Exists(late)))


def interviews_awaiting_interviewer(user):
    """Offers still waiting for the child's choice of interviewer, for whoever arranges them (a MASH
    coordinator: the authority's), oldest return first (pages take a slice, then with_countdown)."""
    interviews = with_t1_due(interviews_visible_to(user)).filter(state=InterviewState.OFFERED)
    if not is_mash_coordinator(user):
        interviews = interviews.filter(Q(referrer_id=user.pk) | Q(child__allocated_worker_id=user.pk))
    interviews = interviews.select_related("child", "child__authority").prefetch_related("episodes")
    return interviews.order_by("first_returned_at", "pk")


def checks_list(user, *, child=None, episode=None):
    checks = checks_visible_to(user).select_related("episode")
    if child is not None:
        checks = checks.filter(episode__child_id=child)
    if episode is not None:
        checks = checks.filter(episode_id=episode)
    return checks.order_by("-checked_at")


def _labels(choices, values):
    return [choices(value).label for value in values if value in choices.values]


def checks_for_interview(user, interview):
    """The police debriefs of the episodes an interview covers: the interviewer reads them first (§13)."""
    checks = list(checks_visible_to(user).filter(episode__in=interview.episodes.all()).select_related("episode"))
    for check in checks:
        check.harm_labels = _labels(HarmIndicator, check.harm_indicators)
    return checks


def interview_content_labels(interview):
    return {
        "push_labels": _labels(PushFactor, interview.push_factors),
        "pull_labels": _labels(PullFactor, interview.pull_factors),
        "exploitation_labels": _labels(ExploitationIndicator, interview.exploitation_indicators),
    }


# Timeliness (reports) --------------------------------------------------------------------------


@dataclass
class TimelinessRow:
    label: str
    interviews: int = 0
    offered_within: int = 0
    completed_within: int = 0

    @staticmethod
    def _share(part, whole):
        return round(100 * part / whole, 1) if whole else None

    @property
    def offered_share(self):
        return self._share(self.offered_within, self.interviews)

    @property
    def completed_share(self):
        return self._share(self.completed_within, self.interviews)



_TIMELINESS_SQL = """
WITH period AS ({period}),
due AS (
    SELECT p.id, p.state, p.offered_at, p.held_at, p.interviewer_agency_id, p.child_id, MIN(t1.due_at) AS due_at
    FROM period p JOIN {covers} m ON m.returninterview_id = p.id JOIN ({t1}) t1 ON t1.subject_id = m.missingepisode_id
    GROUP BY p.id, p.state, p.offered_at, p.held_at, p.interviewer_agency_id, p.child_id
)
SELECT a.name AS provider, c.allocated_team AS team, c.placed_by_other_authority AS placed,
    COUNT(*) AS interviews,
    COUNT(*) FILTER (WHERE d.offered_at <= d.due_at) AS offered_within,
    COUNT(*) FILTER (WHERE d.state = %s AND d.held_at <= d.due_at) AS completed_within
FROM due d
JOIN {child} c ON c.id = d.child_id
LEFT JOIN {agency} a ON a.id = d.interviewer_agency_id
WHERE d.state = %s OR d.due_at <= %s
GROUP BY a.name, c.allocated_team, c.placed_by_other_authority
"""


def _timeliness_groups(authority, start, end, now):
    """Per (provider, team, placed elsewhere): how many interviews count and how many were offered
    and completed by their due time. The due time is read from the clock's T1 rows (_t1_rows: the
    earliest of the episodes an interview covers, as with_t1_due reads it), not worked out again.
    One grouped statement over the interviews whose first return (kept on each) lies in the
    period, found by the (authority, first return) index and read there once (not looked up again
    by id: a quarter of the time at national size); the T1 rows and the period are the ORM's own
    statements. Counted: those completed, and those whose due time has passed (one still
    within its hours is neither on time nor late yet)."""
    t1_sql, t1_params = _t1_rows().order_by().values("subject_id", "due_at").query.sql_with_params()
    period_sql, period_params = (
        ReturnInterview.objects.filter(authority=authority, first_returned_at__gte=start, first_returned_at__lt=end)
        .order_by().values("id", "state", "offered_at", "held_at", "interviewer_agency_id", "child_id")
        .query.sql_with_params()
    )
    sql = _TIMELINESS_SQL.format(
        t1=t1_sql, period=period_sql, covers=ReturnInterview.episodes.through._meta.db_table,
        child=Child._meta.db_table, agency=Agency._meta.db_table,
    )
    completed = InterviewState.COMPLETED.value
    params = [*period_params, *t1_params, completed, completed, connection.ops.adapt_datetimefield_value(now)]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        columns = [column[0] for column in cursor.description]
        return [dict(zip(columns, row)) for row in cursor.fetchall()]


def interview_timeliness(authority, start, end, *, now=None):
    """The share of interviews offered and completed within the T1 time, for returns in
    [start, end): overall, by provider (the interviewer's agency), by the child's allocated team,
    and for children placed here by other councils.

    Counted: interviews already completed, and those whose due time has passed (an interview still
    within its 72 hours is neither on time nor late yet).
    """
    now = now or timezone.now()
    overall = TimelinessRow("All interviews")
    placed = TimelinessRow("Children placed here by other councils")
    providers, teams = {}, {}
    for group in _timeliness_groups(authority, start, end, now):
        provider = group["provider"] or "No interviewer chosen"
        team = group["team"] or "No allocated team"
        rows = [
            overall,
            providers.setdefault(provider, TimelinessRow(provider)),
            teams.setdefault(team, TimelinessRow(team)),
        ]
        if group["placed"]:
            rows.append(placed)
        for row in rows:
            row.interviews += group["interviews"]
            row.offered_within += group["offered_within"]
            row.completed_within += group["completed_within"]
    return {
        "start": start,
        "end": end,
        "overall": overall,
        "by_provider": [providers[k] for k in sorted(providers)],
        "by_team": [teams[k] for k in sorted(teams)],
        "placed_by_other_authority": placed,
    }


# The days a timeliness report may name: wide enough for any record, and far from date's limits.
REPORT_DAYS = (date(2000, 1, 1), date(2100, 12, 31))


def report_day_in_range(day):
    """Validator for the days of a report period (the API's and the page's)."""
    first, last = REPORT_DAYS
    if not first <= day <= last:
        raise ValidationError(f"Give a date in the years {first.year} to {last.year}.", code="out_of_range")


def interview_timeliness_for_days(authority, start_day, end_day, *, now=None):
    """interview_timeliness for returns on the days start_day..end_day inclusive (Europe/London)."""
    report = interview_timeliness(
        authority,
        datetime.combine(start_day, time.min, tzinfo=LONDON),
        datetime.combine(end_day + timedelta(days=1), time.min, tzinfo=LONDON),
        now=now,
    )
    return {**report, "start": start_day, "end": end_day}


def default_period(now):
    """The last 90 days up to today, when a reader names no period."""
    today = local_date(now)
    return today - timedelta(days=90), today
