"""Reads for panels: the agenda (part 1 figures, part 2 children), the minutes, the suggested list.

Every page reads a fixed number of queries whatever the number of children: counts are
aggregated in the database, per-child facts fetched for all listed children at once.
"""

from collections import Counter, defaultdict
from datetime import timedelta

from django.conf import settings
from django.db import connection
from django.db.models import Count, Max, Q
from django.utils import timezone

from casework.models import Deadline
from casework.protocol_store import protocol_for
from casework.selectors import distinct_count, numbers, row_count
from missing import rules as missing_rules
from missing.models import (
    Child,
    EducationCase,
    InterviewState,
    MissingEpisode,
    PullFactor,
    PushFactor,
    ReturnInterview,
    RiskLevel,
)
from missing.models.episodes import RISK_RANK

from .clocks import MEETING
from .hooks import outstanding_actions
from .models import AgencyUpdate, Attendance, Meeting, MeetingChild, PanelListEntry, Rating
from .rules import meeting_dates, panel_protocol, quorate

RATING_RANK = {"red": 0, "amber": 1, "green": 2}


def meeting_get(meetings, meeting_id):
    return meetings.select_related("panel", "panel__chair", "panel__co_chair").filter(pk=meeting_id).first()


def meeting_dates_for(meeting):
    return meeting_dates(meeting.starts_at, panel_protocol(meeting.panel, protocol_for(meeting.panel.authority_id)))


def deadline_rows(meeting):
    return {(d.rule, d.key): d for d in Deadline.objects.filter(subject_type=MEETING, subject_id=meeting.pk)}


def deadline_rows_of(meetings, rules=None):
    """deadline_rows for several meetings in one query: {meeting id: {(rule, key): row}}; only the
    rows of `rules` and their due times when given (a page of meetings has some thirty rows each)."""
    found = {meeting.pk: {} for meeting in meetings}
    rows = Deadline.objects.filter(subject_type=MEETING, subject_id__in=list(found))
    if rules is not None:
        rows = rows.filter(rule__in=rules).only("subject_id", "rule", "key", "due_at")
    for d in rows:
        found[d.subject_id][(d.rule, d.key)] = d
    return found


def previous_meeting(meeting):
    return (
        Meeting.objects.filter(panel_id=meeting.panel_id, starts_at__lt=meeting.starts_at)
        .order_by("-starts_at")
        .first()
    )


def attendance_of(meeting):
    rows = list(Attendance.objects.filter(meeting=meeting).select_related("user", "agency").order_by("agency__name"))
    present_kinds = {row.agency.kind for row in rows if row.present}
    return {
        "rows": rows,
        "quorate": quorate(present_kinds, meeting.panel.quorum_agency_kinds),
        "missing_kinds": sorted(set(meeting.panel.quorum_agency_kinds) - present_kinds),
    }


def part1(meeting, since):
    """P6: figures of the authority since the last meeting, the themes of return interviews, the
    places children were found (hotspots) and children missing education."""
    authority_id = meeting.panel.authority_id
    until = meeting.ended_at or timezone.now()
    episodes = MissingEpisode.objects.filter(authority_id=authority_id, started_at__gte=since, started_at__lt=until)
    # The counts in one statement.
    figures = dict(zip(("episodes", "children", "high_risk", "missing_now", "open_cme_cases"), numbers(
        row_count(episodes),
        distinct_count(episodes, "child_id"),
        row_count(episodes.filter(risk_level=RiskLevel.HIGH)),
        row_count(MissingEpisode.objects.filter(authority_id=authority_id, returned_at__isnull=True)),
        row_count(EducationCase.objects.filter(child__authority_id=authority_id, closed_at__isnull=True)),
    )))
    cme = figures.pop("open_cme_cases")
    interviews = ReturnInterview.objects.filter(authority_id=authority_id, state=InterviewState.COMPLETED,
                                                held_at__gte=since, held_at__lt=until)
    push, pull, held = Counter(), Counter(), 0
    for push_factors, pull_factors in interviews.values_list("push_factors", "pull_factors"):
        held += 1
        push.update(push_factors or [])
        pull.update(pull_factors or [])
    figures["interviews_held"] = held
    hotspots = (
        episodes.exclude(found_location="").values("found_location").annotate(times=Count("pk")).order_by("-times")[:5]
    )
    return {
        "since": since,
        "figures": figures,
        "push_themes": [(PushFactor(k).label if k in PushFactor.values else k, n) for k, n in push.most_common(5)],
        "pull_themes": [(PullFactor(k).label if k in PullFactor.values else k, n) for k, n in pull.most_common(5)],
        "hotspots": [(row["found_location"], row["times"]) for row in hotspots],
        "open_cme_cases": cme,
        "notes": meeting.part1_notes,
    }


def part2(meeting, since):
    """P11 and P9: the listed children, highest risk first (latest rating red, amber, green, then
    the police risk of their latest episode), each with their rating, what changed since the last
    meeting, the agencies' updates and the actions outstanding (reviewed first)."""
    return _part2(meeting, since)[0]


def _part2(meeting, since):
    """part2's rows, and the meeting's rows read for them (for the agenda's signature)."""
    listed = list(MeetingChild.objects.filter(meeting=meeting).select_related("child"))
    child_ids = [entry.child_id for entry in listed]
    # One read for both: the listed children's ratings at this panel (the latest of each counts), and
    # every rating recorded at this meeting (what the agenda's signature counts).
    ratings = list(Rating.objects.filter(
        Q(child_id__in=child_ids, meeting__panel_id=meeting.panel_id) | Q(meeting=meeting)
    ).order_by("recorded_at"))
    listed_ids = set(child_ids)
    latest = {rating.child_id: rating for rating in ratings if rating.child_id in listed_ids}
    rated_here = [rating for rating in ratings if rating.meeting_id == meeting.pk]
    this_meeting = {r.child_id: r for r in rated_here}
    episodes = defaultdict(list)  # (started, returned, police risk) of each child's episodes, latest first
    for child_id, *facts in MissingEpisode.objects.filter(child_id__in=child_ids).order_by("-started_at").values_list(
        "child_id", "started_at", "returned_at", "risk_level"
    ):
        episodes[child_id].append(facts)
    interviews = dict(
        ReturnInterview.objects.filter(child_id__in=child_ids, state=InterviewState.COMPLETED, held_at__gte=since)
        .values("child_id").annotate(n=Count("pk")).values_list("child_id", "n")
    )
    updates = defaultdict(list)
    written = list(AgencyUpdate.objects.filter(meeting=meeting).select_related("agency").order_by("agency__name"))
    for update in written:
        updates[update.child_id].append(update)
    actions = outstanding_actions(child_ids, meeting.panel)
    rows = []
    for entry in listed:
        child_episodes = episodes[entry.child_id]
        latest_risk = child_episodes[0][2] if child_episodes else ""
        rating = this_meeting.get(entry.child_id) or latest.get(entry.child_id)
        rows.append({
            "entry": entry,
            "child": entry.child,
            "rating": rating,
            "rated_here": entry.child_id in this_meeting,
            "new_episodes": sum(1 for started, _, _ in child_episodes if started >= since),
            "missing_now": any(returned is None for _, returned, _ in child_episodes),
            "interviews_since": interviews.get(entry.child_id, 0),
            "updates": updates[entry.child_id],
            "outstanding_actions": actions.get(entry.child_id, []),
            "latest_risk": latest_risk,
        })
    rows.sort(key=lambda r: (
        RATING_RANK.get(r["rating"].rating, 3) if r["rating"] else 3,
        RISK_RANK.get(r["latest_risk"], 3),
        -len(r["outstanding_actions"]),
        r["child"].family_name,
    ))
    return rows, {"ratings": rated_here, "listed": listed, "updates": written}


def agenda(meeting):
    previous = previous_meeting(meeting)
    since = previous.starts_at if previous else meeting.starts_at.replace(year=meeting.starts_at.year - 1)
    children, read = _part2(meeting, since)
    attendance = attendance_of(meeting)
    actions = sum(len(row["outstanding_actions"]) for row in children)
    return {
        "meeting": meeting,
        "previous": previous,
        "attendance": attendance,
        "part1": part1(meeting, since),
        "part2": children,
        "previous_actions": [action for row in children for action in row["outstanding_actions"]],
        # What agenda_signature would read, worked out from the rows already here.
        "signature": _signature(
            [_mark(read["ratings"], "recorded_at"), _mark(attendance["rows"], "recorded_at"),
             _mark(read["listed"], "added_at"), _mark(read["updates"], "written_at")],
            "|".join(entry.decisions for entry in sorted(read["listed"], key=lambda entry: entry.pk)),
            meeting.status, actions,
        ),
    }


def _mark(rows, field):
    """The {n, at} aggregate of agenda_signature, from rows in hand."""
    return {"n": len(rows), "at": max((getattr(row, field) for row in rows), default=None)}


def _signature(marks, decisions, status, actions):
    return str(hash((str(marks), decisions, status, actions)))


def agenda_signature(meeting):
    """Changes whenever something the agenda shows is recorded: the open screens poll this."""
    marks = [
        Rating.objects.filter(meeting=meeting).aggregate(n=Count("pk"), at=Max("recorded_at")),
        Attendance.objects.filter(meeting=meeting).aggregate(n=Count("pk"), at=Max("recorded_at")),
        MeetingChild.objects.filter(meeting=meeting).aggregate(n=Count("pk"), at=Max("added_at")),
        AgencyUpdate.objects.filter(meeting=meeting).aggregate(n=Count("pk"), at=Max("written_at")),
    ]
    decisions = "|".join(MeetingChild.objects.filter(meeting=meeting).order_by("pk").values_list("decisions", flat=True))
    actions = outstanding_actions(list(MeetingChild.objects.filter(meeting=meeting).values_list("child_id", flat=True)),
                                  meeting.panel)
    return _signature(marks, decisions, meeting.status, sum(len(v) for v in actions.values()))


def suggested_children(panel, *, limit=50):
    """The first `limit` children suggested for the panel (suggested_page)."""
    return suggested_page(panel, limit=limit)[0]


def suggested_page(panel, *, limit, offset=0):
    """Children of the authority who meet the panel's criteria but are not on its list: F1
    frequent missing, a high police risk, missing longer than S6, or a strategy threshold (seed 000:
    'the MASH missing coordinator will highlight children that meet the criteria'). `limit` of
    them from `offset`, and how many there are in all.

    Most reasons first, then by family name. On PostgreSQL one grouped query over the window's
    episodes (index episode_authority_started) ranks the children, counts them and picks the page;
    only their episodes are then read to word the reasons with the rules of missing.rules."""
    protocol = protocol_for(panel.authority_id)
    now = timezone.now()
    since = now - timedelta(days=max(protocol.f1_window_days, 90))
    recent = MissingEpisode.objects.filter(started_at__gte=since)
    if connection.vendor == "postgresql":
        chosen, total = _suggested_ids(panel, protocol=protocol, now=now, since=since, limit=limit, offset=offset)
        recent = recent.filter(child_id__in=chosen)
    else:
        on_list = PanelListEntry.objects.filter(panel=panel, removed_at__isnull=True).values("child_id")
        recent = recent.filter(authority_id=panel.authority_id).exclude(child_id__in=on_list)
    episodes = defaultdict(list)
    for episode in recent.select_related("child").order_by("started_at", "pk"):
        episodes[episode.child_id].append(episode)
    found = []
    for child_episodes in episodes.values():
        reasons = suggestion_reasons(child_episodes, now=now, protocol=protocol)
        if reasons:
            found.append({"child": child_episodes[0].child, "reasons": reasons})
    if connection.vendor == "postgresql":
        rank = {child_id: n for n, child_id in enumerate(chosen)}  # the database's order, page after page
        found.sort(key=lambda item: rank[item["child"].pk])
        return found, total
    found.sort(key=lambda item: (-len(item["reasons"]), item["child"].family_name))
    return found[offset:offset + limit], len(found)


def suggestion_reasons(child_episodes, *, now, protocol):
    """Why a child with these episodes (of the window, oldest first) is suggested for the panel."""
    child = child_episodes[0].child
    reasons = []
    if missing_rules.frequent_missing(child_episodes, now=now, protocol=protocol):
        reasons.append("F1: frequently missing")
    if any(e.risk_level == RiskLevel.HIGH for e in child_episodes):
        reasons.append("high police risk")
    open_episode = next((e for e in child_episodes if e.returned_at is None), None)
    if open_episode and now - open_episode.started_at >= timedelta(hours=protocol.s6_missing_hours):
        reasons.append(f"missing over {protocol.s6_missing_hours} hours")
    latest = child_episodes[-1]
    thresholds = missing_rules.strategy_thresholds(child=child, episode=latest, episodes=child_episodes, now=now,
                                                   protocol=protocol)
    if thresholds:
        reasons.append("strategy thresholds: " + ", ".join(rule for rule, _ in thresholds))
    return reasons


_SUGGESTED_SQL = """
WITH recent AS (
    SELECT e.child_id, e.started_at, e.returned_at, e.risk_level, e.category, e.significant_harm,
        c.family_name, c.date_of_birth,
        (c.legal_status = ANY(%(s5_statuses)s) OR c.vulnerabilities ?| %(s5_vulnerabilities)s) AS s5
    FROM {episode} e JOIN {child} c ON c.id = e.child_id
    WHERE e.authority_id = %(authority)s AND e.started_at >= %(since)s
      AND NOT EXISTS (SELECT 1 FROM {entry} l
                      WHERE l.panel_id = %(panel)s AND l.child_id = e.child_id AND l.removed_at IS NULL)
), latest AS (
    SELECT DISTINCT ON (child_id) child_id, started_at, category, family_name,
        significant_harm
        OR (returned_at IS NULL AND started_at <= %(s3_from)s)
        OR EXTRACT(YEAR FROM AGE((started_at AT TIME ZONE %(tz)s)::date, date_of_birth)) <= %(s4_age)s
        OR s5
        OR COALESCE(returned_at, %(now)s) - started_at >= make_interval(hours => %(s6_hours)s) AS s2_to_s6
    FROM recent ORDER BY child_id, started_at DESC
), flags AS (
    SELECT r.child_id, MIN(r.started_at) AS first_at, MIN(l.family_name) AS family_name,
        COUNT(*) FILTER (WHERE r.started_at > %(f1_from)s AND r.started_at <= %(now)s) >= %(f1_episodes)s AS f1,
        BOOL_OR(r.risk_level = %(high)s) AS high,
        BOOL_OR(r.returned_at IS NULL AND r.started_at <= %(s6_from)s) AS open_long,
        BOOL_OR(l.s2_to_s6) OR (BOOL_OR(l.category = ANY(%(counted)s)) AND COUNT(*) FILTER (
            WHERE r.category = ANY(%(counted)s) AND r.started_at <= l.started_at
              AND r.started_at > l.started_at - make_interval(days => %(s1_days)s)) >= %(s1_occasions)s) AS thresholds
    FROM recent r JOIN latest l ON l.child_id = r.child_id
    GROUP BY r.child_id
)
SELECT child_id, COUNT(*) OVER () FROM flags
WHERE f1 OR high OR open_long OR thresholds
ORDER BY f1::int + high::int + open_long::int + thresholds::int DESC, family_name, first_at, child_id
LIMIT %(limit)s OFFSET %(offset)s
"""


def _suggested_ids(panel, *, protocol, now, since, limit, offset):
    """The ids of `limit` suggested children from `offset`, ranked as suggested_page words them, and
    how many are suggested in all (0 when the offset is past the last)."""
    sql = _SUGGESTED_SQL.format(episode=MissingEpisode._meta.db_table, child=Child._meta.db_table,
                                entry=PanelListEntry._meta.db_table)
    params = {
        "since": since, "authority": panel.authority_id, "panel": panel.pk, "now": now,
        "f1_from": now - timedelta(days=protocol.f1_window_days), "f1_episodes": protocol.f1_episodes,
        "high": RiskLevel.HIGH.value, "s6_from": now - timedelta(hours=protocol.s6_missing_hours),
        "counted": sorted(str(c) for c in missing_rules.COUNTED_CATEGORIES), "s1_days": protocol.s1_window_days,
        "s1_occasions": protocol.s1_occasions, "s3_from": now - timedelta(days=protocol.s3_not_traced_days),
        "tz": settings.TIME_ZONE, "s4_age": protocol.s4_young_age,
        "s5_statuses": sorted(str(s) for s in missing_rules.S5_STATUSES),
        "s5_vulnerabilities": sorted(str(v) for v in missing_rules.S5_VULNERABILITIES),
        "s6_hours": protocol.s6_missing_hours, "limit": limit, "offset": offset,
    }
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    return [row[0] for row in rows], (rows[0][1] if rows else 0)


def ratings_of_child(child, panels):
    return Rating.objects.filter(child=child, meeting__panel__in=panels).select_related(
        "meeting", "meeting__panel", "recorded_by").order_by("-recorded_at")

