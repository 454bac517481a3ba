"""Likely duplicates of a child's record (N3): which records may be the same child, and why.

Two records of one authority are likely the same child when they hold the same police person id,
or when they share a date of birth and their names are alike after the usual slips of keying: case,
accents, spaces, hyphens and apostrophes ignored; a typo or two (Damerau-Levenshtein: a swap of two
adjacent letters counts once); given and family names swapped; one part of a hyphenated name.
Nothing here merges: a coordinator decides, or dismisses the pair as not the same child.
"""

import unicodedata
from collections import defaultdict
from itertools import combinations

from django.core.exceptions import ValidationError
from django.db.models import Count, Q

from .models import Child, DuplicateDismissal
from .permissions import children_visible_to

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


def possible_duplicate_pairs(user):
    """Every likely pair among the children `user` may see, for the MASH list: [{one, two, reasons}].

    Candidates come only from groups that share a date of birth or a police person id within an
    authority (found by grouping in the database), so the queries stay the same in number however
    many children there are: the groups, the children in them, and the dismissed pairs.
    """
    visible = children_visible_to(user)
    shared_dob = (
        visible.order_by().values("authority_id", "date_of_birth").annotate(n=Count("pk")).filter(n__gt=1)
        .values("date_of_birth")
    )
    shared_id = (
        visible.exclude(police_person_id="").order_by().values("authority_id", "police_person_id")
        .annotate(n=Count("pk")).filter(n__gt=1).values("police_person_id")
    )
    candidates = list(
        visible.filter(Q(date_of_birth__in=shared_dob) | Q(police_person_id__in=shared_id))
        .select_related("lead_agency").order_by("family_name", "given_name", "pk")
    )
    groups = defaultdict(list)
    for child in candidates:
        groups[(child.authority_id, "dob", child.date_of_birth)].append(child)
        if child.police_person_id:
            groups[(child.authority_id, "pid", child.police_person_id)].append(child)
    pairs = {}
    for members in groups.values():
        for one, two in combinations(members, 2):
            key = pair_key(one.pk, two.pk)
            if key not in pairs:
                reasons = match_reasons(one, two)
                if reasons:
                    pairs[key] = {"one": one, "two": two, "reasons": reasons}
    dismissed = _dismissed(DuplicateDismissal.objects.filter(first_id__in=visible.values("pk")))
    found = [pair for key, pair in pairs.items() if key not in dismissed]
    found.sort(key=lambda p: (p["one"].family_name, p["one"].given_name, str(p["one"].pk), str(p["two"].pk)))
    return found


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
