"""Demo data for the N3 screens: records keyed twice, as happens when a notification arrives for a
child whose name was typed differently, so the MASH list of possible duplicates has work on it."""

from .services import child_create


def _swap_two_letters(name):
    return name[0] + name[2] + name[1] + name[3:] if len(name) > 3 else name + "e"


def demo_duplicates(*, la, kids, mash):
    """Three likely duplicates of existing children: a typing slip, swapped names, and the same
    police person id under a hyphenated family name. Answers the new records."""
    if len(kids) < 3:
        return []
    typo, swapped, same_id = kids[0], kids[1], kids[2]
    made = [
        child_create(actor=mash, authority=la, given_name=typo.given_name,
                     family_name=_swap_two_letters(typo.family_name), date_of_birth=typo.date_of_birth,
                     legal_status=typo.legal_status, send=typo.send),
        child_create(actor=mash, authority=la, given_name=swapped.family_name, family_name=swapped.given_name,
                     date_of_birth=swapped.date_of_birth, legal_status=swapped.legal_status, send=swapped.send),
        child_create(actor=mash, authority=la, given_name=same_id.given_name,
                     family_name=f"{same_id.family_name}-Demo", date_of_birth=same_id.date_of_birth,
                     police_person_id=same_id.police_person_id, legal_status=same_id.legal_status, send=same_id.send),
    ]
    return made
