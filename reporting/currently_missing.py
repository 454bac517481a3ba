"""R1, "the Wednesday list": every child missing right now, how long for, their risk and legal
status, and the latest "missing child update" note. One list for the page, the API (JSON and CSV)
and the weekly email, read in one query: the newest update per child is a subquery, not a query per row.
"""

import csv
import io
from dataclasses import dataclass
from datetime import datetime

from django.db.models import OuterRef, Subquery
from django.utils import timezone

from casework.calendar import describe_moment, describe_span, local_date
from casework.spreadsheets import csv_safe
from missing.models import Child, MissingEpisode
from missing.models.episodes import RISK_RANK
from missing.permissions import children_visible_to
from missing.rules import age_on
from missing.updates.selectors import newest_update_of

CSV_COLUMNS = [
    "child_id", "child", "date_of_birth", "age", "legal_status", "category", "risk_level", "missing_since",
    "missing_for", "missing_hours", "latest_update_at", "latest_update_position", "latest_update_actions",
]


@dataclass(frozen=True)
class MissingNow:
    episode: MissingEpisode
    child: Child
    missing_for: str
    missing_hours: int
    age: int
    update_at: datetime | None
    update_position: str
    update_actions: str


def missing_now(*, children, now=None):
    """[MissingNow] for the open episodes of `children` (a Child queryset), highest risk first and,
    within a risk, the longest missing first."""
    now = now or timezone.now()
    latest = newest_update_of(OuterRef("child_id"))
    episodes = (
        MissingEpisode.objects.filter(returned_at__isnull=True, started_at__lte=now, child__in=children)
        .select_related("child")
        .annotate(
            update_at=Subquery(latest.values("written_at")[:1]),
            update_position=Subquery(latest.values("position")[:1]),
            update_actions=Subquery(latest.values("actions_to_locate")[:1]),
        )
    )
    today = local_date(now)
    rows = [
        MissingNow(
            episode=episode,
            child=episode.child,
            missing_for=describe_span(now - episode.started_at),
            missing_hours=int((now - episode.started_at).total_seconds() // 3600),
            age=age_on(episode.child.date_of_birth, today),
            update_at=episode.update_at,
            update_position=episode.update_position or "",
            update_actions=episode.update_actions or "",
        )
        for episode in episodes
    ]
    rows.sort(key=lambda row: (RISK_RANK.get(row.episode.risk_level, 9), row.episode.started_at))
    return rows


def missing_now_for_user(user, now=None):
    """What a reader of R1 sees: the children of their authority they may see."""
    children = children_visible_to(user)
    if user.authority_id:
        children = children.filter(authority_id=user.authority_id)
    return missing_now(children=children.filter(merged_into__isnull=True), now=now)


def missing_now_in_authority(authority_id, now=None):
    """The whole authority's list, for the weekly email to its configured readers."""
    return missing_now(children=Child.objects.filter(authority_id=authority_id, merged_into__isnull=True), now=now)


def missing_now_json(row):
    episode, child = row.episode, row.child
    return {
        "child": {
            "id": str(child.pk),
            "name": child.full_name,
            "date_of_birth": child.date_of_birth.isoformat(),
            "age": row.age,
            "legal_status": child.legal_status,
        },
        "episode": str(episode.pk),
        "category": episode.category,
        "risk_level": episode.risk_level,
        "location_type": episode.location_type,
        "missing_since": timezone.localtime(episode.started_at).isoformat(),
        "missing_for": row.missing_for,
        "missing_hours": row.missing_hours,
        "latest_update": None if row.update_at is None else {
            "written_at": timezone.localtime(row.update_at).isoformat(),
            "position": row.update_position,
            "actions_to_locate": row.update_actions,
        },
    }


def missing_now_csv(rows):
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_COLUMNS)
    for row in rows:
        episode, child = row.episode, row.child
        writer.writerow(
            csv_safe(value)
            for value in (
                child.pk, child.full_name, child.date_of_birth.isoformat(), row.age, child.get_legal_status_display(),
                episode.get_category_display(), episode.get_risk_level_display(),
                timezone.localtime(episode.started_at).isoformat(), row.missing_for, row.missing_hours,
                timezone.localtime(row.update_at).isoformat() if row.update_at else "",
                row.update_position, row.update_actions,
            )
        )
    return buffer.getvalue()


def missing_now_text(rows, now):
    """The email's body: one paragraph per child, plain text."""
    if not rows:
        return f"No child is recorded as missing at {describe_moment(now)}."
    lines = [f"{len(rows)} child{'' if len(rows) == 1 else 'ren'} missing at {describe_moment(now)}:", ""]
    for row in rows:
        episode, child = row.episode, row.child
        lines.append(
            f"- {child.full_name} (age {row.age}, {child.get_legal_status_display()}): "
            f"{episode.get_category_display().lower()}, {episode.get_risk_level_display().lower()} risk, "
            f"for {row.missing_for} (since {describe_moment(episode.started_at)})."
        )
        if row.update_at is not None:
            update = " ".join(row.update_position.split())
            lines.append(f"  Latest update {describe_moment(row.update_at)}: {update}")
    return "\n".join(lines)
