"""Clock kinds: how a domain app plugs its rules into the one clock engine.

The engine (services.py) knows deadlines, their subjects (a kind name and an id), the sweep, the
exactly-once firing, the inbox and the outbox; it knows no episode, meeting or action. Each app
registers a `ClockKind` when it loads, as `register_involvement` registers a reason to see a
child: its rules, a pure evaluation "which deadlines does this subject want now, and when may that
change by time alone", how its subjects are seen, and who owns a row. Nothing here imports an app.
"""

from dataclasses import dataclass, field
from datetime import datetime
from typing import Callable

from casework.models import DeadlineKind

DUTY, NOTICE = DeadlineKind.DUTY, DeadlineKind.NOTICE


@dataclass(frozen=True)
class ClockRule:
    """One rule of RULES.md (or an app's own): who is told, who records it done."""

    id: str
    kind: str  # DUTY or NOTICE
    recipients: tuple = ()  # NoticeRecipient roles told when it fires (administrators if none named)
    tell_owner: bool = True  # the subject's owner is told when a duty falls overdue
    tell_owner_manager: bool = False  # ...and the owner's line manager (P15's chain)
    acknowledged: bool = False  # recipients click to acknowledge (T11)
    completed_by: frozenset = frozenset()  # agency kinds whose staff record the duty done
    owner_may_complete: bool = True
    source: str = ""


@dataclass(frozen=True)
class WantedDeadline:
    rule: str
    key: str
    kind: str
    title: str
    counts_from: datetime
    due_at: datetime
    basis: str
    source: str
    params: dict = field(default_factory=dict)
    warn_at: datetime | None = None
    reason: str = ""


@dataclass(frozen=True)
class SubjectClocks:
    """What a subject wants now: its authority, its child (if any), the deadlines, and the next
    moment time alone may change the answer (None when only a new fact can)."""

    authority_id: object
    child_id: object
    deadlines: list
    recheck_at: datetime | None = None


@dataclass(frozen=True)
class RowFacts:
    """What the engine and the screens need to say about one row's subject, loaded in bulk."""

    label: str  # "Ash Sample" — whose deadline it is, for the screens and messages
    context: str = ""  # "missing since Mon 10 Mar 09:00" — a line for the message
    url: str = ""  # where the subject is worked
    owner: object = None  # the user who owns the subject (told when a duty is overdue)
    owner_role: str = "owner"  # how the escalation names them ("allocated_worker", "action_owner")
    owner_manager: object = None
    detail: str = ""  # a second line for the screens, e.g. the lead agency


@dataclass(frozen=True)
class ClockKind:
    """A kind of subject with clocks.

    - `name`: stored on every row (`subject_type`), e.g. "missing.episode".
    - `api_field`: the API's name for the subject's id ("episode", "meeting", "action", ...).
    - `rules`: {rule id: ClockRule}.
    - `lock(subject_id)`: lock the subject's row (first, so every path takes locks in the same
      order) and answer it, or None when it is gone (its live rows are then cancelled).
    - `evaluate(subject, rows, now, protocols)`: a pure answer, SubjectClocks; `rows` are the
      subject's current rows by (rule, key) (e.g. whether a meeting was held), already locked.
    - `visible(user)`: a Q over Deadline rows of this kind that the user may see.
    - `visible_in_list(user)`: the same rows, for a list of all of them (the API's): it may spend a
      statement to find them faster. None: `visible`.
    - `visible_in_walk(user)`: the same rows again, for the first pages of a list read in order
      and counted apart, where the page stops after a few rows: it may ask row by row. It answers
      None for a user whose rows it would not read that way; the kind's `visible_in_list` (or
      `visible`) then serves (and, when no kind walks for the user, the list's arms are built once
      for the page and its count). A kind without it: `visible_in_list`, or `visible`.
    - `hidden_in_authority(user)`: when `visible(user)` is every row of this kind in the user's
      authority but a few, a Q of those few (`Q(pk__in=[])` for none), else None. Must agree with
      `visible`: the lists then count the kind's closed rows from the tally (DeadlineTally) less
      those few, instead of reading each of the authority's closed rows.
    - `facts(rows)`: {row id: RowFacts} for many rows in a few queries.
    - `mine(user)` / `of_agency(agency)`: Q filters for "Due and overdue".
    - `addressees(row, now)`: for a kind whose notice says something different to each person (a
      weekly digest), [(user, subject, body)] as it stands when the notice fires; the engine tells
      exactly those people, each their own message, in place of the rule's recipients. An
      addressee may be an email address (a str) outside the product: it is emailed, with no inbox.
    """

    name: str
    api_field: str
    rules: dict
    lock: Callable
    evaluate: Callable
    visible: Callable
    facts: Callable
    mine: Callable | None = None
    of_agency: Callable | None = None
    hidden_in_authority: Callable | None = None
    addressees: Callable | None = None
    visible_in_list: Callable | None = None
    visible_in_walk: Callable | None = None


_kinds: dict[str, ClockKind] = {}


def register_clock_kind(kind):
    if kind.name in _kinds and _kinds[kind.name] is not kind:
        raise ValueError(f"Clock kind {kind.name} is registered twice.")
    clash = {rule for other in _kinds.values() if other.name != kind.name for rule in other.rules} & set(kind.rules)
    if clash:
        raise ValueError(f"Rules {sorted(clash)} already belong to another clock kind.")
    _kinds[kind.name] = kind
    return kind


def unregister_clock_kind(name):
    """For tests that register a toy kind."""
    _kinds.pop(name, None)


def clock_kinds():
    return list(_kinds.values())


def clock_kind(name):
    return _kinds[name]


def clock_rule(kind_name, rule_id):
    kind = _kinds.get(kind_name)
    return kind.rules.get(rule_id) if kind else None


def all_rules():
    """Every registered rule id, in registration order (for filters)."""
    return [rule for kind in _kinds.values() for rule in kind.rules]
