"""The child-level list a joint targeted area inspection asks for: every child missing (or absent,
or away without authorisation) in a period, one line per episode, with the episode's return home
interview and the meetings held about the child in the period. CSV, for administrators.

Four queries whatever the size: the episodes with their children, their interviews (prefetched), and
the meetings of those children in the period.
"""

import csv
import io
from datetime import date, datetime, time

from django.db.models import Prefetch, Q

from actions.models import ChildMeeting
from casework.calendar import END_OF_DAY, LONDON, describe_span
from casework.spreadsheets import csv_safe
from missing.models import MissingEpisode, ReturnInterview

COLUMNS = [
    "child_id", "child", "date_of_birth", "legal_status", "episode_id", "category", "risk_level", "started_at",
    "returned_at", "duration", "found_location", "return_interview", "return_interview_held_at",
    "meetings_in_period",
]
LONGEST_PERIOD_DAYS = 3 * 366


def parse_period(raw_from, raw_to):
    """(first, last, errors) from YYYY-MM-DD strings; the period may not run backwards or exceed three years."""
    errors, values = {}, {}
    for field, raw in (("from", raw_from), ("to", raw_to)):
        try:
            values[field] = date.fromisoformat((raw or "").strip())
        except ValueError:
            errors[field] = ["Give a date as YYYY-MM-DD."]
    if not errors:
        if values["to"] < values["from"]:
            errors["to"] = ["The end of the period cannot be before its start."]
        elif (values["to"] - values["from"]).days > LONGEST_PERIOD_DAYS:
            errors["to"] = ["Ask for at most three years at a time."]
    return values.get("from"), values.get("to"), errors


def inspection_episodes(*, authority_id, first, last):
    """Episodes of the authority's children open at any time in [first, last] (local dates)."""
    start = datetime.combine(first, time(0), tzinfo=LONDON)
    end = datetime.combine(last, END_OF_DAY, tzinfo=LONDON)
    return (
        MissingEpisode.objects.filter(authority_id=authority_id, child__merged_into__isnull=True,
                                      started_at__lte=end)
        .filter(Q(returned_at__isnull=True) | Q(returned_at__gte=start))
        .select_related("child")
        .prefetch_related(Prefetch("return_interviews", queryset=ReturnInterview.objects.order_by("offered_at")))
        .order_by("child__family_name", "child__given_name", "child_id", "started_at")
    )


def _meetings_by_child(child_ids, first, last):
    start = datetime.combine(first, time(0), tzinfo=LONDON)
    end = datetime.combine(last, END_OF_DAY, tzinfo=LONDON)
    meetings = ChildMeeting.objects.filter(child_id__in=child_ids, held_at__gte=start, held_at__lte=end)
    meetings = meetings.order_by("held_at")
    by_child = {}
    for meeting in meetings:
        by_child.setdefault(meeting.child_id, []).append(
            f"{meeting.get_kind_display()} {meeting.held_at.astimezone(LONDON):%d/%m/%Y}"
        )
    return by_child


def inspection_csv(episodes, first, last, now):
    episodes = list(episodes)
    meetings = _meetings_by_child({e.child_id for e in episodes}, first, last)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(COLUMNS)
    for episode in episodes:
        child = episode.child
        interviews = list(episode.return_interviews.all())
        interview = interviews[-1] if interviews else None
        writer.writerow(
            csv_safe(value)
            for value in (
                child.pk, child.full_name, child.date_of_birth.isoformat(), child.get_legal_status_display(),
                episode.pk, episode.get_category_display(), episode.get_risk_level_display(),
                episode.started_at.astimezone(LONDON).isoformat(),
                episode.returned_at.astimezone(LONDON).isoformat() if episode.returned_at else "",
                describe_span((episode.returned_at or now) - episode.started_at)
                + ("" if episode.returned_at else " (still missing)"),
                episode.found_location,
                interview.get_state_display() if interview else "none offered",
                interview.held_at.astimezone(LONDON).isoformat() if interview and interview.held_at else "",
                "; ".join(meetings.get(child.pk, [])),
            )
        )
    return buffer.getvalue()
