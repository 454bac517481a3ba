"""What the weekly digest says to each person: their open actions that are overdue or fall due in
the coming week. An action with a named owner is theirs; one without is the owner agency's
designated manager's."""

from datetime import timedelta

from django.urls import reverse

from casework.calendar import local_date

from .models import Action, ActionStatus

DIGEST_AHEAD_DAYS = 7


def _line(action, today):
    if action.due_date < today:
        days = (today - action.due_date).days
        when = f"OVERDUE by {days} day{'' if days == 1 else 's'} (was due {action.due_date:%d %b %Y})"
    else:
        when = f"due {action.due_date:%a %d %b %Y}"
    text = " ".join(action.description.split())
    unowned = "" if action.owner_id else f" ({action.owner_agency.name}, no named owner)"
    return f"- {action.child.full_name}: {text}{unowned} — {when}. {reverse('actions:detail', args=[action.pk])}"


def digest_messages(authority_id, now):
    """[(user, subject, body)] for everyone with an open action overdue or due within the week."""
    today = local_date(now)
    actions = (
        Action.objects.filter(
            authority_id=authority_id, status=ActionStatus.OPEN, due_date__lt=today + timedelta(days=DIGEST_AHEAD_DAYS)
        )
        .select_related("child", "owner", "owner_agency__designated_manager")
        .order_by("due_date", "created_at")
    )
    by_person = {}
    for action in actions:
        person = action.owner or action.owner_agency.designated_manager
        if person is None or not person.is_active:
            continue
        by_person.setdefault(person.pk, (person, []))[1].append(action)
    messages = []
    for person, owned in by_person.values():
        overdue = sum(1 for a in owned if a.due_date < today)
        due = len(owned) - overdue
        subject = f"Your actions this week: {overdue} overdue, {due} due in the next {DIGEST_AHEAD_DAYS} days"
        body = "\n".join(_line(a, today) for a in owned) + "\n\nUpdate them under My actions."
        messages.append((person, subject, body))
    return messages
