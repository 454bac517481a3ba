"""Pure rules over a child's facts: scope (N6), frequent missing (F1), thresholds S1-S6.

No database access here: callers pass the child, its episodes and the protocol's numbers.
"""

from datetime import date, timedelta

from casework.calendar import local_date

from .models import Category, LegalStatus, Vulnerability

S5_VULNERABILITIES = {Vulnerability.CSE, Vulnerability.CCE, Vulnerability.SELF_HARM}
S5_STATUSES = {LegalStatus.EARLY_HELP, LegalStatus.CHILD_IN_NEED}
COUNTED_CATEGORIES = {Category.MISSING, Category.ABSENT}


def age_on(date_of_birth: date, day: date) -> int:
    before_birthday = (day.month, day.day) < (date_of_birth.month, date_of_birth.day)
    return day.year - date_of_birth.year - (1 if before_birthday else 0)


def in_scope(*, date_of_birth, legal_status, send, today, protocol):
    """N6: under 18, or under 25 for a care leaver or a young person with SEND."""
    limit = protocol.scope_age_extended if (legal_status == LegalStatus.CARE_LEAVER or send) else protocol.scope_age
    return 0 <= age_on(date_of_birth, today) < limit


def episodes_in_window(episodes, *, end, days, categories=None):
    start = end - timedelta(days=days)
    return [
        e for e in episodes if start < e.started_at <= end and (categories is None or e.category in categories)
    ]


def frequent_missing(episodes, *, now, protocol):
    """F1: N episodes in a rolling window ending now."""
    return len(episodes_in_window(episodes, end=now, days=protocol.f1_window_days)) >= protocol.f1_episodes


def episode_duration(episode, now):
    return (episode.returned_at or now) - episode.started_at


def strategy_thresholds(*, child, episode, episodes, now, protocol):
    """The thresholds S1-S6 that hold for `episode`, each with a reason a person can read.

    `episodes` is every episode of the child; S1 counts those in the window ending at this one.
    """
    reasons = []
    recent = episodes_in_window(
        episodes, end=episode.started_at, days=protocol.s1_window_days, categories=COUNTED_CATEGORIES
    )
    if episode.category in COUNTED_CATEGORIES and len(recent) >= protocol.s1_occasions:
        reasons.append(("S1", f"{len(recent)} episodes missing or absent within {protocol.s1_window_days} days"))
    if episode.significant_harm:
        reasons.append(("S2", "judged at risk of significant harm"))
    duration = episode_duration(episode, now)
    if duration >= timedelta(days=protocol.s3_not_traced_days) and episode.returned_at is None:
        reasons.append(("S3", f"not traced within {protocol.s3_not_traced_days} days"))
    age = age_on(child.date_of_birth, local_date(episode.started_at))
    if age <= protocol.s4_young_age:
        reasons.append(("S4", f"aged {age} at the start of the episode ({protocol.s4_young_age} or under)"))
    flagged = sorted(set(child.vulnerabilities or []) & set(S5_VULNERABILITIES))
    if flagged or child.legal_status in S5_STATUSES:
        labels = [Vulnerability(v).label.lower() for v in flagged]
        if child.legal_status in S5_STATUSES:
            labels.append(LegalStatus(child.legal_status).label)
        reasons.append(("S5", "additional vulnerability: " + ", ".join(labels)))
    if duration >= timedelta(hours=protocol.s6_missing_hours):
        reasons.append(("S6", f"missing {protocol.s6_missing_hours} hours or longer (section 47 strategy meeting)"))
    return reasons


def current_episode(episodes, *, now, protocol):
    """The episode the child's flags speak of: the open one, else one that began within the S1 window."""
    for episode in episodes:
        if episode.returned_at is None:
            return episode
    recent = [e for e in episodes if e.started_at > now - timedelta(days=protocol.s1_window_days)]
    return max(recent, key=lambda e: e.started_at) if recent else None
