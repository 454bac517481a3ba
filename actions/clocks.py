"""The actions app's clock kinds: the escalation chain of an overdue action (P15) and the weekly
digest of due and overdue actions. Registered when the app loads (apps.py).

P15 is two rows of one rule for each open action, told apart by their key:
- "1", due at the end of the action's due date: when it falls overdue the engine tells the named
  owner and their line manager (with no named owner, or none recorded, the owner agency's
  designated manager);
- "2", wanted once step 1 has fired, due the protocol's number of working days later (default 5;
  a panel's own number when the action carries one): overdue, it tells that manager's own manager.
Each fires exactly once (the engine's unique firing), and completing or cancelling the action ends
the chain: the action's services complete or cancel its rows.

The digest is a notice of a per-authority schedule, due each Monday at 08:00 Europe/London; when it
fires, each person is told their own due and overdue actions (ClockKind.addressees).
"""

from datetime import time, timedelta

from django.db.models import Q
from django.urls import reverse

from casework.calendar import (
    end_of_day,
    local_date,
    weekly_moment_after,
    weekly_moment_at_or_before,
    working_days_deadline,
)
from casework.clocks.registry import (
    DUTY,
    NOTICE,
    ClockKind,
    ClockRule,
    RowFacts,
    SubjectClocks,
    WantedDeadline,
    register_clock_kind,
)
from casework.models import DeadlineStatus
from casework.permissions import is_administrator
from casework.links import url_maker
from missing.permissions import (
    rows_hidden_in_authority,
    rows_of_visible_children,
    rows_of_visible_children_listed,
    rows_of_visible_children_walked,
)

from .digest import digest_messages
from .models import Action, ActionStatus, DigestSchedule


ACTION = "actions.action"
DIGEST = "actions.digest"
P15 = "P15"
DIGEST_RULE = "DIGEST"
DIGEST_WEEKDAY, DIGEST_TIME = 0, time(8, 0)  # Monday morning

ACTION_RULES = {
    # Told: the named owner and the manager RowFacts names for the step. Nobody records P15 done by
    # hand: it is done when the action is (actions.services).
    P15: ClockRule(P15, DUTY, tell_owner=True, tell_owner_manager=True, owner_may_complete=False, source="004"),
}
DIGEST_RULES = {DIGEST_RULE: ClockRule(DIGEST_RULE, NOTICE, tell_owner=False, source="004")}


def _short(text, length=80):
    text = " ".join(text.split())
    return text if len(text) <= length else text[: length - 1] + "…"


# The escalation chain (P15) -------------------------------------------------------------------


def action_due_at(action):
    """An action is late once its due date has ended (23:59:59 Europe/London)."""
    return end_of_day(action.due_date)


def chain_wanted(action, rows, protocol):
    """P15's rows for an action as the facts stand: pure, for the engine and the tests."""
    if action.status != ActionStatus.OPEN:
        return []
    short = _short(action.description)
    first_due = action_due_at(action)
    wanted = [
        WantedDeadline(
            rule=P15, key="1", kind=DUTY, title=f"Action done: {short}", counts_from=action.created_at,
            due_at=first_due, basis="by the end of its due date", source="004", params={"step": 1},
        )
    ]
    first = rows.get((P15, "1"))
    if (first is not None and first.status == DeadlineStatus.OVERDUE) or (P15, "2") in rows:
        days = action.second_step_working_days or protocol.p15_second_step_working_days
        counts_from = first.due_at if first is not None else first_due
        wanted.append(
            WantedDeadline(
                rule=P15, key="2", kind=DUTY, title=f"Action done (second escalation): {short}",
                counts_from=counts_from, due_at=working_days_deadline(counts_from, days),
                basis=f"{days} working day{'' if days == 1 else 's'} after the first escalation", source="004",
                params={"step": 2, "working_days": days},
            )
        )
    return wanted


def _lock_action(action_id):
    return Action.objects.select_for_update(of=("self",)).filter(pk=action_id).first()


def _evaluate_action(action, rows, now, protocols):
    return SubjectClocks(
        authority_id=action.authority_id,
        child_id=action.child_id,
        deadlines=chain_wanted(action, rows, protocols(action.authority_id)),
    )


def first_manager(action):
    """Step 1's manager: the named owner's line manager, else the owner agency's designated manager."""
    owner = action.owner
    if owner is not None and owner.line_manager is not None:
        return owner.line_manager
    designated = action.owner_agency.designated_manager
    return designated if designated is not None and designated != owner else None


def _action_facts(rows):
    action_url = url_maker("actions:detail")  # reversed once for all the rows
    actions = Action.objects.select_related(
        "child", "owner", "owner__line_manager__line_manager", "owner_agency__designated_manager__line_manager"
    ).in_bulk({row.subject_id for row in rows})
    facts = {}
    for row in rows:
        action = actions.get(row.subject_id)
        if action is None:
            facts[row.pk] = RowFacts(label="An action that no longer exists")
            continue
        manager = first_manager(action)
        if row.key == "2":
            manager = manager.line_manager if manager is not None else None
        facts[row.pk] = RowFacts(
            label=action.child.full_name,
            context=f"action for {action.owner_agency.name}",
            url=action_url(action.pk),
            owner=action.owner,
            owner_role="action_owner",
            owner_manager=manager,
            detail=action.owner_agency.name,
        )
    return facts


ACTION_CLOCKS = register_clock_kind(
    ClockKind(
        name=ACTION,
        api_field="action",
        rules=ACTION_RULES,
        lock=_lock_action,
        evaluate=_evaluate_action,
        # An action's rows carry its child and its authority (_evaluate_action), as an episode's do,
        # and a merge moves both the action and its rows to the survivor: the same rule as the
        # episodes' decides them, and sharing the function lets the engine ask it once for both
        # kinds (one clause over the (authority, ...) index instead of every visible action's id).
        visible=rows_of_visible_children,
        visible_in_list=rows_of_visible_children_listed,
        visible_in_walk=rows_of_visible_children_walked,
        hidden_in_authority=rows_hidden_in_authority,
        facts=_action_facts,
        mine=lambda user: Q(subject_id__in=Action.objects.filter(owner=user).values("pk")),
        of_agency=lambda agency: Q(subject_id__in=Action.objects.filter(owner_agency=agency).values("pk")),
    )
)


# The weekly digest ------------------------------------------------------------------------------


def digest_moments(now):
    """The digest's latest sending at or before `now`, and the next after it (Mondays 08:00, London)."""
    latest = weekly_moment_at_or_before(now, DIGEST_WEEKDAY, DIGEST_TIME)
    return latest, weekly_moment_after(latest, DIGEST_WEEKDAY, DIGEST_TIME)


def _digest_row(moment):
    return WantedDeadline(
        rule=DIGEST_RULE, key=local_date(moment).isoformat(), kind=NOTICE, title="Weekly actions digest",
        counts_from=moment - timedelta(days=7), due_at=moment, basis="every Monday at 08:00", source="004",
    )


def _evaluate_digest(schedule, rows, now, protocols):
    """Next Monday's sending; this week's too while its row exists, so a late sweep still sends it."""
    latest, following = digest_moments(now)
    wanted = [_digest_row(following)]
    if (DIGEST_RULE, local_date(latest).isoformat()) in rows:
        wanted.insert(0, _digest_row(latest))
    return SubjectClocks(authority_id=schedule.authority_id, child_id=None, deadlines=wanted, recheck_at=following)


DIGEST_CLOCKS = register_clock_kind(
    ClockKind(
        name=DIGEST,
        api_field="digest",
        rules=DIGEST_RULES,
        lock=lambda pk: DigestSchedule.objects.select_for_update().filter(pk=pk).first(),
        evaluate=_evaluate_digest,
        visible=lambda user: Q(authority_id=user.authority_id) if is_administrator(user) else None,
        facts=lambda rows: {
            row.pk: RowFacts(label="everyone with due or overdue actions", url=reverse("actions:mine")) for row in rows
        },
        addressees=lambda row, now: digest_messages(row.authority_id, now),
    )
)
