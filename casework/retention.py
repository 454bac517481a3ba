"""Retention: each council's policy as data, a monthly review the clock sends, and removal only
once an administrator confirms it.

The core knows no domain record: apps register a `RetentionKind` that says which of their
records a policy makes due for review (`due`) and how to remove one (`dispose`: delete, or
anonymise where the policy says so). The core registers one kind of its own, the audit log, and
the review itself as a clock kind (`casework.retention`): its subject is a council's policy, and a
notice falls due on the first of each month at 09:00 telling the council's administrators how
many records are due. Nothing is removed by the clock or by any page that only looks: only
`retention_dispose`, called when an administrator ticks the records and confirms, and each removal
leaves an audit entry that names what went, why and who confirmed, with nobody's personal data.
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Callable

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from .audit import audit_event_record
from .calendar import LONDON, local_date
from .clocks.registry import NOTICE, ClockKind, ClockRule, RowFacts, SubjectClocks, WantedDeadline, register_clock_kind
from .clocks.services import clock_reconcile
from .errors import PermissionDeniedError
from .models import AuditEvent, RecordAccess, RetentionPolicy
from .paginator import count_up_to
from .permissions import is_administrator
from .validation import only_fields

RETENTION_REVIEW = "casework.retention"
REVIEW_HOUR = 9
POLICY_FIELDS = {"keep_until_age", "keep_years_after_last_activity", "audit_log_years", "disposal"}


@dataclass(frozen=True)
class RetentionCandidate:
    kind: str
    object_id: str
    label: str  # shown to administrators on the review page only; never written to the audit log
    reason: str
    due_on: date
    child_id: object = None  # the child whose record the label names: showing it is in their access log


@dataclass(frozen=True)
class RetentionKind:
    """`due(policy, today)` -> [RetentionCandidate]; `dispose(object_id, disposal)` removes one
    record (its rows and their history) and answers a summary with no personal data in it."""

    name: str
    label: str
    due: Callable
    dispose: Callable


_kinds: dict[str, RetentionKind] = {}


def register_retention_kind(kind):
    _kinds[kind.name] = kind
    return kind


def years_before(day, years):
    """The same day `years` earlier (28 February for 29 February in a year without one)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


# The policy ------------------------------------------------------------------------------------


def retention_policy_for(authority):
    """The council's policy, made with the defaults (and its monthly review started) on first use."""
    policy, created = RetentionPolicy.objects.get_or_create(authority=authority)
    if created:
        clock_reconcile(subject_type=RETENTION_REVIEW, subject_id=policy.pk)
    return policy


@transaction.atomic
def retention_policy_update(*, actor, policy, **changes):
    if not is_administrator(actor) or actor.authority_id != policy.authority_id:
        raise PermissionDeniedError("Only an administrator of this council may change its retention policy.")
    only_fields(changes, POLICY_FIELDS, verb="changed")
    policy = RetentionPolicy.objects.select_for_update().get(pk=policy.pk)
    changed = sorted(name for name, value in changes.items() if getattr(policy, name) != value)
    for name, value in changes.items():
        setattr(policy, name, value)
    policy.full_clean()
    if changed:
        policy.save()
        audit_event_record(actor=actor, verb="retention.policy_changed", obj=policy,
                           data={name: getattr(policy, name) for name in changed})
    return policy


# What is due -----------------------------------------------------------------------------------


def retention_due(policy, today=None):
    """Every record the policy makes due for review now, kind by kind."""
    today = today or local_date(timezone.now())
    return [candidate for kind in _kinds.values() for candidate in kind.due(policy, today)]


@transaction.atomic
def retention_dispose(*, actor, policy, kind, object_ids, confirmed):
    """Remove the records an administrator ticked and confirmed, each only if it is still due,
    each with an audit entry that outlives it. Answers how many went."""
    if not is_administrator(actor) or actor.authority_id != policy.authority_id:
        raise PermissionDeniedError("Only an administrator of this council may remove records.")
    if not confirmed:
        raise ValidationError({"confirm": ["Confirm that these records are to be removed."]})
    retention_kind = _kinds.get(kind)
    if retention_kind is None:
        raise ValidationError({"kind": ["Unknown kind of record."]})
    due = {c.object_id: c for c in retention_kind.due(policy, local_date(timezone.now()))}
    missing = [object_id for object_id in object_ids if object_id not in due]
    if missing or not object_ids:
        raise ValidationError({"records": ["Choose records that are due for review; some are no longer due."]})
    for object_id in object_ids:
        candidate = due[object_id]
        summary = retention_kind.dispose(object_id, policy.disposal)
        audit_event_record(
            actor=actor, verb="retention.disposed", obj=policy,
            data={"kind": kind, "object_id": object_id, "disposal": summary.get("disposal", policy.disposal),
                  "reason": candidate.reason, "due_on": candidate.due_on.isoformat(), **summary},
        )
    return len(object_ids)


# The audit log's own retention -----------------------------------------------------------------

AUDIT_LOG = "casework.audit_log"
AUDIT_COUNT_CAP = 10_000


def _audit_cutoff(today):
    """Audit rows carry no council: they go only after the longest period any council keeps them."""
    years = max(RetentionPolicy.objects.values_list("audit_log_years", flat=True), default=None)
    return years_before(today, years) if years is not None else None


def _audit_due(policy, today):
    cutoff = _audit_cutoff(today)
    if cutoff is None:
        return []
    moment = datetime.combine(cutoff, time.min, tzinfo=LONDON)
    # Counted no further than AUDIT_COUNT_CAP each: at national size millions may be due, and the
    # page would count them all on every view to print one number.
    counts = [count_up_to(model.objects.filter(at__lt=moment), AUDIT_COUNT_CAP) for model in (AuditEvent, RecordAccess)]
    if not any(counts):
        return []
    many = f"More than {AUDIT_COUNT_CAP:,}" if max(counts) > AUDIT_COUNT_CAP else str(sum(counts))
    return [RetentionCandidate(
        kind=AUDIT_LOG, object_id=cutoff.isoformat(), label=f"{many} audit entries from before {cutoff:%d %B %Y}",
        reason=f"Older than the audit period ({policy.audit_log_years} years here, the longest of any council kept)",
        due_on=cutoff,
    )]


def _audit_dispose(object_id, disposal):
    """Delete the audit entries before the cut-off. The append-only trigger lets a DELETE through
    only inside a transaction that says it is this retention (migration 0012); never an UPDATE."""
    moment = datetime.combine(date.fromisoformat(object_id), time.min, tzinfo=LONDON)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL casework.audit_retention = 'on'")
    events, _ = AuditEvent.objects.filter(at__lt=moment).delete()
    accesses, _ = RecordAccess.objects.filter(at__lt=moment).delete()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL casework.audit_retention = 'off'")
    return {"disposal": "delete", "audit_events": events, "record_accesses": accesses}


# The monthly review, a clock kind --------------------------------------------------------------

REVIEW_RULE = "RET1"
RULES = {REVIEW_RULE: ClockRule(REVIEW_RULE, NOTICE, source="Retention policy")}


def review_moment(now):
    """The most recent first of a month at 09:00 (London) at or before `now`."""
    local = timezone.localtime(now, LONDON)
    moment = datetime.combine(local.date().replace(day=1), time(REVIEW_HOUR), tzinfo=LONDON)
    if moment > now:
        moment = datetime.combine((moment.date() - timedelta(days=1)).replace(day=1), time(REVIEW_HOUR), tzinfo=LONDON)
    return moment


def _next_review(moment):
    following = (moment.date().replace(day=28) + timedelta(days=4)).replace(day=1)
    return datetime.combine(following, time(REVIEW_HOUR), tzinfo=LONDON)


def _evaluate(policy, rows, now, protocols):
    """This month's review notice (due at once when the policy is new mid-month), and when the next
    month's comes."""
    moment = review_moment(now)
    notice = WantedDeadline(
        rule=REVIEW_RULE, key=f"{moment:%Y-%m}", kind=NOTICE, title="Records due for retention review",
        counts_from=moment, due_at=moment, basis="the first of each month", source="Retention policy",
    )
    return SubjectClocks(authority_id=policy.authority_id, child_id=None, deadlines=[notice],
                         recheck_at=_next_review(moment))


def _facts(rows):
    policies = RetentionPolicy.objects.select_related("authority").in_bulk({row.subject_id for row in rows})
    facts = {}
    for row in rows:
        policy = policies.get(row.subject_id)
        if policy is None:
            facts[row.pk] = RowFacts(label="A retention policy that no longer exists")
            continue
        due = retention_due(policy)
        facts[row.pk] = RowFacts(
            label=f"the retention schedule of {policy.authority.name}",
            context=f"{len(due)} record{'s' if len(due) != 1 else ''} due for review",
            url=reverse("retention"),
        )
    return facts


def _visible(user):
    return Q(authority_id=user.authority_id) if is_administrator(user) and user.authority_id else None


def register():
    register_clock_kind(ClockKind(
        name=RETENTION_REVIEW,
        api_field="retention_policy",
        rules=RULES,
        lock=lambda pk: RetentionPolicy.objects.select_for_update().filter(pk=pk).first(),
        evaluate=_evaluate,
        visible=_visible,
        facts=_facts,
    ))
    register_retention_kind(RetentionKind(AUDIT_LOG, "Audit log entries", _audit_due, _audit_dispose))

