"""Reads of the missing person profile, and the one document the page, the API and the PDF show."""

from django.utils import timezone

from casework.calendar import add_days, local_date

from .. import rules
from ..models import MissingPersonProfile
from ..selectors import child_with_episodes
from ..updates.selectors import latest_missing_updates
from .permissions import profile_children_visible_to


def profile_child_get(user, child_id):
    """The child whose profile `user` may read (with its episodes, worker and profile), else None."""
    children = child_with_episodes(profile_children_visible_to(user)).select_related("allocated_worker", "provider")
    return children.filter(pk=child_id).first()


def profile_of(child):
    return MissingPersonProfile.objects.filter(child=child).select_related("last_reviewed_by").first()


def review_due_at(profile, protocol):
    return add_days(profile.last_reviewed_at, protocol.n8_profile_review_days)


def missing_history(child, *, now):
    """The child's missing history, from the record: every episode, newest first, and counts."""
    episodes = list(child.episodes.all())
    return {
        "episode_count": len(episodes),
        "episode_count_90_days": len(rules.episodes_in_window(episodes, end=now, days=90)),
        "currently_missing": any(e.returned_at is None for e in episodes),
        "open_episode": next((e for e in episodes if e.returned_at is None), None),
        "episodes": episodes,
    }


def profile_document(child, profile, *, protocol, now=None):
    """Everything the profile says, as one dict of plain values and model objects."""
    now = now or timezone.now()
    due = review_due_at(profile, protocol)
    return {
        "child": child,
        "profile": profile,
        "age": rules.age_on(child.date_of_birth, local_date(now)),
        "review_due_at": due,
        "review_stale": due <= now,
        "review_days": protocol.n8_profile_review_days,
        "history": missing_history(child, now=now),
        "latest_update": latest_missing_updates([child.pk]).get(child.pk),
        "generated_at": now,
    }
