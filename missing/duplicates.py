"""Likely duplicates of a child's record (N3): which records may be the same child, and why.

Two records of one authority are likely the same child when they hold the same police person id,
or when they share a date of birth and their names are alike after the usual slips of keying: case,
accents, spaces, hyphens and apostrophes ignored; a typo or two (Damerau-Levenshtein: a swap of two
adjacent letters counts once); given and family names swapped; one part of a hyphenated name.
Nothing here merges: a coordinator decides, or dismisses the pair as not the same child.

The MASH list of every likely pair is not worked out when it is read: the pairs are stored
(DuplicatePair) and kept right by the services that change what they depend on, each of which
calls `duplicate_pairs_refresh` for the one child it changed inside its transaction (a few indexed
queries: the children sharing its date of birth or police person id). `duplicate_pairs_rebuild`
makes them all at once for records written in bulk (a migration, the national seed).
"""

import unicodedata
from collections.abc import Sequence
from itertools import combinations

from django.core.exceptions import ValidationError
from django.db.models import Count, Q

from casework.permissions import is_mash_coordinator

from .models import Child, DuplicateDismissal, DuplicatePair
from .permissions import children_visible_to, live_children

SAME_POLICE_ID = "same police person id"
SAME_DOB = "same date of birth"
SAME_NAME = "same name"
SIMILAR_NAME = "similar name (a typing slip?)"
SWAPPED_NAMES = "given and family names swapped"
HYPHENATED = "shares part of a hyphenated name"


def normalise(name):
    """Casefolded letters and digits only: 'Zoë O'Neil-Smith ' and 'zoe oneilsmith' are one."""
    decomposed = unicodedata.normalize("NFKD", name or "")
    return "".join(ch for ch in decomposed.casefold() if ch.isalnum())


def name_parts(name):
    """The parts of a name split at hyphens and spaces, each normalised: 'Smith-Jones' -> smith, jones."""
    return {normalise(part) for part in (name or "").replace("-", " ").split()} - {""}


def damerau_levenshtein(a, b):
    """Edits (insert, delete, substitute, swap two adjacent letters) turning `a` into `b`."""
    previous_row, row = None, list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        before, previous_row, row = previous_row, row, [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            row[j] = min(previous_row[j] + 1, row[j - 1] + 1, previous_row[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                row[j] = min(row[j], before[j - 2] + 1)
    return row[len(b)]


def _alike(a, b):
    """Two normalised names within the typing slips allowed: two edits, one for names of four
    letters or fewer (so 'Amy' and 'Ian' are not alike)."""
    if not a or not b:
        return False
    allowed = 1 if min(len(a), len(b)) <= 4 else 2
    return abs(len(a) - len(b)) <= allowed and damerau_levenshtein(a, b) <= allowed


def name_reasons(one, two):
    """Why the names of two records may be one child's, or [] when they are not alike."""
    given1, family1, given2, family2 = (
        normalise(one.given_name), normalise(one.family_name), normalise(two.given_name), normalise(two.family_name)
    )
    if (given1, family1) == (given2, family2) or given1 + family1 == given2 + family2:
        return [SAME_NAME]
    if _alike(given1, given2) and _alike(family1, family2):
        return [SIMILAR_NAME]
    if _alike(given1, family2) and _alike(family1, given2):
        return [SWAPPED_NAMES]
    families1, families2 = name_parts(one.family_name), name_parts(two.family_name)
    hyphenated = len(families1) > 1 or len(families2) > 1
    given_agrees = _alike(given1, given2) or name_parts(one.given_name) & name_parts(two.given_name)
    if hyphenated and families1 & families2 and given_agrees:
        return [HYPHENATED]
    return []


def match_reasons(one, two):
    """Why two records may be the same child ([] when they are not likely to be). Pure: reads the
    id, authority, names, date of birth and police person id only."""
    if one.pk == two.pk or one.authority_id != two.authority_id:
        return []
    reasons = []
    if one.police_person_id and one.police_person_id.strip() == (two.police_person_id or "").strip():
        reasons.append(SAME_POLICE_ID)
    if one.date_of_birth == two.date_of_birth:
        names = name_reasons(one, two)
        if names:
            reasons += [SAME_DOB, *names]
    return reasons


def pair_key(one_id, two_id):
    """The stored order of a pair (DuplicateDismissal.first holds the smaller id)."""
    return tuple(sorted((one_id, two_id), key=str))


def _dismissed(dismissals):
    """The pairs of `dismissals` (a DuplicateDismissal query), in stored order. Always one query,
    whether or not any candidate was found, so a page's query count does not depend on the data."""
    return {pair_key(a, b) for a, b in dismissals.values_list("first_id", "second_id")}


def child_duplicates(user, child):
    """The records `user` may see that are likely the same child as `child`, each with its reasons,
    most certain first; pairs a coordinator dismissed are left out. Two queries."""
    same = Q(date_of_birth=child.date_of_birth)
    if child.police_person_id:
        same |= Q(police_person_id=child.police_person_id)
    pool = children_visible_to(user).filter(same, authority_id=child.authority_id).exclude(pk=child.pk)
    found = [{"child": other, "reasons": match_reasons(child, other)} for other in pool.select_related("lead_agency")]
    found = [item for item in found if item["reasons"]]
    dismissed = _dismissed(DuplicateDismissal.objects.filter(Q(first_id=child.pk) | Q(second_id=child.pk)))
    found = [item for item in found if pair_key(child.pk, item["child"].pk) not in dismissed]
    found.sort(key=lambda item: (-len(item["reasons"]), item["child"].family_name, item["child"].given_name))
    return found


class PairList(Sequence):
    """The stored pairs of a query as the MASH list shows them ({one, two, reasons}), read lazily:
    a paginator counts them with one query and reads one page with another."""

    def __init__(self, pairs):
        self.pairs = pairs

    @staticmethod
    def _item(pair):
        return {"one": pair.one, "two": pair.two, "reasons": pair.reasons}

    def count(self):
        return self.pairs.count()

    def __len__(self):
        return self.count()

    def __getitem__(self, index):
        if isinstance(index, slice):
            return [self._item(pair) for pair in self.pairs[index]]
        return self._item(self.pairs[index])

    def __iter__(self):
        return (self._item(pair) for pair in self.pairs)

    def __eq__(self, other):
        return list(self) == list(other) if isinstance(other, (list, tuple, PairList)) else NotImplemented


def possible_duplicate_pairs(user):
    """Every likely pair among the children `user` may see, for the MASH list: [{one, two, reasons}]
    in the name order of `one`, read from the stored pairs (dismissed pairs are not stored). A MASH
    coordinator's list is one index range of their authority, whatever the number of children."""
    pairs = DuplicatePair.objects.select_related("one", "two").order_by(
        "one_family_name", "one_given_name", "one_id", "two_id"
    )
    if not user or not user.is_authenticated:
        return PairList(pairs.none())
    if user.is_superuser:  # every live child: the stored pairs hold live children only
        return PairList(pairs)
    if user.agency_id and is_mash_coordinator(user):  # the whole authority, as children_visible_to says
        return PairList(pairs.filter(authority_id=user.agency.authority_id))
    visible = children_visible_to(user).values("pk")
    return PairList(pairs.filter(one__in=visible, two__in=visible))


# Keeping the stored pairs ------------------------------------------------------------------------

_MATCHED_FIELDS = ("pk", "authority_id", "given_name", "family_name", "date_of_birth", "police_person_id")


class _Record:
    """What matching reads of a child, with its names normalised once."""

    __slots__ = (*_MATCHED_FIELDS, "given", "family", "whole", "families")

    def __init__(self, pk, authority_id, given_name, family_name, date_of_birth, police_person_id):
        self.pk, self.authority_id, self.date_of_birth = pk, authority_id, date_of_birth
        self.given_name, self.family_name, self.police_person_id = given_name, family_name, police_person_id
        self.given, self.family = normalise(given_name), normalise(family_name)
        self.whole = self.given + self.family
        self.families = name_parts(family_name)


def _pair(one, two, reasons, model=DuplicatePair):
    """The stored row of a likely pair: `one` is the record first in name order."""
    if (two.family_name, two.given_name, str(two.pk)) < (one.family_name, one.given_name, str(one.pk)):
        one, two = two, one
    return model(authority_id=one.authority_id, one_id=one.pk, two_id=two.pk, one_family_name=one.family_name,
                 one_given_name=one.given_name, reasons=reasons)


def duplicate_pairs_refresh(child_id):
    """Make the stored pairs of one child right again, after it was made, its names, date of birth
    or police person id changed, it was merged (a merged-away record is in no pair) or anonymised.
    Callers are the services that make those changes, inside their transaction. A few indexed
    queries: the child, the records sharing its date of birth or police person id, its dismissed
    pairs, the delete and the insert."""
    DuplicatePair.objects.filter(Q(one_id=child_id) | Q(two_id=child_id)).delete()
    found = live_children().filter(pk=child_id).values_list(*_MATCHED_FIELDS).first()
    if found is None:
        return []
    child = _Record(*found)
    same = Q(date_of_birth=child.date_of_birth)
    if child.police_person_id:
        same |= Q(police_person_id=child.police_person_id)
    pool = live_children().filter(same, authority_id=child.authority_id).exclude(pk=child.pk)
    dismissed = _dismissed(DuplicateDismissal.objects.filter(Q(first_id=child.pk) | Q(second_id=child.pk)))
    rows = []
    for values in pool.values_list(*_MATCHED_FIELDS):
        other = _Record(*values)
        reasons = match_reasons(child, other)
        if reasons and pair_key(child.pk, other.pk) not in dismissed:
            rows.append(_pair(child, other, reasons))
    return DuplicatePair.objects.bulk_create(rows)


def likely_pairs(records):
    """Every likely pair among `records` (_Record-like, ordered by authority and date of birth):
    {pair key: (one, two, reasons)}. Only records sharing an authority and a date of birth are
    compared by name; those sharing a police person id are found by `likely_pairs_by_police_id`."""
    found, alike, group, current = {}, {}, [], None

    def names_alike(a, b):  # _alike, remembered per pair of names: few distinct names, many records
        known = alike.get((a, b))
        if known is None:
            known = alike[(a, b)] = _alike(a, b)
        return known

    def compare(members):
        # Only pairs passing a cheap test that every rule of name_reasons needs (the same letters, a
        # shared part of the family name, alike given names, or given and family names alike
        # crosswise) are checked in full.
        for i, one in enumerate(members):
            whole, given, families = one.whole, one.given, one.families
            for two in members[i + 1:]:
                if (whole == two.whole or not families.isdisjoint(two.families) or names_alike(given, two.given)
                        or names_alike(given, two.family)):
                    reasons = match_reasons(one, two)
                    if reasons:
                        found[pair_key(one.pk, two.pk)] = (one, two, reasons)

    for record in records:
        key = (record.authority_id, record.date_of_birth)
        if key != current:
            compare(group)
            group, current = [], key
        group.append(record)
    compare(group)
    return found


def duplicate_pairs_rebuild(*, child_model=Child, pair_model=DuplicatePair, dismissal_model=DuplicateDismissal,
                            authority_id=None, batch=5000):
    """Store every likely pair again, from the records as they are: for records written in bulk
    (a migration, the national seed), not for a service's change. The models are parameters so
    that a migration passes its own. Streams the live children in (authority, date of birth) order
    once, compares names only within those groups (after a cheap test), then the groups sharing a
    police person id; answers the number of pairs stored."""
    live = child_model.objects.filter(merged_into__isnull=True)
    stale = pair_model.objects.all()
    if authority_id is not None:
        live, stale = live.filter(authority_id=authority_id), stale.filter(authority_id=authority_id)
    stale.delete()
    in_order = live.order_by("authority_id", "date_of_birth").values_list(*_MATCHED_FIELDS)
    found = likely_pairs(_Record(*values) for values in in_order.iterator(chunk_size=20000))
    shared = (
        live.exclude(police_person_id="").order_by().values("authority_id", "police_person_id")
        .annotate(n=Count("pk")).filter(n__gt=1)
    )
    by_id = {}
    for values in live.filter(police_person_id__in=shared.values("police_person_id")).values_list(*_MATCHED_FIELDS):
        record = _Record(*values)
        by_id.setdefault((record.authority_id, record.police_person_id), []).append(record)
    for members in by_id.values():
        for one, two in combinations(members, 2):
            key = pair_key(one.pk, two.pk)
            if key not in found:
                reasons = match_reasons(one, two)
                if reasons:
                    found[key] = (one, two, reasons)
    dismissed = _dismissed(dismissal_model.objects.all())
    rows = [_pair(one, two, reasons, pair_model) for key, (one, two, reasons) in found.items() if key not in dismissed]
    pair_model.objects.bulk_create(rows, batch_size=batch)
    return len(rows)


def child_merged_into(user, child_id):
    """The id of the record a merged-away child now lives in, when `user` may see that record;
    else None (the caller answers a plain 404)."""
    try:
        merged = Child.objects.filter(pk=child_id, merged_into__isnull=False)
        survivor = merged.values_list("merged_into", flat=True).first()
    except ValidationError:  # a malformed id
        return None
    if survivor is None or not children_visible_to(user).filter(pk=survivor).exists():
        return None
    return survivor
