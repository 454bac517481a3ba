"""The profile's photo: a JPEG or PNG, checked by content and size (casework.files), kept under
MISSING_PHOTO_ROOT (by default under the files the product keeps and backs up, never served
directly) and sent only through the profile's permission check."""

import base64

from django.conf import settings

from casework.files import JPEG, PNG, private_storage, upload_check, upload_store

PHOTO_ACCEPTED = {".jpg": JPEG, ".jpeg": JPEG, ".png": PNG}
PHOTO_ACCEPTED_TEXT = "JPEG or PNG image"


def photo_storage():
    return private_storage(str(settings.MISSING_PHOTO_ROOT))


def photo_check(upload, *, field="photo"):
    return upload_check(
        upload, accepted=PHOTO_ACCEPTED, accepted_text=PHOTO_ACCEPTED_TEXT,
        max_bytes=settings.MISSING_PHOTO_MAX_BYTES, field=field,
    )


def photo_store(upload, *, child_id):
    return upload_store(upload, storage=photo_storage(), folder=str(child_id))


def photo_delete(stored_name):
    if stored_name:
        photo_storage().delete(stored_name)


def photo_open(profile):
    return photo_storage().open(profile.photo_stored_name, "rb")


def photo_data_uri(profile):
    """The photo inline, for the PDF (WeasyPrint fetches nothing from the web)."""
    if not profile.has_photo:
        return ""
    with photo_open(profile) as handle:
        encoded = base64.b64encode(handle.read()).decode("ascii")
    return f"data:{profile.photo_content_type};base64,{encoded}"
