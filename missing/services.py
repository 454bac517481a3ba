"""Writes for children, episodes and police notifications.

Each public function runs in one transaction, validates before it writes (a rejected request
saves nothing), writes its audit row in the same transaction, and tells the clocks through
the clocks, the return interview and the education case explicitly, also inside the transaction.
"""

import re

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.db.models.functions import Upper
from django.utils import timezone

from casework.audit import audit_event_record, audit_events_record
from casework.calendar import local_date
from casework.errors import ConflictError
from casework.protocol_store import protocol_for
from casework.validation import acting_user, not_future, only_fields

from . import rules
from .models import (
    Category,
    Child,
    LegalStatus,
    LocationType,
    MissingEpisode,
    NotificationKind,
    NotificationStatus,
    PoliceNotification,
    RiskLevel,
    Vulnerability,
)
from .clocks.kind import episode_clocks_reconcile
from .duplicates import duplicate_pairs_refresh
from .education.services import education_cases_link_episode
from .found import episodes_found_changed
from .interviews.services import return_interview_on_return_changed
from .locks import lock_child, locked_after_child
from .placements.clocks import placement_clocks_reconcile
from .report_months import child_months_changed, episode_span, months_changed

CHILD_FIELDS = {
    "given_name",
    "family_name",
    "date_of_birth",
    "gender",
    "police_person_id",
    "legal_status",
    "send",
    "vulnerabilities",
    "responsible_authority",
    "placed_by_other_authority",
    "placed_out_of_area",
    "placement_provider",
    "allocated_team",
    "allocated_worker",
    "school",
    "lead_agency",
    "ethnicity",
    "placement_type",
    "home_area",
}
# What decides whether two records are likely one child (N3): a change to one refreshes its pairs.
MATCHED_FIELDS = {"given_name", "family_name", "date_of_birth", "police_person_id"}
HOME_AREA = re.compile(r"^[A-Z]{1,2}\d[A-Z\d]?$")
EPISODE_FIELDS = {
    "category",
    "risk_level",
    "location_type",
    "started_at",
    "reported_at",
    "returned_at",
    "found_location",
    "police_ref",
    "significant_harm",
    "additional_needs",
    "circumstances",
}


def validate_child(child, *, today):
    errors = {}
    if child.date_of_birth and child.date_of_birth > today:
        errors.setdefault("date_of_birth", []).append("Date of birth cannot be in the future.")
    elif child.date_of_birth and not rules.in_scope(
        date_of_birth=child.date_of_birth,
        legal_status=child.legal_status,
        send=child.send,
        today=today,
        protocol=protocol_for(child.authority_id),
    ):
        errors.setdefault("date_of_birth", []).append(
            "This young person is outside the scope of the protocol (N6): under 18, or under 25 for a care "
            "leaver or a young person with SEND."
        )
    unknown = sorted(set(child.vulnerabilities or []) - set(Vulnerability.values))
    if not isinstance(child.vulnerabilities, list) or unknown:
        errors.setdefault("vulnerabilities", []).append(f"Unknown vulnerability: {', '.join(map(str, unknown))}.")
    child.home_area = (child.home_area or "").strip().upper()
    if child.home_area and not HOME_AREA.match(child.home_area):
        errors.setdefault("home_area", []).append(
            "Enter the postcode district only, the first part of the postcode, like AB1 or SW1A."
        )
    if child.lead_agency_id and child.lead_agency.authority_id != child.authority_id:
        errors.setdefault("lead_agency", []).append("The lead agency must belong to the child's authority.")
    if errors:
        raise ValidationError(errors)
    child.full_clean()


@transaction.atomic
def child_create(*, actor, authority, **fields):
    only_fields(fields, CHILD_FIELDS)
    child = Child(authority=authority, **fields)
    if child.vulnerabilities is None:
        child.vulnerabilities = []
    validate_child(child, today=local_date(timezone.now()))
    child.save()
    audit_event_record(actor=actor, verb="child.created", obj=child, child_id=child.pk)
    duplicate_pairs_refresh(child.pk)
    return child


@transaction.atomic
def child_update(*, actor, child, **changes):
    only_fields(changes, CHILD_FIELDS, verb="changed")
    child = Child.objects.select_for_update().get(pk=child.pk)
    changed = sorted(name for name, value in changes.items() if getattr(child, name) != value)
    for name, value in changes.items():
        setattr(child, name, value)
    validate_child(child, today=local_date(timezone.now()))
    if not changed:
        return child
    child.save()
    audit_event_record(actor=actor, verb="child.updated", obj=child, child_id=child.pk, data={"fields": changed})
    if MATCHED_FIELDS.intersection(changed):
        duplicate_pairs_refresh(child.pk)
    episode_clocks_reconcile(child=child)
    child_months_changed(child, changed)  # the dashboard's kept figures count some of the child's facts
    return child


def _validate_episode(episode, *, now):
    errors = {}
    not_future(errors, "started_at", episode.started_at, now, "The start")
    not_future(errors, "reported_at", episode.reported_at, now, "The report time")
    not_future(errors, "returned_at", episode.returned_at, now, "The return time")
    if episode.started_at and episode.reported_at and episode.reported_at < episode.started_at:
        errors.setdefault("reported_at", []).append("The report time cannot be before the start of the episode.")
    if episode.started_at and local_date(episode.started_at) < episode.child.date_of_birth:
        errors.setdefault("started_at", []).append("The start cannot be before the child's date of birth.")
    if episode.started_at and episode.returned_at and episode.returned_at < episode.started_at:
        errors.setdefault("returned_at", []).append("The return time cannot be before the start of the episode.")
    if episode.returned_at is None:
        others = MissingEpisode.objects.filter(child_id=episode.child_id, returned_at__isnull=True)
        if episode.pk:
            others = others.exclude(pk=episode.pk)
        if others.exists():
            errors.setdefault("returned_at", []).append(
                "This child already has an open episode: record the return on it first."
            )
    if errors:
        raise ValidationError(errors)
    episode.full_clean(exclude=["child", "created_by"], validate_constraints=False)


def _episode_changed(*, actor, episode, created, changed_fields):
    """What follows from an episode's facts, in this order: the clocks (T1 counts from the return),
    then the return interview owed for a return, then an open missing-education case, then what
    other apps derive from where the child was found."""
    episode_clocks_reconcile(child=episode.child, episode=episode)
    placement_clocks_reconcile(child=episode.child)  # N7: the other council is told of the episode
    if "returned_at" in changed_fields:
        return_interview_on_return_changed(actor=actor, episode=episode)
    if created:
        education_cases_link_episode(episode=episode)
    if episode.found_location if created else "found_location" in changed_fields:
        episodes_found_changed([episode.pk])


@transaction.atomic
def episode_create(*, actor, child, **fields):
    only_fields(fields, EPISODE_FIELDS)
    lock_child(child.pk)  # one open episode per child, even under races (missing.locks)
    episode = MissingEpisode(child=child, created_by=acting_user(actor), **fields)
    episode.placement_provider = child.placement_provider
    _validate_episode(episode, now=timezone.now())
    episode.save()
    audit_event_record(actor=actor, verb="episode.created", obj=episode, child_id=child.pk)
    _episode_changed(actor=actor, episode=episode, created=True, changed_fields=sorted(fields))
    months_changed(child.authority_id, episode_span(episode.started_at, episode.returned_at))
    return episode


@transaction.atomic
def episode_update(*, actor, episode, **changes):
    """Correct or complete an episode. History keeps every earlier value; the clocks recompute."""
    only_fields(changes, EPISODE_FIELDS, verb="changed")
    episode = locked_after_child(MissingEpisode.objects, episode.pk)
    span_before = episode_span(episode.started_at, episode.returned_at)
    changed = sorted(name for name, value in changes.items() if getattr(episode, name) != value)
    for name, value in changes.items():
        setattr(episode, name, value)
    _validate_episode(episode, now=timezone.now())
    if not changed:
        return episode
    episode.save()
    audit_event_record(
        actor=actor, verb="episode.updated", obj=episode, child_id=episode.child_id, data={"fields": changed}
    )
    _episode_changed(actor=actor, episode=episode, created=False, changed_fields=changed)
    # The episode's month before and after, and the months of the interviews covering it (their
    # T1 due time follows the return).
    months_changed(episode.authority_id, [*span_before, *episode_span(episode.started_at, episode.returned_at),
                                          *episode.return_interviews.values_list("offered_at", flat=True)])
    return episode


# Police notifications -------------------------------------------------------------------------


def _validate_notification(notification, *, now, protocol=None):
    """Times not in the future nor before the child was born; a child who could be in scope (N6).

    Police do not know whether a young person is a care leaver or has SEND, so only the widest
    age limit of N6 is applied here; triage decides the rest. A batch passes its authority's
    protocol, read once.
    """
    errors = {}
    not_future(errors, "received_at", notification.received_at, now, "The time received")
    not_future(errors, "occurred_at", notification.occurred_at, now, "The time it happened")
    dob = notification.child_date_of_birth
    today = local_date(now)
    if dob > today:
        errors["child"] = ["The child's date of birth cannot be in the future."]
    elif rules.age_on(dob, today) >= (protocol or protocol_for(notification.authority_id)).scope_age_extended:
        errors["child"] = ["This young person is too old to be in the scope of the protocol (N6)."]
    else:
        for field in ("received_at", "occurred_at"):
            if field not in errors and local_date(getattr(notification, field)) < dob:
                errors[field] = ["This cannot be before the child's date of birth."]
    if errors:
        raise ValidationError(errors)
    notification.full_clean(
        exclude=["authority", "sent_by", "sender_agency", "upload", "child", "episode", "triaged_by"],
        validate_unique=False,
        validate_constraints=False,
    )


def notification_receive(*, sender, authority, upload=None, on_behalf_of=None, **fields):
    """N1: keep a notification exactly once per sending agency. Answers (notification, created).

    The sending agency is the sender's, or `on_behalf_of` when a MASH coordinator keys in or
    uploads what a police force sent.

    The unique constraint decides between concurrent re-sends: the loser's insert fails inside a
    savepoint and it answers the row the winner stored, unchanged.
    """
    sent_by = acting_user(sender)
    notification = PoliceNotification(
        authority=authority,
        sent_by=sent_by,
        sender_agency_id=on_behalf_of.pk if on_behalf_of is not None else (sent_by.agency_id if sent_by else None),
        upload=upload,
        **fields,
    )
    _validate_notification(notification, now=timezone.now())
    with transaction.atomic():
        try:
            with transaction.atomic():
                notification.save(force_insert=True)
        except IntegrityError:
            existing = _same_senders_notification(notification)
            if existing is None:
                raise
            return existing, False
        audit_event_record(
            actor=sender, verb="notification.received", obj=notification, data={"source_ref": notification.source_ref}
        )
        _auto_link(notification)
    return notification, True


def _same_senders_notification(notification):
    """The notification this sender already sent with this reference: never another sender's."""
    same = PoliceNotification.objects.filter(
        authority_id=notification.authority_id, source_ref=notification.source_ref, kind=notification.kind
    )
    if notification.sender_agency_id:
        return same.filter(sender_agency_id=notification.sender_agency_id).first()
    return same.filter(sender_agency__isnull=True, sent_by_id=notification.sent_by_id).first()


def _certain_child(notification):
    """N2: the one child this notification names beyond doubt, or None (a person decides).

    Certain means every identifier given agrees with one child of the authority, and no other
    child shares any of them: the given and family names (ignoring case and surrounding spaces),
    the date of birth, and, when the police give one, the police person id, which the child's
    record must hold already. A police person id alone, or a name and date of birth that another
    child's police person id contradicts, is not certain.
    """
    children = Child.objects.filter(authority_id=notification.authority_id, merged_into__isnull=True)
    given, family = notification.child_given_name.strip(), notification.child_family_name.strip()
    by_name = children.filter(
        given_name__iexact=given, family_name__iexact=family, date_of_birth=notification.child_date_of_birth
    )
    if notification.police_person_id:
        by_id = list(children.filter(police_person_id=notification.police_person_id)[:2])
        named = list(by_name[:2])
        if len(by_id) == 1 and named == by_id:
            return by_id[0]
        return None
    named = list(by_name[:2])
    if len(named) == 1 and notification.kind == NotificationKind.FOUND:
        # Without a police person id only a found notification for a child missing right now is
        # married up by name and date of birth (N2); a new missing report waits for a person.
        return named[0]
    return None


def _auto_link(notification, certain_child=None):
    """N2/N3: link only what is certain; everything else waits, visibly, for a person.

    A link the episode rules refuse leaves the notification pending rather than losing it. A
    batch passes the child it has already found certain (`_certain_children`).
    """
    child = certain_child or _certain_child(notification)
    if child is None:
        return
    open_episode = child.episodes.filter(returned_at__isnull=True).first()
    if notification.kind == NotificationKind.FOUND:
        if open_episode is None or notification.occurred_at < open_episode.started_at:
            return
    elif open_episode is not None:
        return
    try:
        with transaction.atomic():
            _link(notification, child=child, actor=None, verb="notification.auto_linked")
    except ValidationError:
        notification.refresh_from_db()


def _names_key(given, family, date_of_birth):
    return given.strip().upper(), family.strip().upper(), date_of_birth


def _certain_children(notifications, authority_id):
    """`_certain_child` for a batch: {notification id: child} for those certain, in one query.

    The database compares names with UPPER (SQLite: ASCII-only LIKE); Python's upper() agrees with
    both only on ASCII, so a notification or a candidate child with any other letter in a name is
    decided by `_certain_child` itself, one query as for a single notification.
    """
    fast, slow = [], []
    for notification in notifications:
        names = notification.child_given_name + notification.child_family_name
        (fast if names.isascii() else slow).append(notification)
    certain = {}
    if fast:
        # A superset in one indexed query (upper family names and dates of birth of the batch),
        # narrowed below exactly as `_certain_child` compares.
        keys = {_names_key(n.child_given_name, n.child_family_name, n.child_date_of_birth) for n in fast}
        wanted = Q(family_upper__in={key[1] for key in keys}, date_of_birth__in={key[2] for key in keys})
        ids = {n.police_person_id for n in fast if n.police_person_id}
        if ids:
            wanted |= Q(police_person_id__in=ids)
        candidates = list(
            Child.objects.annotate(family_upper=Upper("family_name")).filter(
                wanted, authority_id=authority_id, merged_into__isnull=True
            )
        )
        named, by_id, unsure = {}, {}, set()
        for child in candidates:
            # The stored names compare as they are (the query strips only what was sent).
            key = (child.given_name.upper(), child.family_name.upper(), child.date_of_birth)
            if not (child.given_name + child.family_name).isascii():
                if child.family_upper in {k[1] for k in keys}:
                    unsure.add(child.date_of_birth)
            else:
                named.setdefault(key, []).append(child)
            if child.police_person_id:
                by_id.setdefault(child.police_person_id, []).append(child)
        for notification in fast:
            if notification.child_date_of_birth in unsure:
                slow.append(notification)
                continue
            key = _names_key(
                notification.child_given_name, notification.child_family_name, notification.child_date_of_birth
            )
            same_name = named.get(key, [])
            if notification.police_person_id:
                same_id = by_id.get(notification.police_person_id, [])
                child = same_id[0] if len(same_id) == 1 and same_name == same_id else None
            else:
                child = same_name[0] if len(same_name) == 1 and notification.kind == NotificationKind.FOUND else None
            if child is not None:
                certain[notification.pk] = child
    for notification in slow:
        child = _certain_child(notification)
        if child is not None:
            certain[notification.pk] = child
    return certain


def notifications_receive(*, sender, authority, items, upload=None, on_behalf_of=None):
    """N1 for a batch: each item kept exactly once per sending agency, in one transaction.

    `items` are the field dicts `notification_receive` takes. Answers one (notification, created,
    error) per item, in order: a rejected item has its ValidationError and nothing of it is saved; a reference
    already received (before, or earlier in this batch) answers the stored row with created False.
    The rows, their history and audit rows go in with a few bulk statements; the database's unique
    constraints still decide between concurrent re-sends (a conflicting insert is skipped and the
    winner's row answered). Certain matches are then linked one by one, as `notification_receive` does.
    """
    sent_by = acting_user(sender)
    sender_agency_id = on_behalf_of.pk if on_behalf_of is not None else (sent_by.agency_id if sent_by else None)
    now = timezone.now()
    protocol = protocol_for(authority)
    results, fresh = [], {}
    for fields in items:
        notification = PoliceNotification(
            authority=authority, sent_by=sent_by, sender_agency_id=sender_agency_id, upload=upload, **fields
        )
        try:
            _validate_notification(notification, now=now, protocol=protocol)
        except ValidationError as error:
            results.append((notification, error))
            continue
        results.append((notification, None))
        fresh.setdefault((notification.source_ref, notification.kind), notification)
    answers, stored, created_ids = [], {}, set()
    with transaction.atomic():
        if fresh:
            # In the unique constraint's order, so two batches sharing references wait for each
            # other instead of deadlocking.
            PoliceNotification.objects.bulk_create([fresh[key] for key in sorted(fresh)], ignore_conflicts=True)
            same_sender = (
                Q(sender_agency_id=sender_agency_id)
                if sender_agency_id
                else Q(sender_agency__isnull=True, sent_by_id=sent_by.pk if sent_by else None)
            )
            stored = {
                (row.source_ref, row.kind): row
                for row in PoliceNotification.objects.filter(
                    same_sender, authority_id=authority.pk, source_ref__in={ref for ref, _ in fresh}
                )
            }
            created = [n for key, n in fresh.items() if key in stored and stored[key].pk == n.pk]
            if created:
                PoliceNotification.history.bulk_history_create(created, default_user=sent_by, default_date=now)
                audit_events_record(
                    actor=sender,
                    verb="notification.received",
                    objs=created,
                    data_for=lambda n: {"source_ref": n.source_ref},
                )
                certain = _certain_children(created, authority.pk)
                for notification in created:
                    if notification.pk in certain:
                        _auto_link(notification, certain_child=certain[notification.pk])
            created_ids = {n.pk for n in created}
        answered = set()
        for notification, errors in results:
            if errors:
                answers.append((None, False, errors))
                continue
            row = stored.get((notification.source_ref, notification.kind))
            if row is None:  # the row it conflicted with is gone again: the sender should send it again
                answers.append((None, False, ValidationError({"source_ref": ["Could not be stored: send it again."]})))
                continue
            if row.pk == notification.pk:
                row = notification
            first_time = row.pk in created_ids and row.pk not in answered
            answered.add(row.pk)
            answers.append((row, first_time, None))
    return answers


def _episode_from_notification(notification, child, actor):
    category = Category.ABSENT if notification.kind == NotificationKind.ABSENT else Category.MISSING
    default_risk = RiskLevel.LOW if category == Category.ABSENT else RiskLevel.MEDIUM
    location = notification.location_type or (
        LocationType.CARE if child.legal_status == LegalStatus.LOOKED_AFTER else LocationType.HOME
    )
    return episode_create(
        actor=actor,
        child=child,
        category=category,
        started_at=notification.occurred_at,
        reported_at=max(notification.received_at, notification.occurred_at),
        risk_level=notification.risk_level or default_risk,
        location_type=location,
        police_ref=notification.source_ref,
        circumstances=notification.circumstances,
    )


def _close_episode_from_found(notification, child, actor):
    episode = child.episodes.filter(returned_at__isnull=True).first()
    if episode is None:
        raise ValidationError(
            {"child": ["This child has no open episode for the found notification to close. Record the episode first."]}
        )
    if notification.occurred_at < episode.started_at:
        raise ValidationError({"child": ["The child was found before this child's open episode began."]})
    return episode_update(
        actor=actor,
        episode=episode,
        returned_at=notification.occurred_at,
        found_location=notification.found_location or episode.found_location,
    )


def _link(notification, *, child, actor, verb):
    if notification.kind == NotificationKind.FOUND:
        episode = _close_episode_from_found(notification, child, actor)
    else:
        episode = _episode_from_notification(notification, child, actor)
    notification.status = NotificationStatus.LINKED
    notification.child = child
    notification.episode = episode
    notification.triaged_by = acting_user(actor)
    notification.triaged_at = timezone.now()
    notification.save(update_fields=["status", "child", "episode", "triaged_by", "triaged_at"])
    audit_event_record(
        actor=actor,
        verb=verb,
        obj=notification,
        child_id=child.pk,
        data={"episode": str(episode.pk), "kind": notification.kind},
    )
    return episode


@transaction.atomic
def notification_triage(*, actor, notification, child):
    """Link a pending notification to `child`, or to a new child made from it when `child` is None.

    The row lock makes two coordinators triaging at once safe: the second is told who won.
    """
    locked = PoliceNotification.objects.select_for_update(of=("self",)).select_related("triaged_by").get(
        pk=notification.pk
    )
    if locked.status != NotificationStatus.PENDING:
        who = locked.triaged_by.get_full_name() or locked.triaged_by.username if locked.triaged_by else "the system"
        when = timezone.localtime(locked.triaged_at).strftime("%d %b %Y %H:%M") if locked.triaged_at else ""
        raise ConflictError(f"This notification was already triaged by {who} at {when}.".replace(" at .", "."))
    if child is None:
        child = child_create(
            actor=actor,
            authority=locked.authority,
            given_name=locked.child_given_name,
            family_name=locked.child_family_name,
            date_of_birth=locked.child_date_of_birth,
            police_person_id=locked.police_person_id,
        )
    elif child.authority_id != locked.authority_id:
        raise ValidationError({"child": ["This child belongs to another authority."]})
    elif locked.police_person_id and not child.police_person_id:
        child_update(actor=actor, child=child, police_person_id=locked.police_person_id)
    episode = _link(locked, child=child, actor=actor, verb="notification.triaged")
    return child, episode
