"""Merging two records of one child (N3): never automatic, always a coordinator's decision.

`child_merge` moves everything that belongs to the merged-away record onto the survivor in one
transaction: every row of every model with a foreign key to Child, whichever app it lives in (found
from the model's relations, so an app added later is moved without a change here), and every column
that holds a child's id without a foreign key, through holders registered with
`register_child_id_holder` (the clock's deadlines). A row that may exist only once per child (an
open episode, an open place on a panel's list) may collide with the survivor's: an app registers
with `register_merge_rule` either how to resolve the collision or why the merge must wait. Then the
clocks are reconciled, the merge is written to the audit log, and the merged-away record keeps
only a pointer to the survivor.

The audit tables are append-only: their rows keep the id they were written with, and the subject
access export of the survivor reads those of the records merged into it as well.
"""

from dataclasses import dataclass
from typing import Callable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, UniqueConstraint
from django.utils import timezone
from simple_history.models import HistoricalChanges

from casework.audit import audit_event_record
from casework.calendar import local_date
from casework.clocks.services import deadlines_move_child
from casework.errors import ConflictError

from .clocks.kind import episode_clocks_reconcile
from .duplicates import duplicate_pairs_refresh, pair_key
from .report_months import child_months_changed
from .services import validate_child
from .interviews.services import interviews_first_return_keep, return_interview_not_possible
from .models import (
    OWED_STATES,
    Child,
    ChildGroupObjectPermission,
    ChildUserObjectPermission,
    DuplicateDismissal,
    DuplicatePair,
    EducationCase,
    InterviewState,
    MissingEpisode,
    ReturnInterview,
)

THIS, OTHER = "this", "other"
# The facts of the record a coordinator chooses between, in the order the merge screen shows them.
MERGE_FIELDS = (
    "given_name",
    "family_name",
    "date_of_birth",
    "gender",
    "police_person_id",
    "legal_status",
    "send",
    "vulnerabilities",
    "ethnicity",
    "responsible_authority",
    "placed_by_other_authority",
    "placed_out_of_area",
    "placement_type",
    "placement_provider",
    "provider",
    "home_area",
    "allocated_team",
    "allocated_worker",
    "school",
    "lead_agency",
)


@dataclass(frozen=True)
class MergeRule:
    """What to do when rows of `model_label` of both records may exist only once per child:
    `refuse` says why the merge must wait; `resolve(survivor, other, rows, actor, now)` changes the
    merged-away record's colliding rows (a queryset) so that they no longer collide."""

    model_label: str
    refuse: str = ""
    resolve: Callable | None = None


_rules: dict[str, MergeRule] = {}
_holders: dict[str, Callable] = {}


def register_merge_rule(rule):
    _rules[rule.model_label] = rule
    return rule


def register_child_id_holder(name, move):
    """A column that holds a child's id without a foreign key: `move(from_child_id, to_child_id,
    now)` points its rows at the survivor and answers how many moved."""
    _holders[name] = move


# What moves ------------------------------------------------------------------------------------


def child_relations():
    """(model, foreign key) of every model pointing at Child, except the merge pointer itself, the
    field history (it records what was, under the id it was), dismissed pairs (the merged-away
    record is offered to nobody any more) and the stored likely pairs (made again for the survivor)."""
    relations = []
    for relation in Child._meta.get_fields(include_hidden=True):
        if not relation.auto_created or relation.concrete or not (relation.one_to_many or relation.one_to_one):
            continue
        model = relation.related_model
        if model is Child or model in (DuplicateDismissal, DuplicatePair) or issubclass(model, HistoricalChanges):
            continue
        relations.append((model, relation.field))
    return sorted(relations, key=lambda item: (item[0]._meta.label, item[1].name))


def _unique_rules(model, field_name):
    """(fields, condition) of each uniqueness rule of `model` that includes the child's field."""
    rules = [
        (tuple(c.fields), c.condition)
        for c in model._meta.constraints
        if isinstance(c, UniqueConstraint) and c.fields and field_name in c.fields
    ]
    rules += [(tuple(together), None) for together in model._meta.unique_together if field_name in together]
    if model._meta.get_field(field_name).unique:
        rules.append(((field_name,), None))
    return rules


def _colliding(model, field, survivor, other):
    """Ids of the merged-away record's rows that the survivor's rows would break a uniqueness rule with."""
    colliding = set()
    manager = model._base_manager
    for fields, condition in _unique_rules(model, field.name):
        columns = [model._meta.get_field(name).attname for name in fields if name != field.name]
        mine = manager.filter(**{field.name: survivor})
        theirs = manager.filter(**{field.name: other})
        if condition is not None:
            mine, theirs = mine.filter(condition), theirs.filter(condition)
        taken = set(mine.values_list(*columns)) if columns else ({()} if mine.exists() else set())
        for pk, *values in theirs.values_list("pk", *columns):
            if None not in values and tuple(values) in taken:
                colliding.add(pk)
    return colliding


def _links_between(survivor, other):
    """Reasons to wait for rows that link the two records to each other (an association between two
    children, say): after the merge they would link a child to itself, which only a person can undo."""
    fields_of = {}
    for model, field in child_relations():
        fields_of.setdefault(model, []).append(field.name)
    reasons = []
    for model, names in fields_of.items():
        pairs = [(a, b) for a in names for b in names if a != b]
        link = Q()
        for a, b in pairs:
            link |= Q(**{a: other, b: survivor}) | Q(**{a: other, b: other})
        if pairs and model._base_manager.filter(link).exists():
            reasons.append(
                f"A {model._meta.verbose_name} links the two records to each other: remove it before merging, "
                f"as a child cannot be linked to themselves."
            )
    return reasons


def _collisions(survivor, other):
    """[(model, field, colliding ids)] and the reasons the merge must wait."""
    found, refusals = [], _links_between(survivor, other)
    for model, field in child_relations():
        ids = _colliding(model, field, survivor, other)
        if not ids:
            continue
        rule = _rules.get(model._meta.label)
        if rule is None or rule.resolve is None:
            refusals.append(
                rule.refuse
                if rule and rule.refuse
                else f"Both records have a {model._meta.verbose_name} that may exist only once for a child: "
                f"close or remove one of them first."
            )
        found.append((model, field, ids))
    return found, refusals


# Choosing the facts ----------------------------------------------------------------------------


def _value(child, name):
    return getattr(child, Child._meta.get_field(name).attname)


def differing_fields(child, other):
    """The names of MERGE_FIELDS whose values differ between the two records."""
    return [name for name in MERGE_FIELDS if _value(child, name) != _value(other, name)]


def _validate_keep(keep):
    if not isinstance(keep, dict):
        raise ValidationError({"keep": ["Give, for each field, whose value to keep: \"this\" or \"other\"."]})
    errors = [f"{name}: not a field of a child's record that a merge chooses." for name in keep if name not in MERGE_FIELDS]
    errors += [
        f"{name}: choose \"this\" or \"other\"."
        for name, side in keep.items()
        if name in MERGE_FIELDS and side not in (THIS, OTHER)
    ]
    if errors:
        raise ValidationError({"keep": errors})


def _validate_pair(child, other):
    if other.pk == child.pk:
        raise ValidationError({"other": ["A record cannot be merged with itself."]})
    if other.authority_id != child.authority_id:
        raise ValidationError({"other": ["The two records belong to different authorities."]})
    if other.merged_into_id or child.merged_into_id:
        raise ValidationError({"other": ["This record was already merged into another."]})


@transaction.atomic
def child_merge(*, actor, child, other, keep):
    """Move everything of `other` onto `child`, keeping, for each differing fact, the value `keep`
    names ("this": the survivor's, the default; "other": the merged-away record's). Answers the
    survivor. Refuses (400) bad input and (409) rows that would collide without a rule to resolve them."""
    _validate_keep(keep)
    first, second = sorted((child.pk, other.pk), key=str)
    locked = {c.pk: c for c in Child.objects.select_for_update().filter(pk__in=[first, second]).order_by("pk")}
    if len(locked) < 2 and child.pk != other.pk:
        raise ValidationError({"other": ["No child with this id is on your records."]})
    survivor, merged = locked[child.pk], locked[other.pk]
    _validate_pair(survivor, merged)
    now = timezone.now()
    differing = differing_fields(survivor, merged)
    taken = [name for name in differing if keep.get(name, THIS) == OTHER]
    for name in taken:
        attname = Child._meta.get_field(name).attname
        setattr(survivor, attname, getattr(merged, attname))
    if taken:  # the facts kept from the other record must make a valid record together
        validate_child(survivor, today=local_date(now))
    collisions, refusals = _collisions(survivor, merged)
    if refusals:
        raise ConflictError(" ".join(dict.fromkeys(refusals)))
    for model, field, ids in collisions:
        _rules[model._meta.label].resolve(
            survivor=survivor, other=merged, rows=model._base_manager.filter(pk__in=ids), actor=actor, now=now
        )
    survivor.save()
    moved = {}
    for model, field in child_relations():
        count = model._base_manager.filter(**{field.name: merged}).update(**{field.name: survivor})
        if count:
            moved[model._meta.label] = count
    Child.objects.filter(merged_into=merged).update(merged_into=survivor)
    for name, move in _holders.items():
        count = move(from_child_id=merged.pk, to_child_id=survivor.pk, now=now)
        if count:
            moved[name] = count
    merged.merged_into = survivor
    merged.save(update_fields=["merged_into", "updated_at"])
    duplicate_pairs_refresh(merged.pk)  # a merged-away record is in no pair any more
    duplicate_pairs_refresh(survivor.pk)  # the facts kept may pair it with other records
    episode_clocks_reconcile(child=survivor, now=now)
    child_months_changed(survivor)  # its episodes now include the other record's
    record = {
        "survivor": str(survivor.pk),
        "merged": str(merged.pk),
        "chosen": {name: keep.get(name, THIS) for name in differing},
        "taken_from_merged": taken,
        "moved": moved,
    }
    audit_event_record(actor=actor, verb="child.merged", obj=survivor, child_id=survivor.pk, data=record)
    audit_event_record(actor=actor, verb="child.merged_away", obj=merged, child_id=merged.pk, data=record)
    return survivor


@transaction.atomic
def duplicate_dismiss(*, actor, child, other, reason=""):
    """A coordinator records that two records are not the same child: the pair is offered no more."""
    if other.pk == child.pk:
        raise ValidationError({"other": ["A record is always the same child as itself."]})
    if other.authority_id != child.authority_id:
        raise ValidationError({"other": ["The two records belong to different authorities."]})
    if len(reason) > 2000:
        raise ValidationError({"reason": ["Keep the reason to 2000 characters or fewer."]})
    first, second = pair_key(child.pk, other.pk)
    dismissal, created = DuplicateDismissal.objects.get_or_create(
        first_id=first, second_id=second, defaults={"reason": reason, "dismissed_by": actor}
    )
    DuplicatePair.objects.filter(Q(one_id=first, two_id=second) | Q(one_id=second, two_id=first)).delete()
    if created:
        data = {"first": str(first), "second": str(second), "reason": reason}
        audit_event_record(actor=actor, verb="child.duplicate_dismissed", obj=dismissal, child_id=child.pk, data=data)
    return dismissal


# The missing app's own rows --------------------------------------------------------------------


def _drop_repeated_permissions(*, survivor, other, rows, actor, now):
    """A share both records had is kept once, on the survivor."""
    rows.delete()


MERGED_INTERVIEW = "The records were merged (N3): the episodes are covered by the interview owed on the record kept."


def _fold_owed_interviews(*, survivor, other, rows, actor, now):
    """One return interview is owed to a child at a time (T1): the merged-away record's owed
    interview is folded into the survivor's, as a child missing again before the interview is held
    has the new episode added to the one owed. The one already arranged (accepted) is the one kept;
    where both are arranged, a person decides first."""
    kept = ReturnInterview.objects.select_for_update().get(child=survivor, state__in=OWED_STATES)
    for folded in rows.select_for_update():
        if kept.state == InterviewState.ACCEPTED and folded.state == InterviewState.ACCEPTED:
            raise ConflictError(
                "Both records have a return home interview arranged: hold or close one of them before merging."
            )
        if folded.state == InterviewState.ACCEPTED:
            kept, folded = folded, kept
        kept.episodes.add(*folded.episodes.all())
        folded.episodes.clear()
        interviews_first_return_keep([kept, folded])
        return_interview_not_possible(actor=actor, interview=folded, reason=MERGED_INTERVIEW)


def register():
    register_child_id_holder("casework.Deadline", deadlines_move_child)
    register_merge_rule(MergeRule(
        MissingEpisode._meta.label,
        refuse="Both records have an open missing episode: record the return on one of them (or correct it) "
        "before merging, as a child is missing only once at a time.",
    ))
    register_merge_rule(MergeRule(ReturnInterview._meta.label, resolve=_fold_owed_interviews))
    register_merge_rule(MergeRule(
        EducationCase._meta.label,
        refuse="Both records have an open missing-education case: close one of them before merging.",
    ))
    for model in (ChildUserObjectPermission, ChildGroupObjectPermission):
        register_merge_rule(MergeRule(model._meta.label, resolve=_drop_repeated_permissions))
