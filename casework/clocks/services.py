"""The clock engine's writes: keeping deadline rows in step with their subjects, completing them,
and the sweep that fires what fell due. It knows no domain: each subject's rules come from the
clock kind registered under its `subject_type` (registry.py).

Each notice, warning and overdue escalation fires exactly once: the sweep holds a PostgreSQL
advisory lock, each deadline is processed under its row lock, and the Escalation table's unique
constraint (deadline, step) refuses a second firing whatever else goes wrong. Everything the sweep
needs is in the database, so a late sweep catches up and a flushed broker loses nothing. Email goes
through the outbox in the same transaction as the firing.
"""

import logging
from contextlib import contextmanager
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Count, Q
from django.utils import timezone

from casework.audit import audit_event_record
from casework.calendar import describe_moment
from casework.errors import ApplicationError, ConflictError
from casework.models import (
    Deadline,
    DeadlineKind,
    DeadlineStatus,
    DeadlineTally,
    Escalation,
    EscalationStep,
    InboxItem,
    NoticeRecipient,
    Role,
    User,
)
from casework.models.clocks import CLOSED_STATUSES, LIVE_STATUSES, SubjectClock
from casework.outbox import email_enqueue
from casework.protocol_store import protocol_for, protocol_lookup
from casework.tallies import fold_change_rows, tally_fold
from casework.validation import acting_user, not_future

from .heartbeat import heartbeat_record, heartbeat_started
from .registry import clock_kind, clock_rule
from .sources import source_display

logger = logging.getLogger(__name__)

# The key of the advisory lock that keeps two sweeps from overlapping ("clok").
SWEEP_LOCK_KEY = 0x636C6F6B
REFRESHED_FIELDS = ("kind", "title", "counts_from", "due_at", "warn_at", "params", "basis", "source", "reason")


# The closed rows' tally ----------------------------------------------------------------------


def _status_moved(row, before):
    """The tally's changes for one row whose status went from `before` to its own now."""
    if before == row.status:
        return []
    return [(row.authority_id, row.subject_type, before, -1), (row.authority_id, row.subject_type, row.status, 1)]


def _tally_record(changes):
    """Add the changes [(authority id, subject_type, status, +n/-n)] of closed rows to the tally
    (DeadlineTally), in the caller's transaction: one insert, no row of the tally is locked."""
    totals = {}
    for authority_id, subject_type, status, n in changes:
        if status in CLOSED_STATUSES:
            key = (authority_id, subject_type, status)
            totals[key] = totals.get(key, 0) + n
    rows = [DeadlineTally(authority_id=a, subject_type=t, status=st, n=n) for (a, t, st), n in totals.items() if n]
    if rows:
        DeadlineTally.objects.bulk_create(rows)


def deadline_tally_fold():
    """Fold each group's change rows into one, so the lists' counts read a row per group. The sweep
    calls it (one query when there is nothing to fold). Answers the rows folded."""
    return fold_change_rows(DeadlineTally, ("authority_id", "subject_type", "status"))


@transaction.atomic
def deadline_tally_rebuild():
    """Count the closed rows again into the tally, in one statement: for rows written in bulk
    outside these services (seed_national's COPY). Answers the groups stored."""
    DeadlineTally.objects.all().delete()
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {DeadlineTally._meta.db_table} (authority_id, subject_type, status, n) "
            f"SELECT authority_id, subject_type, status, COUNT(*) FROM {Deadline._meta.db_table} "
            f"WHERE status IN ({', '.join(['%s'] * len(CLOSED_STATUSES))}) GROUP BY authority_id, subject_type, status",
            list(CLOSED_STATUSES),
        )
        return cursor.rowcount


# Keeping rows in step with the facts ------------------------------------------------------------


def _refresh(row, wanted, now):
    """Move a live or cancelled row to what the rules now want; answers whether it changed."""
    changed = False
    for name in REFRESHED_FIELDS:
        value = getattr(wanted, name)
        if getattr(row, name) != value:
            setattr(row, name, value)
            changed = True
    if row.status == DeadlineStatus.CANCELLED or (row.status == DeadlineStatus.OVERDUE and row.due_at > now):
        row.status = DeadlineStatus.OPEN
        changed = True
    if row.warned_at and row.warn_at and row.warn_at > now:
        row.warned_at = None
        changed = True
    return changed


def _reconcile(subject_type, subject_id, now, protocols=protocol_for):
    """Bring one subject's rows to what its clock kind wants now, and store when the sweep should
    next look at it. `protocols` answers an authority's Protocol (the sweep passes a memo)."""
    kind = clock_kind(subject_type)
    with transaction.atomic():
        subject = kind.lock(subject_id)
        rows = {
            (d.rule, d.key): d
            for d in Deadline.objects.select_for_update().filter(subject_type=subject_type, subject_id=subject_id)
        }
        clocks = kind.evaluate(subject, rows, now, protocols) if subject is not None else None
        SubjectClock.objects.bulk_create(
            [SubjectClock(subject_type=subject_type, subject_id=subject_id,
                          next_check_at=clocks.recheck_at if clocks else None)],
            update_conflicts=True,
            unique_fields=["subject_type", "subject_id"],
            update_fields=["next_check_at"],
        )
        changes = []
        for item in clocks.deadlines if clocks else []:
            row = rows.pop((item.rule, item.key), None)
            if row is None:
                Deadline.objects.create(
                    authority_id=clocks.authority_id,
                    child_id=clocks.child_id,
                    subject_type=subject_type,
                    subject_id=subject_id,
                    rule=item.rule,
                    key=item.key,
                    **{name: getattr(item, name) for name in REFRESHED_FIELDS},
                )
            elif row.status != DeadlineStatus.DONE:
                before = row.status
                if _refresh(row, item, now):
                    row.save()
                    changes += _status_moved(row, before)
        for row in rows.values():
            if row.is_live:
                before, row.status = row.status, DeadlineStatus.CANCELLED
                row.save(update_fields=["status", "updated_at"])
                changes += _status_moved(row, before)
        _tally_record(changes)


def clock_reconcile(*, subject_type, subject_id, now=None):
    """Create, move and cancel the deadlines of one subject so they match its rules now. Domain
    services call this inside their own transaction when a fact their rules read has changed."""
    _reconcile(subject_type, subject_id, now or timezone.now())


def deadlines_move_child(*, from_child_id, to_child_id, now=None):
    """Two records of one child were merged (a domain app decided so): every deadline that named the
    merged-away record names the survivor, done and cancelled rows too, and every subject of the
    survivor is reconciled, so the clocks agree with the facts as they now stand. Answers how many
    rows moved. Call inside the merge's transaction, after the subjects themselves moved."""
    now = now or timezone.now()
    moved = Deadline.objects.filter(child_id=from_child_id).update(child_id=to_child_id)
    subjects = Deadline.objects.filter(child_id=to_child_id).values_list("subject_type", "subject_id").distinct()
    for subject_type, subject_id in sorted(set(subjects), key=str):
        _reconcile(subject_type, subject_id, now)
    return moved


# Completing duties ------------------------------------------------------------------------------


def _complete(row, *, actor, note, completed_at, now):
    if row.kind == DeadlineKind.NOTICE:
        raise ApplicationError("A notice is sent by the product when it falls due; it is not recorded by hand.")
    if row.status == DeadlineStatus.CANCELLED:
        raise ConflictError("This deadline was cancelled: its condition ended before it fell due.")
    if row.status == DeadlineStatus.DONE:
        who = row.completed_by.get_username() if row.completed_by else "the product"
        raise ConflictError(f"This deadline was already recorded as done by {who}.")
    note = (note or "").strip()
    errors = {}
    if not note:
        errors["note"] = ["Say what was done."]
    not_future(errors, "completed_at", completed_at, now, "The time it was done")
    if "completed_at" not in errors and completed_at < row.counts_from:
        errors["completed_at"] = [
            f"The time it was done cannot be before the duty began "
            f"({timezone.localtime(row.counts_from):%d %b %Y %H:%M})."
        ]
    if errors:
        raise ValidationError(errors)
    before = row.status
    row.status = DeadlineStatus.DONE
    row.completed_at = completed_at
    row.completed_by = acting_user(actor)
    row.note = note
    row.save(update_fields=["status", "completed_at", "completed_by", "note", "updated_at"])
    _tally_record(_status_moved(row, before))
    audit_event_record(
        actor=actor,
        verb="deadline.completed",
        obj=row,
        child_id=row.child_id,
        data={"rule": row.rule, "completed_at": completed_at.isoformat()},
    )
    return row


@transaction.atomic
def deadline_complete(*, deadline, actor, note, completed_at=None):
    """Record a duty done: who, when (now unless given) and a note; then the subject's rules run
    again (a strategy meeting recorded done starts the monthly plan reviews, T13)."""
    now = timezone.now()
    clock_kind(deadline.subject_type).lock(deadline.subject_id)  # the subject before its rows (_reconcile)
    row = Deadline.objects.select_for_update(of=("self",)).get(pk=deadline.pk)
    _complete(row, actor=actor, note=note, completed_at=completed_at or now, now=now)
    _reconcile(row.subject_type, row.subject_id, now)
    return row


@transaction.atomic
def deadlines_complete_for_subject(*, subject_type, subject_id, rule, actor, note, completed_at=None, key=None):
    """Mark the subject's open or overdue deadlines of `rule` (and `key`, when given) done, e.g. T1
    when the return interview is recorded. Idempotent: answers the rows it marked, none the second time."""
    now = timezone.now()
    # The subject before its rows, as _reconcile and a change to the subject take them: rows first,
    # recording T1 done and a correction to the episode (which reconciles it) each held what the
    # other waited for, a deadlock.
    clock_kind(subject_type).lock(subject_id)
    rows = Deadline.objects.select_for_update(of=("self",)).filter(
        subject_type=subject_type, subject_id=subject_id, rule=rule, status__in=LIVE_STATUSES
    )
    if key is not None:
        rows = rows.filter(key=key)
    marked = [
        _complete(row, actor=actor, note=note, completed_at=completed_at or now, now=now)
        for row in rows.order_by("due_at")
    ]
    if marked:
        _reconcile(subject_type, subject_id, now)
    return marked


# Firing notices and escalations -----------------------------------------------------------------


def _person(role, user):
    return {"role": role, "user": user, "email": user.email}


def _addressee(who):
    """A kind's addressee: a user (told in the inbox and by email), or an address outside the product."""
    if isinstance(who, str):
        return {"role": "addressee", "user": None, "email": who}
    return _person("addressee", who)


def _administrators(authority_id):
    # The database narrows to superusers and users whose roles mention the administrator role
    # (a text match that works on PostgreSQL and SQLite alike); the exact check is the user's.
    candidates = User.objects.filter(agency__authority_id=authority_id, is_active=True).filter(
        Q(is_superuser=True) | Q(roles__icontains=f'"{Role.ADMINISTRATOR}"')
    )
    return [_person("administrator", user) for user in candidates if user.is_administrator]


def _recipients(row, step, facts):
    """Who the rule names in this authority; administrators when nobody is named yet, so that no
    notice goes nowhere. An overdue duty also goes to the subject's owner (and, where the rule
    says so, the owner's line manager)."""
    rule = clock_rule(row.subject_type, row.rule)
    roles = list(rule.recipients) if rule else []
    named = NoticeRecipient.objects.filter(authority_id=row.authority_id, role__in=roles).select_related("user")
    found = [{"role": r.role, "user": r.user, "email": r.email or (r.user.email if r.user else "")} for r in named]
    if not found and roles:
        found = _administrators(row.authority_id)
    if step == EscalationStep.OVERDUE and rule is not None:
        if rule.tell_owner and facts.owner is not None:
            found.append(_person(facts.owner_role, facts.owner))
        if rule.tell_owner_manager and facts.owner_manager is not None:
            found.append(_person("owner_manager", facts.owner_manager))
    found = found or _administrators(row.authority_id)
    return [r for r in found if r["user"] is None or r["user"].is_active]


def _message(row, step, facts):
    due = describe_moment(row.due_at)
    context = f", {facts.context}" if facts.context else ""
    lead = {
        EscalationStep.NOTICE: f"{row.title}: {facts.label}{context}.",
        EscalationStep.WARNING: f"{row.title} for {facts.label} is due {due}.",
        EscalationStep.OVERDUE: f"Overdue: {row.title} for {facts.label} was due {due}.",
    }[step]
    body = "\n".join(
        line
        for line in (
            lead,
            f"{row.rule}, {row.basis}, {source_display(row.source)}.",
            f"Why: {row.reason}" if row.reason else "",
        )
        if line
    )
    return lead, body


def row_facts(rows):
    """{row id: RowFacts} for rows of any kinds: one call per kind present."""
    by_kind = {}
    for row in rows:
        by_kind.setdefault(row.subject_type, []).append(row)
    facts = {}
    for subject_type, kind_rows in by_kind.items():
        facts.update(clock_kind(subject_type).facts(kind_rows))
    return facts


def _messages(row, step, facts, now):
    """Who is told and what: [(recipient, subject, body)]. A kind with `addressees` words its notice
    for each person; otherwise the rule's recipients all get the one message."""
    addressees = clock_kind(row.subject_type).addressees
    if addressees is not None and step == EscalationStep.NOTICE:
        return [(_addressee(who), subject, body) for who, subject, body in addressees(row, now)]
    subject, body = _message(row, step, facts)
    return [(recipient, subject, body) for recipient in _recipients(row, step, facts)]


def _fire(row, step, now):
    """Record one firing and tell its recipients; a second firing of the same step is refused by
    the unique constraint and answers None."""
    facts = row_facts([row])[row.pk]
    messages = _messages(row, step, facts, now)
    recipients = [recipient for recipient, _, _ in messages]
    try:
        with transaction.atomic():
            escalation = Escalation.objects.create(
                deadline=row,
                rule=row.rule,
                step=step,
                fired_at=now,
                recipients=[
                    {
                        "role": r["role"],
                        "user": str(r["user"].pk) if r["user"] else None,
                        "username": r["user"].get_username() if r["user"] else "",
                        "email": r["email"],
                    }
                    for r in recipients
                ],
            )
    except IntegrityError:
        return None
    rule = clock_rule(row.subject_type, row.rule)
    needs_ack = step == EscalationStep.NOTICE and bool(rule and rule.acknowledged)
    by_message = {}
    for recipient, subject, body in messages:
        by_message.setdefault((subject, body), []).append(recipient)
    for (subject, body), people in by_message.items():
        users = {r["user"].pk: r["user"] for r in people if r["user"] is not None}
        InboxItem.objects.bulk_create(
            InboxItem(user=user, escalation=escalation, subject=subject, body=body, created_at=now,
                      needs_acknowledgement=needs_ack)
            for user in users.values()
        )
        # In the same transaction as the escalation: the message exists exactly when the firing does.
        email_enqueue(subject=subject, body=body, to=[r["email"] for r in people], now=now)
    return escalation


def deadline_process_due(*, deadline_id, now):
    """Fire one deadline that fell due: a notice is sent (and is then done), a duty turns overdue
    and escalates. Safe to call twice or concurrently: the second call finds nothing to do."""
    with transaction.atomic():
        rows = Deadline.objects.select_for_update(of=("self",))
        row = rows.filter(pk=deadline_id, status=DeadlineStatus.OPEN, due_at__lte=now).first()
        if row is None:
            return None
        before = row.status
        if row.kind == DeadlineKind.NOTICE:
            row.status, row.completed_at, step = DeadlineStatus.DONE, now, EscalationStep.NOTICE
        else:
            row.status, step = DeadlineStatus.OVERDUE, EscalationStep.OVERDUE
        row.save(update_fields=["status", "completed_at", "updated_at"])
        _tally_record(_status_moved(row, before))
        return _fire(row, step, now)


def deadline_process_warning(*, deadline_id, now):
    """Warn once that a duty is near its due time (T2: the preferred 24 hours have passed)."""
    with transaction.atomic():
        rows = Deadline.objects.select_for_update(of=("self",))
        row = rows.filter(
            pk=deadline_id, status=DeadlineStatus.OPEN, warn_at__lte=now, warned_at__isnull=True, due_at__gt=now
        ).first()
        if row is None:
            return None
        row.warned_at = now
        row.save(update_fields=["warned_at", "updated_at"])
        return _fire(row, EscalationStep.WARNING, now)


@dataclass
class SweepResult:
    ran: bool
    reconciled: int = 0
    warnings: int = 0
    notices: int = 0
    overdue: int = 0


@contextmanager
def _sweep_lock():
    """A session advisory lock on PostgreSQL so two sweeps never overlap; nothing on SQLite."""
    if connection.vendor != "postgresql":
        yield True
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s)", [SWEEP_LOCK_KEY])
        acquired = cursor.fetchone()[0]
    try:
        yield acquired
    finally:
        if acquired:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s)", [SWEEP_LOCK_KEY])


def deadlines_sweep(now=None):
    """One pass of the clock, run every minute by Celery beat and by `manage.py check_deadlines`.

    Re-evaluates the subjects whose stored next check has come (for an episode: thresholds that
    hold after a time, T4, the next T13 review), warns, then fires everything due, oldest first.
    Each step is an indexed query on a due time, so the cost follows what is due, not how many
    rows exist. A sweep that ran records itself in the clock's heartbeat (heartbeat.py).
    """
    now = now or timezone.now()
    with _sweep_lock() as acquired:
        if not acquired:
            return SweepResult(ran=False)
        heartbeat_started(now)
        result = SweepResult(ran=True)
        protocols = protocol_lookup()
        checks = SubjectClock.objects.filter(next_check_at__lte=now).order_by("next_check_at")
        for subject_type, subject_id in checks.values_list("subject_type", "subject_id"):
            _reconcile(subject_type, subject_id, now, protocols)
            result.reconciled += 1
        warn = Deadline.objects.filter(
            status=DeadlineStatus.OPEN, warn_at__lte=now, warned_at__isnull=True, due_at__gt=now
        )
        for deadline_id in warn.order_by("warn_at").values_list("pk", flat=True):
            if deadline_process_warning(deadline_id=deadline_id, now=now) is not None:
                result.warnings += 1
        due = Deadline.objects.filter(status=DeadlineStatus.OPEN, due_at__lte=now).order_by("due_at")
        touched = set()
        for deadline_id, subject_type, subject_id in due.values_list("pk", "subject_type", "subject_id"):
            escalation = deadline_process_due(deadline_id=deadline_id, now=now)
            if escalation is not None:
                if escalation.step == EscalationStep.NOTICE:
                    result.notices += 1
                else:
                    result.overdue += 1
            touched.add((subject_type, subject_id))
        for subject_type, subject_id in touched:
            _reconcile(subject_type, subject_id, now, protocols)
        deadline_tally_fold()
        tally_fold()
        heartbeat_record(finished_at=max(now, timezone.now()), result=vars(result))
        return result


# Retention --------------------------------------------------------------------------------------


@transaction.atomic
def deadlines_erase_for_child(*, child_id, subjects=()):
    """Remove every deadline about a child, with its firings, inbox messages and history, and stop
    the clocks of `subjects` ((subject_type, subject_id) pairs), so that none is evaluated again.
    Only retention calls this, once an administrator has confirmed the record's removal."""
    ids = list(Deadline.objects.filter(child_id=child_id).values_list("pk", flat=True))
    stopped = {(t, s) for t, s in subjects} | set(
        Deadline.objects.filter(pk__in=ids).values_list("subject_type", "subject_id")
    )
    closed = (
        Deadline.objects.filter(pk__in=ids, status__in=CLOSED_STATUSES)
        .values_list("authority_id", "subject_type", "status")
        .annotate(rows=Count("pk"))
        .order_by()
    )
    _tally_record([(authority_id, subject_type, status, -rows) for authority_id, subject_type, status, rows in closed])
    InboxItem.objects.filter(escalation__deadline_id__in=ids).delete()
    Escalation.objects.filter(deadline_id__in=ids).delete()
    Deadline.objects.filter(pk__in=ids).delete()
    Deadline.history.model.objects.filter(id__in=ids).delete()  # after: a deletion is a version too
    for subject_type, subject_id in stopped:
        SubjectClock.objects.filter(subject_type=subject_type, subject_id=subject_id).delete()
    return len(ids)


# The inbox --------------------------------------------------------------------------------------


@transaction.atomic
def inbox_item_read(*, item):
    if item.read_at is None:
        item.read_at = timezone.now()
        item.save(update_fields=["read_at"])
    return item


@transaction.atomic
def inbox_item_acknowledge(*, item, user):
    """The IRO's acknowledgement click (T11): once, with who and when, audited."""
    item = InboxItem.objects.select_for_update(of=("self",)).select_related("escalation").get(pk=item.pk)
    if not item.needs_acknowledgement:
        raise ApplicationError("This message does not ask for an acknowledgement.")
    if item.acknowledged_at is None:
        now = timezone.now()
        item.acknowledged_at = now
        item.acknowledged_by = user
        item.read_at = item.read_at or now
        item.save(update_fields=["acknowledged_at", "acknowledged_by", "read_at"])
        audit_event_record(
            actor=user,
            verb="notice.acknowledged",
            obj=item.escalation,
            child_id=item.escalation.deadline.child_id,
            data={"rule": item.escalation.rule},
        )
    return item
