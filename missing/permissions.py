"""Who sees which child, episode and notification: decided here, once, for pages, API and lists.

A MASH coordinator sees every child of their authority. Anyone else sees a child only when their
agency is involved: it is the lead agency, the child's record was shared with it explicitly
(django-guardian, through the agency's group), it is the police force that reported the child to us (a
police notification linked to the child with certainty or by a person), they are the allocated worker, or another app
has registered a reason (a referral, a panel, an action, an assigned return interview) with
`register_involvement`. Objects a user may not see answer 404; visible objects a user may not
change answer 403.
"""

import threading
from collections import OrderedDict
from functools import partial

from django.db import connection
from django.db.models import BooleanField, Exists, ExpressionWrapper, OuterRef, Q, Subquery
from django.db.models.lookups import IsNull
from rest_framework.permissions import BasePermission

from casework.memo import request_memo
from casework.models import AgencyKind
from casework.permissions import is_administrator, is_mash_coordinator
from casework.tallies import tally_count, tally_kept

from .models import Child, ChildGroupObjectPermission, MissingEpisode, PoliceNotification
from .tallies import LIVE_CHILDREN, NOTIFICATIONS

_involvement_clauses = []


def register_involvement(clause):
    """Add a reason for involvement: `clause(user)` answers a Q over Child, or None. A clause may
    read only what `_rule_key` holds (the user's id and roles, their agency's id, kind, group and
    authority): the rule built from the clauses is kept per those (children_visible_to)."""
    _involvement_clauses.append(clause)


def _shared_with_agency(user):
    return Exists(
        ChildGroupObjectPermission.objects.filter(
            content_object=OuterRef("pk"), group_id=user.agency.group_id, permission__codename="view_child"
        )
    )


def _reported_by_force(user, *, walked=False):
    """The police force that reported a child missing or found does the safe-and-well check (002 §9).

    Only a police force, and only through a notification linked with certainty (N2) or by a person:
    a MASH coordinator keying in a notification does not make their own agency involved.

    `walked` for a rule asked of each child a list walks (WALKED): a scalar subquery, which
    PostgreSQL asks child by child through the (sender, child) index. It hashes an EXISTS inside an
    OR whenever it expects to test many children, reading every notification the force sent first
    (200,000 at national size, 60 ms) even when the list stops after a thousand children.
    """
    if user.agency.kind != AgencyKind.POLICE:
        return None
    reports = PoliceNotification.objects.filter(child_id=OuterRef("pk"), sender_agency_id=user.agency_id)
    if walked:
        # Unordered, and only the index's columns: one index-only probe per child.
        return Q(IsNull(Subquery(reports.order_by().values("child_id")[:1]), False))
    return Q(Exists(reports))


def live_children():
    """Every child's record except those merged into another (N3): a merged-away record is in no
    list, search or count; its address answers a pointer to the record it was merged into."""
    return Child.objects.filter(merged_into__isnull=True)


# Rules built by children_visible_to, per _rule_key, most recently used last. A caller gets a copy
# (`.all()`); Django may re-resolve the copy's shared leaves when it compiles, writing back equal
# objects, so the kept rule's statement never changes (tested). Bounded (a rule is about 60 KB):
# past the bound the least recently used is dropped, and rebuilt when asked (under 1 ms).
_BUILT_RULES = OrderedDict()
_BUILT_RULES_MAX = 256
_BUILT_RULES_LOCK = threading.Lock()


def _rule_key(user, listing):
    """Everything the rule reads from the user (_children_visible_to and the registered clauses).
    A superuser's, a MASH coordinator's and an agency-less user's rule names no user, so people
    sharing a role and an authority share it."""
    if user.is_superuser or not user.agency_id:
        agency, personal = None, False
    else:
        agency = (user.agency_id, user.agency.kind, user.agency.group_id, user.agency.authority_id)
        personal = not is_mash_coordinator(user)
    return (listing, user.pk if personal else None, user.is_superuser, agency, tuple(user.roles or ()),
            tuple(id(clause) for clause in _involvement_clauses))


WALKED = "walked"  # children_visible_to's form for a list walked child by child (children_list_visible_to)
_FORMS = (False, True, WALKED)


def children_visible_to(user, *, listing=False):
    """The children the user may see (_children_visible_to), in one of three forms of the same rule:
    `listing=False` for a lookup, True for a list of many rows, WALKED for a list walked in order
    and stopped early (children_list_visible_to). The rule is built once per process for
    each user, keyed by everything it reads from them (_rule_key): building its reasons and
    resolving its subqueries cost about as much as compiling it, on every API read and page
    (issue 13). The rule holds no data, only the statement, so a change of the rows it asks about
    needs no rebuild; a change of the user's roles, agency or of the registered reasons makes a new
    key. Each call answers a fresh copy (never another caller's results)."""
    if listing not in _FORMS:  # 1 == True would share True's kept rule
        raise ValueError(f"listing is one of {_FORMS}, not {listing!r}")
    if not user or not user.is_authenticated:
        return Child.objects.none()
    return _kept(_BUILT_RULES, _rule_key(user, listing), lambda: _children_visible_to(user, listing=listing)).all()


def _kept(store, key, build):
    """store[key], made by build() when missing; the store keeps the _BUILT_RULES_MAX most recently
    used (a rule, or few_visible_children's statement)."""
    with _BUILT_RULES_LOCK:
        kept = store.get(key)
        if kept is not None:
            store.move_to_end(key)
            return kept
    kept = build()
    with _BUILT_RULES_LOCK:
        store[key] = kept
        while len(store) > _BUILT_RULES_MAX:
            store.popitem(last=False)
    return kept


def _children_visible_to(user, *, listing):
    """The children the user may see. `listing=True` for a list that shows many rows (of children
    or of their interviews, actions, deadlines): the children the user is involved with are then
    gathered first, one set per reason through its own index, and united, so the list reads only
    those children's rows; as one OR of every reason PostgreSQL could not tell how few they are and
    tested every row of the list against it. A lookup of one object keeps the OR: it tests one
    child, where gathering would read every child of a large lead agency. WALKED keeps the OR with
    the force's reason asked child by child (_reported_by_force)."""
    if not user or not user.is_authenticated:
        return Child.objects.none()
    if user.is_superuser:
        return live_children()
    if not user.agency_id:
        return Child.objects.none()
    in_authority = live_children().filter(authority_id=user.agency.authority_id)
    if is_mash_coordinator(user):
        return in_authority
    reasons = _reasons(user, walked=listing == WALKED)
    if listing is True:
        involved = [Child.objects.filter(reason).order_by().values("pk") for reason in reasons]
        return in_authority.filter(pk__in=involved[0].union(*involved[1:]))
    involved = reasons[0]
    for reason in reasons[1:]:
        involved |= reason
    return in_authority.filter(involved)


def _reasons(user, *, walked=False):
    """Why a user of an agency (not a MASH coordinator) sees a child: each reason a filter of children."""
    reasons = [Q(lead_agency_id=user.agency_id), Q(allocated_worker_id=user.pk), Q(_shared_with_agency(user))]
    for clause in [partial(_reported_by_force, walked=walked), *_involvement_clauses]:
        extra = clause(user)
        if extra is not None:
            reasons.append(extra)
    return reasons


FEW_CHILDREN = 500


def few_visible_children(user):
    """The ids of the children a user sees through their reasons (anyone of an agency but a MASH
    coordinator), when there are at most FEW_CHILDREN of them; None when there are more, or for
    anyone else. One statement: each reason's children through its own index, each read stopping
    at FEW_CHILDREN + 1, so a force that reported 85,000 children costs as little as a worker with
    ten. A list of a few children's rows then names them, and PostgreSQL reads those children's rows
    by their index; asked row by row instead, a return interview worker's 376 deadlines took 1.9 s
    to find among the authority's 200,000 (issue 13)."""
    if not of_an_agency(user):
        return None
    if is_mash_coordinator(user) or not connection.features.supports_slicing_ordering_in_compound:
        return None  # SQLite (`make demo`) cannot limit the parts of a union: the rows are asked about
    # A list and its count both ask: one statement per read request.
    return request_memo(("few_visible_children", user.pk), partial(_few_children_read, user))


def _few_children_read(user):
    sql, params = _few_statement(user)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    if any(pk is None for pk, _authority, _merged_into in rows):  # too many to name (_few_statement)
        return None
    # Every reason was read whole (none reached its limit): these are exactly the children seen.
    authority_id = user.agency.authority_id
    # A tuple: one request's callers share it (the memo), and none may change it.
    return tuple({pk for pk, authority, merged_into in rows if authority == authority_id and merged_into is None})


_FEW_STATEMENTS = OrderedDict()  # few_visible_children's statement per _rule_key, as _BUILT_RULES


def _few_statement(user):
    """few_visible_children's statement (SQL and parameters), compiled once per user as the rule is
    (it names only the user, their agency and the reasons): each reason through its own index
    alone, stopping at the limit. The authority and the merge are checked on the rows read: as
    filters, PostgreSQL joined the authority's whole index of 100,000 children to each reason's."""
    def build():
        parts = [
            Child.objects.filter(reason).order_by().values_list("pk", "authority_id", "merged_into_id")[
                : FEW_CHILDREN + 1
            ]
            for reason in _reasons(user)
        ]
        sql, params = parts[0].union(*parts[1:], all=True).query.sql_with_params()
        # More than FEW_CHILDREN rows (perhaps a reason not read whole) are answered as one row of
        # NULLs: for a force, health or a chair the 550 rows read were half of the statement's 6 ms,
        # sent and made into objects only to be counted.
        return (
            f"WITH seen AS ({sql}) SELECT * FROM seen WHERE (SELECT COUNT(*) FROM seen) <= %s "
            "UNION ALL SELECT NULL, NULL, NULL WHERE (SELECT COUNT(*) FROM seen) > %s",
            (*params, FEW_CHILDREN, FEW_CHILDREN),
        )

    return _kept(_FEW_STATEMENTS, _rule_key(user, ("few", FEW_CHILDREN)), build)


WALK_SAMPLE = 100  # children_list_visible_to's sample: the first children of the walk
WALK_SHARE = 3  # ... of which the force reported at least one in WALK_SHARE for the walk to pay


def children_list_visible_to(user):
    """The children the user may see, in the form that suits the children list: read in name order,
    or a search's matches sorted, and stopped after the first few thousand (counted up to a cap)
    (issue 13). The choice is made on the list's order (the sample below), not on a search's terms:
    a search takes the form its user's plain list takes.

    The one reason that can cover most of an authority and is not a column of the child is a police
    force's: the force of an authority reports most of its missing children (85,000 of 100,000 at
    national size). For a force that sees at least one in WALK_SHARE of the first WALK_SAMPLE
    children in name order (_walk_sample), each child the list reads is asked on its own (WALKED:
    the list's first 1,001 found among 1,160 read in 9 ms, where hashing the force's 200,000
    notifications first took 55 ms, and gathering its children first 180 ms; a search for "Ash",
    its statement 125 -> 53 ms). For a force that sees fewer, a walk would pass most of the
    authority before stopping (a force that reported none of 100,000: 60 ms as the OR, 170 ms asked
    child by child): its children are gathered first (`listing=True`: 1 ms). Anyone else keeps the
    OR, whose reasons are columns of the child or a few rows. The sample is one statement per
    request, shared with rows_of_visible_children_walked; here it is taken only for a force."""
    if not _reports_as_force(user):
        return children_visible_to(user)
    return children_visible_to(user, listing=WALKED if children_list_walks(user) else True)


def children_list_walks(user):
    """Whether children_list_visible_to asks each child the list reads on its own (WALKED): a police
    force that sees at least one in WALK_SHARE of the sampled children."""
    return _reports_as_force(user) and _share_seen_at_least(user, WALK_SHARE)


def _share_seen_at_least(user, share):
    """Whether the user sees at least one in `share` of the first WALK_SAMPLE live children of their
    authority in name order (an agency's user, not a MASH coordinator)."""
    read, seen = request_memo(("walk_sample", user.pk), partial(_walk_sample, user))
    return read > 0 and seen * share >= read


def _walk_sample(user):
    """(children read, children the user sees) of the first WALK_SAMPLE live children of the user's
    authority in name order: one statement, each child asked on its own (the walked rule), compiled
    once per user as the rule is (compiled on each request it cost 4.5 ms of Python against 2.5 ms
    in PostgreSQL, issue 13)."""
    sql, params = _kept(_SAMPLE_STATEMENTS, _rule_key(user, ("sample", WALK_SAMPLE)), partial(_sample_statement, user))
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        seen = [row[0] for row in cursor.fetchall()]
    return len(seen), sum(seen)


_SAMPLE_STATEMENTS = OrderedDict()  # _walk_sample's statement per _rule_key, as _BUILT_RULES


def _sample_statement(user):
    first = (
        live_children()
        .filter(authority_id=user.agency.authority_id)
        .order_by("family_name", "given_name")
        .values("pk")[:WALK_SAMPLE]
    )
    seen = ExpressionWrapper(_seen_one_by_one(user, "pk"), output_field=BooleanField())
    return Child.objects.filter(pk__in=first).annotate(seen=seen).order_by().values_list("seen").query.sql_with_params()


def _seen_one_by_one(user, child_field):
    """A condition on a row: its child (`child_field`) is one the user sees, asked for that row
    alone (a scalar subquery, which PostgreSQL does not hash into the set of every child seen)."""
    child = children_visible_to(user, listing=WALKED).filter(pk=OuterRef(child_field)).order_by().values("pk")[:1]
    return Q(IsNull(Subquery(child), False))


def of_an_agency(user):
    """Whether the user is signed in, of an agency and not a superuser: someone whose rule is their
    authority's children (a MASH coordinator) or those their reasons name."""
    return bool(user and user.is_authenticated and not user.is_superuser and user.agency_id)


def _reports_as_force(user):
    """Whether the user's rule has a police force's reason (an agency's user, not a MASH coordinator)."""
    return of_an_agency(user) and not is_mash_coordinator(user) and user.agency.kind == AgencyKind.POLICE


def _sees_whole_authority(user):
    """Whether the user's rule is every live child (and every notification) of their authority."""
    return of_an_agency(user) and is_mash_coordinator(user)


def children_visible_count(user):
    """children_visible_to(user).count(), for a MASH coordinator (whose rule is every live child of
    the authority, 100,000 at national size) read from the tally PostgreSQL keeps, for someone who
    sees few children the length of their list (few_visible_children) (issue 13)."""
    if tally_kept() and _sees_whole_authority(user):
        return tally_count(LIVE_CHILDREN, user.agency.authority_id)
    few = few_visible_children(user)
    return len(few) if few is not None else children_visible_to(user).count()


def rows_of_visible_children(user, child_field="child_id", authority_field="authority_id", *, listing=False):
    """A filter keeping the rows of another table (the clock engine's deadlines) that concern a
    child the user may see. Such a row carries its child's authority (`authority_field`: a child's
    authority never changes, and a merge moves the merged-away record's rows to the survivor).

    Decided the same way as children_visible_to, but without `child_id IN (every visible child)`,
    which hashed all of an authority's children (100,000 at national size) for every list of a few
    hundred live rows (issue 13): a MASH coordinator sees the rows of their authority except those of
    a merged-away record; for a list (`listing`), anyone who sees few children
    (few_visible_children, one more statement), the rows of those children; anyone else the rows of
    their authority whose child they may see, asked row by row.
    """
    if not user or not user.is_authenticated:
        return Q(pk__in=[])
    visible = Exists(children_visible_to(user).filter(pk=OuterRef(child_field)))
    if user.is_superuser or not user.agency_id:
        return Q(visible)
    authority_id = user.agency.authority_id
    hidden = rows_hidden_in_authority(user, child_field)
    if hidden is not None:
        return Q(**{authority_field: authority_id}) & ~hidden
    few = few_visible_children(user) if listing else None
    if few is not None:
        # Not said on the row's authority column as well (the children are all of the authority): a
        # list ordered by an (authority, ...) index would then walk it past every other child's rows
        # instead of reading these children's (the interviews).
        return Q(**{f"{child_field}__in": few})
    return Q(**{authority_field: authority_id}) & Q(visible)


def rows_of_visible_children_listed(user):
    """rows_of_visible_children for a list of many rows (a clock kind's `visible_in_list`)."""
    return rows_of_visible_children(user, listing=True)


ROWS_WALK_SHARE = 10  # rows_of_visible_children_walked asks row by row whoever sees one child in ten


def rows_of_visible_children_walked(user, child_field="child_id", authority_field="authority_id"):
    """rows_of_visible_children for the first pages of a list read in order and counted apart (a
    clock kind's `visible_in_walk`: the API's deadlines). As a list's filter (`listing=True`), the
    rule of someone who sees many children is an EXISTS that PostgreSQL hashes: it gathers every
    child they see before the page's first row (a force's 85,000: 130 ms; a chair's 50,000: 45 ms),
    where the page needs 50. For someone who sees at least one in ROWS_WALK_SHARE of the first
    children of their authority in name order (_walk_sample), each row's child is asked on its own
    as the list is read: page n stops after about n x 50 x ROWS_WALK_SHARE rows when the rows'
    children are spread as the sample's are (the sample is of children, not of the list's rows, so
    it is a guide, not a bound). None for anyone else (a superuser, someone of no agency, a MASH
    coordinator, someone who sees few children or a small share): the list's filter serves
    (rows_of_visible_children_listed)."""
    if (not of_an_agency(user) or is_mash_coordinator(user) or few_visible_children(user) is not None
            or not _share_seen_at_least(user, ROWS_WALK_SHARE)):
        return None
    return Q(**{authority_field: user.agency.authority_id}) & _seen_one_by_one(user, child_field)


def rows_hidden_in_authority(user, child_field="child_id"):
    """When rows_of_visible_children(user) is every row of the user's authority but those of a
    merged-away record (a MASH coordinator's), a filter of those rows; None for anyone else. The clock
    kinds give it as their `hidden_in_authority`, so the lists count closed rows from a tally."""
    if not _sees_whole_authority(user):
        return None
    merged_away = Child.objects.filter(authority_id=user.agency.authority_id, merged_into__isnull=False).values("pk")
    return Q(**{f"{child_field}__in": merged_away})


def child_is_visible(user, child):
    return children_visible_to(user).filter(pk=child.pk).exists()


def episodes_visible_to(user):
    return MissingEpisode.objects.filter(child__in=children_visible_to(user).values("pk"))


def notifications_visible_to(user):
    """MASH coordinators see their authority's queue; police see what their own agency sent."""
    if not user or not user.is_authenticated:
        return PoliceNotification.objects.none()
    if user.is_superuser:
        return PoliceNotification.objects.all()
    if not user.agency_id:
        return PoliceNotification.objects.none()
    if is_mash_coordinator(user):
        return PoliceNotification.objects.filter(authority_id=user.agency.authority_id)
    if user.agency.kind == AgencyKind.POLICE:
        return PoliceNotification.objects.filter(sender_agency_id=user.agency_id)
    return PoliceNotification.objects.none()


def notifications_visible_count(user, status=""):
    """notifications_visible_to(user) (of that status, when given) counted: for a MASH coordinator,
    who sees every notification of the authority (200,000 at national size), from the tally."""
    if tally_kept() and _sees_whole_authority(user):
        return tally_count(NOTIFICATIONS, user.agency.authority_id, [status] if status else None)
    rows = notifications_visible_to(user)
    return (rows.filter(status=status) if status else rows).count()


def can_change_child(user, child):
    """Creating and editing children and episodes is the MASH coordinators' job (API §1)."""
    return is_administrator(user) or (
        is_mash_coordinator(user) and user.agency_id is not None and user.agency.authority_id == child.authority_id
    )


def can_triage(user):
    return is_mash_coordinator(user)


class CanChangeChildRecord(BasePermission):
    message = "You may see this record but not change it."

    def has_object_permission(self, request, view, obj):
        if request.method in ("GET", "HEAD", "OPTIONS"):
            return True
        child = obj if isinstance(obj, Child) else obj.child
        return can_change_child(request.user, child)
