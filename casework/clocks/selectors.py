"""The clock engine's reads. Which rows a user sees is decided by each row's clock kind (its
subject's visibility rule), once, here; every list and lookup starts from deadlines_visible_to."""

from django.db.models import Count, OuterRef, Q, Subquery
from django.utils import timezone

from casework.calendar import LONDON, countdown, describe_moment, end_of_day, local_date
from casework.memo import request_memo
from casework.selectors import numbers, row_count, value_sum
from casework.models import Deadline, DeadlineKind, DeadlineStatus, DeadlineTally, Escalation, InboxItem
from casework.models.clocks import CLOSED_STATUSES, LIVE_STATUSES

from .registry import clock_kinds
from .services import row_facts
from .sources import source_display


def _kind_arms(rule_of, *args, answered=None):
    """Each kind's clause (`rule_of(kind)(*args)`, or `answered[rule]` where a rule has already
    answered; kinds without that rule left out), limited to that kind's rows: one arm per rule. Kinds
    registered with the same rule function share one arm (`subject_type IN (...)`): the query is
    built and planned once for them, not once per kind (issue 13). No two arms hold the same row.
    Each arm as (its kinds' names, its clause)."""
    kinds_of_rule = {}
    for kind in clock_kinds():
        rule = rule_of(kind)
        if rule is not None:
            kinds_of_rule.setdefault(rule, []).append(kind.name)
    arms = []
    for rule, names in kinds_of_rule.items():
        clause = answered[rule] if answered and rule in answered else rule(*args)
        if clause is not None:
            rows = Q(subject_type=names[0]) if len(names) == 1 else Q(subject_type__in=names)
            arms.append((names, rows & clause))
    return arms


def _either(arms):
    """The OR of the arms' clauses; matches nothing when there is none."""
    combined = Q(pk__in=[])
    for _names, arm in arms:
        combined |= arm
    return combined


def _any_kind(rule_of, *args):
    return _either(_kind_arms(rule_of, *args))


WALK = "walk"  # `listing` for the first pages of a list read in order and counted apart
_FORMS = (False, True, WALK)


def _rule(kind, listing, walking=()):
    """A kind's visibility rule: for a list of all its rows (`listing`), its visible_in_list if any,
    else its visible; for the first pages of one (WALK), its visible_in_walk when that is among
    `walking` (it answered a filter for this user), else as for the list."""
    if listing == WALK:
        if kind.visible_in_walk in walking:
            return kind.visible_in_walk
        listing = True
    return (listing and kind.visible_in_list) or kind.visible


def _visible_arms(user, listing=False):
    """The rows of each arm the user sees: each kind's rule (`listing=True`: its visible_in_list, for
    a list of all of them), and for anyone but a superuser their own authority's rows only: every
    kind shows a user only subjects of their authority, and saying so on the row's own column lets
    the lists walk the (authority, due) indexes in order instead of sorting every visible row. None
    when the user sees no row. Built once per read request: the API's list and its count both ask.
    WALK for a user none of whose kinds walks is the list's own arms (built once for both)."""
    if listing not in _FORMS:  # 1 == True would share True's arms
        raise ValueError(f"listing is one of {_FORMS}, not {listing!r}")
    if not user or not user.is_authenticated:
        return None
    if listing == WALK:
        walking = request_memo(("deadline_walks", user.pk), lambda: _walking_rules(user))
        if walking:
            return request_memo(("deadline_arms", user.pk, WALK), lambda: _built_arms(user, WALK, walking))
        listing = True
    return request_memo(("deadline_arms", user.pk, listing), lambda: _built_arms(user, listing))


def _walking_rules(user):
    """{rule: its filter} of the kinds' visible_in_walk rules that answer one for this user (not
    None): each asked once, its answer used as given."""
    rules = {kind.visible_in_walk for kind in clock_kinds() if kind.visible_in_walk is not None}
    answers = {rule: rule(user) for rule in rules}
    return {rule: clause for rule, clause in answers.items() if clause is not None}


def _built_arms(user, listing, walking=None):
    arms = _kind_arms(lambda kind: _rule(kind, listing, walking or ()), user, answered=walking)
    if not user.is_superuser:
        if not user.agency_id:
            return None
        arms = [(names, arm & Q(authority_id=user.agency.authority_id)) for names, arm in arms]
    return tuple(arms)  # shared by the request's callers, as built


def _visible_clause(user, listing=False):
    """The OR of _visible_arms(user, listing); None when the user sees no row."""
    arms = _visible_arms(user, listing)
    return None if arms is None else _either(arms)


def deadlines_visible_to(user, *, listing=False):
    """`listing=True` for a list of every row the user sees (each kind's visible_in_list); WALK for
    the first pages of such a list when it is counted apart (each kind's visible_in_walk where it
    answers a filter for the user, else its visible_in_list or visible): the same rows."""
    clause = _visible_clause(user, listing)
    return Deadline.objects.none() if clause is None else Deadline.objects.filter(clause)


def deadlines_visible_count(user, *, status="", now=None, listing=False):
    """How many rows deadlines_visible_to(user, listing=listing) holds (those whose status_at(now) is
    `status`, when given): the number counting them gives, without reading every closed row. At
    national size an authority has some 200,000 done or cancelled rows of ten years and a few
    hundred live ones (issue 13). For the kinds whose every row of the authority the user sees but a
    few (their `hidden_in_authority`: a MASH coordinator's), the closed rows are the tally
    (DeadlineTally) less those few; live rows, and the closed rows of the other kinds, are counted as
    they are. Anyone else's rows are counted arm by arm, in one statement: as one OR, each of the
    authority's rows was tested against each arm's rule in turn (a force's 200,000: 1.6 s), where
    alone an arm's children are gathered once and joined to the rows."""
    arms = _visible_arms(user, listing)
    if not arms:
        return 0
    hiding = {}
    if user.is_authenticated and not user.is_superuser and user.agency_id and status not in LIVE_STATUSES:
        for kind in clock_kinds():
            if kind.hidden_in_authority is not None:
                hidden = kind.hidden_in_authority(user)
                if hidden is not None:
                    hiding.setdefault(kind.hidden_in_authority, ([], hidden))[0].append(kind.name)
    if not hiding:
        status_filter = Deadline.status_is(status, now or timezone.now()) if status else Q()
        return sum(numbers(*[row_count(Deadline.objects.filter(arm).filter(status_filter)) for _names, arm in arms]))
    whole = [name for names, _hidden in hiding.values() for name in names]
    closed = [status] if status else list(CLOSED_STATUSES)
    authority_id = user.agency.authority_id
    tallied = DeadlineTally.objects.filter(authority_id=authority_id, subject_type__in=whole, status__in=closed)
    hidden = Q(pk__in=[])
    for names, clause_of_kinds in hiding.values():
        hidden |= Q(subject_type__in=names) & clause_of_kinds
    # The arms built above, each kept to its kinds that the tally does not count (the rules are
    # built once per count: the meetings' alone costs a millisecond).
    others = _either((names, arm & Q(subject_type__in=rest)) for names, arm in arms
                     if (rest := [name for name in names if name not in whole]))
    closed_rows = Deadline.objects.filter(authority_id=authority_id, status__in=closed)
    parts = [value_sum(tallied, "n"), row_count(closed_rows.filter(hidden)), row_count(closed_rows.filter(others))]
    if not status:
        parts.append(row_count(Deadline.objects.filter(_either(arms), status__in=LIVE_STATUSES)))
    tally, hidden_rows, other_rows, *live = numbers(*parts)
    return sum(live) + tally - hidden_rows + other_rows


def escalations_visible_to(user):
    """Each escalation tested against its own deadline, one index lookup per escalation: there are
    few escalations, and as a join PostgreSQL read every visible deadline (the whole authority's)
    to find them. A scalar subquery, because PostgreSQL turns IN and EXISTS back into that join."""
    clause = _visible_clause(user)
    if clause is None:
        return Escalation.objects.none()
    own_deadline = Deadline.objects.filter(clause, pk=OuterRef("deadline_id")).values("pk")[:1]
    return Escalation.objects.annotate(visible_deadline=Subquery(own_deadline)).filter(visible_deadline__isnull=False)


def deadline_describe(deadline, now=None):
    """Give a deadline the words the screens show: its countdown and where its numbers came from.
    ("Return home interview offered and held due Mon 14:00 — T1, 72 hours from the return,
    Waltham Forest practice guidance §9")."""
    now = now or timezone.now()
    clock = countdown(deadline.due_at, now)
    deadline.is_late = deadline.status_at(now) == DeadlineStatus.OVERDUE or (
        deadline.status == DeadlineStatus.OPEN and clock["overdue"]
    )
    if deadline.is_live:
        deadline.countdown = clock["text"]
    else:
        deadline.countdown = deadline.get_status_display().lower()
    deadline.source_text = source_display(deadline.source)
    # Worked out here, not by a date filter per row of a 50-row list (issue 13).
    deadline.due_text = describe_moment(deadline.due_at)
    deadline.due_iso = deadline.due_at.astimezone(LONDON).isoformat()
    deadline.explanation = ", ".join(part for part in (deadline.rule, deadline.basis, deadline.source_text) if part)
    return deadline


def deadlines_with_facts(deadlines):
    """Attach each row's RowFacts (whose it is, its owner, where it is worked) in bulk."""
    deadlines = list(deadlines)
    facts = row_facts(deadlines)
    for deadline in deadlines:
        deadline.facts = facts[deadline.pk]
    return deadlines


OVERDUE_DUTIES, DUTIES_DUE_TODAY = "overdue", "today"


def duties_when(when, now):
    """The duties overdue at `now`, or those still due later today (Europe/London)."""
    duties = Q(kind=DeadlineKind.DUTY)
    if when == OVERDUE_DUTIES:
        return duties & Deadline.status_is(DeadlineStatus.OVERDUE, now)
    if when == DUTIES_DUE_TODAY:
        return duties & Deadline.status_is(DeadlineStatus.OPEN, now) & Q(due_at__lte=end_of_day(local_date(now)))
    raise ValueError(f"Unknown duties filter {when!r}.")


def deadlines_due_for(user, *, mine=False, rule="", agency=None, when="", now=None):
    """'Due and overdue': the live deadlines the user may see, soonest first. `mine` keeps those
    whose subject is the user's (each kind says what that means: for an episode, the child is
    allocated to them); `agency` those of subjects the agency leads; `when` the duties overdue or
    due later today (duties_when)."""
    deadlines = deadlines_visible_to(user).filter(status__in=LIVE_STATUSES)
    if mine:
        deadlines = deadlines.filter(_any_kind(lambda kind: kind.mine, user))
    if rule:
        deadlines = deadlines.filter(rule=rule)
    if agency is not None:
        deadlines = deadlines.filter(_any_kind(lambda kind: kind.of_agency, agency))
    if when:
        deadlines = deadlines.filter(duties_when(when, now or timezone.now()))
    return deadlines.order_by("due_at", "rule")


def duties_due_counts(user, *, mine, now):
    """How many duties are overdue and how many are due later today, in one query: the home
    page's counts, the same rows as the due list filtered by `when`."""
    return deadlines_due_for(user, mine=mine).aggregate(
        overdue=Count("pk", filter=duties_when(OVERDUE_DUTIES, now)),
        today=Count("pk", filter=duties_when(DUTIES_DUE_TODAY, now)),
    )


def deadlines_of_child(child_id, now=None):
    """The deadline chips of a child's page: live deadlines, soonest first. The caller has already
    found the child visible to the user, so visibility is not decided again."""
    now = now or timezone.now()
    live = Deadline.objects.filter(child_id=child_id, status__in=LIVE_STATUSES).order_by("due_at", "rule")
    return [deadline_describe(d, now) for d in live]


def inbox_for(user):
    return InboxItem.objects.filter(user=user).select_related("escalation__deadline").order_by("-created_at")


def inbox_unread_count(user):
    return InboxItem.objects.filter(user=user, read_at__isnull=True).count()


def inbox_counts(user):
    """Unread notices, and those still waiting for the user's acknowledgement, in one query."""
    return InboxItem.objects.filter(user=user).aggregate(
        unread=Count("pk", filter=Q(read_at__isnull=True)),
        to_acknowledge=Count("pk", filter=Q(needs_acknowledgement=True, acknowledged_at__isnull=True)),
    )
