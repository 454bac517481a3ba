"""Demo data for the N3 screens: records keyed twice, as happens when a notification arrives for a
child whose name was typed differently, so the MASH list of possible duplicates has work on it."""

from .services import child_update


def _swap_two_letters(name):
    return name[0] + name[2] + name[1] + name[3:] if len(name) > 3 else name + "e"


def demo_duplicates(*, kids, mash):
    """Make the last three demo children likely duplicates of the first three (so the number of
    children stays the one asked for): a typing slip, swapped names, and the same police person id
    under a hyphenated family name. Answers the (original, duplicate) pairs."""
    if len(kids) < 6:
        return []
    pairs = list(zip(kids[:3], kids[-3:]))
    (typo, typo_copy), (swapped, swapped_copy), (same_id, same_id_copy) = pairs
    identities = [
        (typo, typo_copy, {"given_name": typo.given_name, "family_name": _swap_two_letters(typo.family_name)}),
        (swapped, swapped_copy, {"given_name": swapped.family_name, "family_name": swapped.given_name}),
        (same_id, same_id_copy, {"given_name": same_id.given_name, "family_name": f"{same_id.family_name}-Demo",
                                 "police_person_id": same_id.police_person_id}),
    ]
    for original, copy, names in identities:
        child_update(actor=mash, child=copy, date_of_birth=original.date_of_birth,
                     legal_status=original.legal_status, send=original.send, **names)
    return pairs
