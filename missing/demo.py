"""Demo data for the child's record, made through the services (synthetic people only): records keyed
twice, as happens when a notification arrives for a child whose name was typed differently, so the
MASH list of possible duplicates has work on it (N3); missing person profiles, missing-child updates
and a daily risk management meeting."""

import struct
import zlib
from datetime import timedelta

from django.core.files.uploadedfile import SimpleUploadedFile

from casework.calendar import local_date
from casework.clocks.services import clock_reconcile

from .daily.selectors import daily_meeting_agenda
from .daily.services import daily_discussion_record
from .models import DailyRiskOutcome, LegalStatus, MissingEpisode, MissingPersonProfile
from .profiles.clocks import PROFILE
from .profiles.services import profile_save
from .services import child_update
from .updates.services import missing_update_create


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


DESCRIPTIONS = [
    {"height": "152 cm", "build": "Slim", "hair": "Long, brown, usually tied back", "eyes": "Green",
     "distinguishing_features": "Small scar above the right eyebrow",
     "usual_clothing": "Black puffer jacket, white trainers",
     "phone_numbers": "07700 900001", "social_media": "Photo app: @demo_account_one",
     "associates": "Two friends from the youth club; an older cousin",
     "places": "Town centre shopping arcade; the park by the canal",
     "medical_needs": "Asthma: carries an inhaler"},
    {"height": "170 cm", "build": "Medium", "hair": "Short, black", "eyes": "Brown",
     "distinguishing_features": "Tattoo of a star on the left wrist",
     "usual_clothing": "Grey tracksuit, football shirt",
     "phone_numbers": "07700 900002", "social_media": "Video app: @demo_account_two",
     "associates": "Adults seen with him near the station (see intelligence)",
     "places": "Railway station; fast food outlets on the high street",
     "medical_needs": "None known"},
    {"height": "160 cm", "build": "Slight", "hair": "Shoulder length, dyed red", "eyes": "Blue",
     "distinguishing_features": "Wears glasses", "usual_clothing": "School uniform or a denim jacket",
     "phone_numbers": "07700 900003", "social_media": "None known",
     "associates": "Her former foster carer's family", "places": "The seaside town she lived in before",
     "medical_needs": "Type 1 diabetes: needs insulin twice a day"},
]
POSITIONS = [
    ("Phone switched off since last night. Friend says she was at the arcade at 18:00.",
     "Police checking CCTV at the arcade; carer visiting friends' addresses."),
    ("Sighting reported near the station at 07:30 by a member of staff.",
     "Transport police told; social worker calling the cousin."),
]


def demo_photo(colour):
    """A small one-colour PNG: a placeholder photo, so the screens and the PDF show one."""
    width = height = 48

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    rows = b"".join(b"\x00" + bytes(colour) * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


def demo_profiles_updates_and_meeting(*, authority, mash, kids, now):
    looked_after = [k for k in kids if k.legal_status == LegalStatus.LOOKED_AFTER][: len(DESCRIPTIONS)]
    for index, (child, fields) in enumerate(zip(looked_after, DESCRIPTIONS)):
        photo = SimpleUploadedFile(f"photo{index}.png", demo_photo((90 + 40 * index, 120, 150)), "image/png")
        profile = profile_save(actor=mash, child=child, photo=photo, **fields)
        if index == len(looked_after) - 1:
            # One profile left unreviewed for four months: N8 shows it out of date.
            MissingPersonProfile.objects.filter(pk=profile.pk).update(last_reviewed_at=now - timedelta(days=120))
            clock_reconcile(subject_type=PROFILE, subject_id=profile.pk)
    missing_now = MissingEpisode.objects.filter(child__authority=authority, returned_at__isnull=True).select_related(
        "child"
    )
    for episode, (position, actions) in zip(missing_now, POSITIONS):
        missing_update_create(actor=mash, child=episode.child, position=position, actions_to_locate=actions)
    agenda = daily_meeting_agenda(authority.pk, local_date(now), now=now)
    discussed = agenda["candidates"][:2] or [e.child for e in missing_now[:1]]
    outcomes = [DailyRiskOutcome.STRATEGY_MEETING, DailyRiskOutcome.AGENCY_ACTIONS]
    for child, outcome in zip(discussed, outcomes):
        daily_discussion_record(
            actor=mash, authority=authority, held_on=local_date(now), child=child, outcome=outcome,
            decision="Discussed with police and health; the allocated social worker leads. Review tomorrow.",
        )
