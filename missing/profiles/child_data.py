"""The profile, the missing-child updates and the daily meeting's discussions in subject access
exports and in retention (missing.child_data): what is shown is what is removed."""

from django.db import transaction

from ..child_data import THIRD_PARTY, ChildDataPart, _delete_with_history, fields_of, register_child_data_part
from ..models import DailyRiskDiscussion, MissingChildUpdate, MissingPersonProfile
from .photos import photo_delete

PHOTO_FIELDS = ("photo_stored_name", "photo_sha256")


def _profile(child):
    records = []
    for profile in MissingPersonProfile.objects.filter(child=child).select_related(
        "last_reviewed_by", "photo_uploaded_by"
    ):
        record = fields_of(profile, exclude=PHOTO_FIELDS, review={"associates": THIRD_PARTY})
        records.append(record)
    return records


def _erase_profile(child):
    profiles = MissingPersonProfile.objects.filter(child=child)
    photos = [name for name in profiles.values_list("photo_stored_name", flat=True) if name]
    _delete_with_history(MissingPersonProfile, profiles)
    for name in photos:
        transaction.on_commit(lambda name=name: photo_delete(name))


def _updates(child):
    return [
        fields_of(u, exclude=("episode",), review={"position": THIRD_PARTY, "actions_to_locate": THIRD_PARTY})
        for u in MissingChildUpdate.objects.filter(child=child).select_related("written_by").order_by("written_at")
    ]


def _erase_updates(child):
    MissingChildUpdate.objects.filter(child=child).delete()


def _discussions(child):
    return [
        fields_of(d, review={"decision": THIRD_PARTY})
        for d in DailyRiskDiscussion.objects.filter(child=child).select_related("meeting", "recorded_by")
    ]


def _erase_discussions(child):
    DailyRiskDiscussion.objects.filter(child=child).delete()


def register_parts():
    register_child_data_part(
        ChildDataPart("missing_profile", "Missing person profile", 15, _profile, erase=_erase_profile)
    )
    register_child_data_part(
        ChildDataPart("missing_updates", "Missing-child updates", 16, _updates, erase=_erase_updates)
    )
    register_child_data_part(
        ChildDataPart("daily_risk_discussions", "Daily risk management meetings", 17, _discussions,
                      erase=_erase_discussions)
    )
