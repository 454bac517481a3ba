"""Reads: the triage queue, likely matches, and what a child's record computes now."""

import re
from collections import defaultdict
from datetime import datetime, time

from django.db import connection
from django.db.models import (
    Case, CharField, Count, Exists, F, IntegerField, Min, OuterRef, Prefetch, Q, Value, When,
)
from django.db.models.expressions import RawSQL
from django.db.models.functions import Concat
from django.db.models.lookups import IContains
from django.utils import timezone

from casework.calendar import LONDON, describe_working_age, local_date, working_time_between
from casework.paginator import ids_sorted_then_filtered

from . import rules
from .models import MissingEpisode, NotificationStatus, NotificationUpload
from .models.episodes import RISK_RANK, RiskLevel
from .permissions import (
    can_triage,
    children_list_visible_to,
    children_list_walks,
    children_visible_to,
    episodes_visible_to,
    few_visible_children,
    live_children,
    notifications_visible_to,
)

RISK_ORDER = Case(
    *[When(risk_level=level, then=Value(rank)) for level, rank in RISK_RANK.items()],
    default=Value(len(RISK_RANK)),
    output_field=IntegerField(),
)


def triage_queue(user):
    """Pending notifications, highest risk first, then oldest first (N5: age counts working time)."""
    return (
        notifications_visible_to(user)
        .filter(status=NotificationStatus.PENDING)
        .annotate(risk_order=RISK_ORDER)
        .order_by("risk_order", "received_at", "source_ref")
    )


def triage_waiting(user, now):
    """How many notifications wait for triage, how many of them at high risk, and how long the
    oldest has waited in working time (N5, None when none waits), in one query."""
    waiting = triage_queue(user).order_by().aggregate(
        count=Count("pk"), high=Count("pk", filter=Q(risk_level=RiskLevel.HIGH)), oldest=Min("received_at")
    )
    oldest = waiting.pop("oldest")
    waiting["oldest_wait"] = working_time_between(oldest, now) if oldest else None
    return waiting


def notification_working_age(notification, now=None):
    age = working_time_between(notification.received_at, now or timezone.now())
    return age, describe_working_age(age)


def match_reasons(notification, child):
    """What agrees between a notification and a child, and what does not (N2, N3).

    Answers (agrees, differs): short phrases the triage queue shows side by side, so a person
    sees why a child may be the one and what speaks against it.
    """
    agrees, differs = [], []
    if notification.police_person_id and child.police_person_id:
        if notification.police_person_id == child.police_person_id:
            agrees.append("same police person id")
        else:
            differs.append("different police person id")
    elif notification.police_person_id:
        differs.append("no police person id on the child's record")
    same_given = notification.child_given_name.strip().lower() == child.given_name.strip().lower()
    same_family = notification.child_family_name.strip().lower() == child.family_name.strip().lower()
    if same_given and same_family:
        agrees.append("same name")
    else:
        if same_family:
            agrees.append("same family name")
        else:
            differs.append("different family name")
        if same_given:
            agrees.append("same given name")
        else:
            differs.append("different given name")
    if notification.child_date_of_birth == child.date_of_birth:
        agrees.append("same date of birth")
    else:
        differs.append("different date of birth")
    return agrees, differs


def _is_likely(agrees):
    return "same police person id" in agrees or (
        "same date of birth" in agrees and ("same name" in agrees or "same family name" in agrees)
    ) or "same name" in agrees


# How many likely children a notification shows: the closest first (fewest differences). In a large
# authority a common name is shared by dozens of children; the coordinator searches for the rest.
CANDIDATES_SHOWN = 5

# The likely children of a page of notifications on PostgreSQL: one join of the page's (authority,
# family name, given name, date of birth) against the child_match_* indexes, plus the police person
# ids. Each notification reads only the children it names, and the plan does not grow with the page
# as a hundred OR-ed conditions did (issue 13). Children who share only the name (their date of birth
# differs) all weigh the same, and a common name is shared by more of them the larger the authority:
# each notification reads at most one more of them than it shows, so the page costs the same at
# any size and still knows when there are more.
_LIKELY_IDS_SQL = """
    WITH m AS (SELECT * FROM unnest(%s::uuid[], %s::text[], %s::text[], %s::date[])
               AS m(authority_id, family, given, born))
    SELECT same_name.id FROM m CROSS JOIN LATERAL (
        SELECT c.id FROM missing_child c WHERE c.authority_id = m.authority_id AND c.merged_into_id IS NULL
         AND UPPER(c.family_name::text) = UPPER(m.family) AND UPPER(c.given_name::text) = UPPER(m.given)
         LIMIT %s) AS same_name
    UNION
    SELECT c.id FROM m JOIN missing_child c ON c.authority_id = m.authority_id
     AND UPPER(c.family_name::text) = UPPER(m.family) AND c.date_of_birth = m.born
    UNION
    SELECT c.id FROM missing_child c WHERE c.police_person_id = ANY(%s::text[])
"""


def _likely_condition(notifications):
    """Which children may be likely matches for `notifications` (a superset `_is_likely` narrows)."""
    if connection.vendor == "postgresql":
        params = (
            [n.authority_id for n in notifications],
            [n.child_family_name.strip() for n in notifications],
            [n.child_given_name.strip() for n in notifications],
            [n.child_date_of_birth for n in notifications],
            CANDIDATES_SHOWN + 1,
            [n.police_person_id for n in notifications if n.police_person_id],
        )
        return Q(pk__in=RawSQL(_LIKELY_IDS_SQL, params))
    condition = Q()
    for n in notifications:
        family = n.child_family_name.strip()
        condition |= Q(family_name__iexact=family, date_of_birth=n.child_date_of_birth)
        condition |= Q(family_name__iexact=family, given_name__iexact=n.child_given_name.strip())
        if n.police_person_id:
            condition |= Q(police_person_id=n.police_person_id)
    return condition


def candidates_for_notifications(user, notifications):
    """Likely children for each notification, with why, in one query for the whole page (N3).

    A likely match (see `_is_likely`) has the police person id, or the family name with the date
    of birth or the given name; the query asks only for those (indexes on the authority and the
    upper-cased names serve it) and each notification then weighs its own few candidates, not every
    child fetched. On PostgreSQL at most CANDIDATES_SHOWN + 1 of the children who share only the
    name are read per notification (see _LIKELY_IDS_SQL); `candidates_shown` keeps the closest.
    """
    notifications = list(notifications)
    if not notifications:
        return {}
    open_episodes = MissingEpisode.objects.filter(returned_at__isnull=True)
    children = (
        children_visible_to(user)
        .filter(_likely_condition(notifications))
        .only("authority_id", "given_name", "family_name", "date_of_birth", "police_person_id")
        .prefetch_related(Prefetch("episodes", queryset=open_episodes, to_attr="open_episodes"))
    )
    by_family, by_person_id = defaultdict(list), defaultdict(list)
    for child in children:
        by_family[child.family_name.strip().lower()].append(child)
        if child.police_person_id:
            by_person_id[child.police_person_id].append(child)
    found = defaultdict(list)
    for n in notifications:
        pool = {c.pk: c for c in by_family[n.child_family_name.strip().lower()] + by_person_id[n.police_person_id]}
        for child in pool.values():
            if child.authority_id != n.authority_id:
                continue
            agrees, differs = match_reasons(n, child)
            if _is_likely(agrees):
                open_episode = child.open_episodes[0] if child.open_episodes else None
                found[n.pk].append(
                    {"child": child, "reasons": agrees, "differences": differs, "open_episode": open_episode}
                )
        found[n.pk].sort(key=lambda c: (len(c["differences"]), -len(c["reasons"]), c["child"].family_name))
    return found


def candidates_shown(candidates):
    """The closest CANDIDATES_SHOWN of a notification's likely children, and whether there are more
    (how many more is not counted: a common name may be shared by hundreds in a large authority)."""
    return candidates[:CANDIDATES_SHOWN], len(candidates) > CANDIDATES_SHOWN


def children_search(user, query="", *, capped=False):
    """Children the user may see whose names (or police person id) contain every word of `query`.
    Someone who sees few children has them named (few_visible_children): asked child by child, a
    return interview worker's 90 children took 120 ms to find among 100,000 (issue 13). `capped` for
    a caller that reads only the list's first few thousand rows in this order (the children list's
    pages, counted up to a cap): the rule then takes the form that suits its user
    (children_list_visible_to); children_search_first_ids reads those rows' ids. Not for a list
    filtered further (the children missing now, a few among the authority): a walk would pass every
    child to find them. A search with a word of three letters or more takes that form whatever reads
    it: its matches are those the trigram index finds, a few thousand at most, and a force asks of
    each whether it reported the child (the API's exact count of a force's "Oak", 85 -> 29 ms), where
    the OR hashed all 197,000 of the force's notifications first."""
    terms = _search_terms(query)
    indexed = _looked_up_in_index(terms)
    few = few_visible_children(user)
    if few is not None:
        children = live_children().filter(pk__in=few)
    elif capped or indexed:
        children = children_list_visible_to(user)
    else:
        children = children_visible_to(user)
    children = _matching(children, terms)
    if not indexed:  # walked in name order; children of one name by id (an incremental sort)
        return children.order_by("family_name", "given_name", "pk")
    return children.order_by(*_search_order())


def children_search_first_ids(user, query, limit):
    """The ids of the first `limit` children of children_search(user, query, capped=True), for a
    search by a user whose list is walked (a police force that sees most of its authority), or None
    for its own statement to read them. The matches are sorted by name first and each asked in that
    order whether the force sees the child, until `limit` are found: "ley" 35 -> 26 ms, "Ash"
    23 -> 17 ms in PostgreSQL at national size (ids_sorted_then_filtered, issue 13). A search of
    short words only walks the list in name order as the plain list does."""
    terms = _search_terms(query)
    if not _looked_up_in_index(terms) or few_visible_children(user) is not None:
        return None
    if not children_list_walks(user):
        return None
    matches = _matching(live_children().filter(authority_id=user.agency.authority_id), terms)
    return ids_sorted_then_filtered(matches, children_list_visible_to(user), keys=_search_order(), limit=limit)


def _search_terms(query):
    return query.replace("\x00", "").split()


TRIGRAM = 3  # the names' trigram index (child_live_name_trgm) finds a word with three letters or digits in a row


def _indexed(term):
    """Whether the trigram index can find the word: three letters or digits in a row (pg_trgm reads
    only those; "%%%" or "O'B" would read the whole index)."""
    return re.search(r"[^\W_]{%d}" % TRIGRAM, term) is not None


def _looked_up_in_index(terms):
    """Whether a search's matches are found through the trigram index (one of its words is): they
    are then sorted by name (_search_order); a search of short words only walks the name index."""
    return any(_indexed(term) for term in terms)


def _matching(children, terms):
    """A filter per word: in the given or family name, or the police person id exactly. A word
    without three letters or digits in a row holds no trigram, so the trigram index would be read
    whole for it (270 ms at national size, before the children were asked about): it is compared,
    unindexed, on the rows the other words or the list's own order read (a name of its own
    expression, which no index holds)."""
    for term in terms:
        if _indexed(term):
            given, family = Q(given_name__icontains=term), Q(family_name__icontains=term)
        else:
            given, family = IContains(_unindexed("given_name"), term), IContains(_unindexed("family_name"), term)
        children = children.filter(given | family | Q(police_person_id__iexact=term))
    return children


def _search_order():
    """A search's order: by name, then by id, so that children of the same name keep their places
    from one page to the next. Written so that PostgreSQL cannot walk the name index in order: it
    would test every child before the first match (a name starting with O waits for A to N). The
    matches, found through the trigram indexes, are few; sorting them is cheap. A search of short
    words only (children_search) has matches throughout the alphabet, and walks the index instead."""
    return (_unindexed("family_name"), F("given_name"), F("pk"))


def _unindexed(field):
    """The name `field` as an expression of its own, which no index holds: compared or sorted on the
    rows read, never looked up or walked through an index."""
    return Concat(field, Value(""), output_field=CharField())


def child_with_episodes(queryset):
    return queryset.select_related("lead_agency", "allocated_worker").prefetch_related(
        Prefetch("episodes", queryset=MissingEpisode.objects.order_by("-started_at"))
    )


def child_flags(child, *, protocol, now=None):
    """API §2's computed fields. Reads `child.episodes.all()` (prefetch it for lists)."""
    now = now or timezone.now()
    episodes = list(child.episodes.all())
    episode = rules.current_episode(episodes, now=now, protocol=protocol)
    reasons = (
        rules.strategy_thresholds(child=child, episode=episode, episodes=episodes, now=now, protocol=protocol)
        if episode is not None
        else []
    )
    return {
        "age": rules.age_on(child.date_of_birth, local_date(now)),
        "currently_missing": any(e.returned_at is None for e in episodes),
        "frequent_missing": rules.frequent_missing(episodes, now=now, protocol=protocol),
        "strategy_meeting_due": bool(reasons),
        "strategy_reasons": [rule for rule, _ in reasons],
        "strategy_reason_texts": reasons,
        "episode_count_90_days": len(rules.episodes_in_window(episodes, end=now, days=90)),
        "current_episode": episode,
    }


def _start_of_today(now):
    return datetime.combine(local_date(now), time.min, tzinfo=LONDON)


OPEN_EPISODE = Q(returned_at__isnull=True)


def _high_risk_today(now):
    """High-risk episodes open now, or that ended today (Europe/London)."""
    return Q(risk_level=RiskLevel.HIGH) & (OPEN_EPISODE | Q(returned_at__gte=_start_of_today(now)))


def missing_now_counts(user):
    """Children missing now (a child has at most one open episode) and how many of them at high
    risk, in one query."""
    return episodes_visible_to(user).filter(OPEN_EPISODE).aggregate(
        missing=Count("pk"), missing_high=Count("pk", filter=Q(risk_level=RiskLevel.HIGH))
    )


def high_risk_episodes_today(user, now):
    """Today's high-risk episodes with their children: those still open first, longest missing first."""
    return (
        episodes_visible_to(user)
        .filter(_high_risk_today(now))
        .select_related("child")
        .order_by(F("returned_at").asc(nulls_first=True), "started_at")
    )


def child_get_visible(user, child_id):
    """The child if `user` may see it, else None: callers answer 404 either way."""
    return child_with_episodes(children_visible_to(user)).filter(pk=child_id).first()


def children_with_missing_status(queryset):
    """Annotates `currently_missing` (the child has an open episode) in the list's one query."""
    open_episodes = MissingEpisode.objects.filter(child_id=OuterRef("pk"), returned_at__isnull=True)
    return queryset.annotate(currently_missing=Exists(open_episodes))


def notification_uploads_for(user):
    """The CSV uploads into the coordinator's authority, newest first; nobody else sees them. An
    administrator without an agency sees their own. The rows still to store are never read here."""
    if not can_triage(user):
        return NotificationUpload.objects.none()
    if user.agency_id:
        uploads = NotificationUpload.objects.filter(authority_id=user.agency.authority_id)
    else:
        uploads = NotificationUpload.objects.filter(uploaded_by=user)
    return uploads.select_related("uploaded_by").defer("columns", "rows").order_by("-uploaded_at")

