"""Evidence files: which kinds are accepted, how big, and where they are kept.

Checking and storing follow casework.files (accepted by content, not by name; a name of our
making). Files are kept under ACTION_EVIDENCE_ROOT (outside the static files and any web root,
`var/evidence` by default) and are only ever sent through the action's permission check.
"""

from functools import partial

from django.conf import settings

from casework.files import JPEG, PDF, PNG, TEXT, ZIP_SIGNATURE, FileKind, private_storage, upload_check, upload_store
from casework.files import safe_download_name as _safe_download_name

ACCEPTED = {
    ".pdf": PDF,
    ".png": PNG,
    ".jpg": JPEG,
    ".jpeg": JPEG,
    ".docx": FileKind(
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document", (ZIP_SIGNATURE,), "Word document"
    ),
    ".odt": FileKind("application/vnd.oasis.opendocument.text", (ZIP_SIGNATURE,), "OpenDocument text"),
    ".txt": TEXT,
}
ACCEPTED_TEXT = "PDF, PNG, JPEG, Word (.docx), OpenDocument text (.odt) or plain text (.txt)"

safe_download_name = partial(_safe_download_name, default="evidence")


def evidence_storage():
    return private_storage(str(settings.ACTION_EVIDENCE_ROOT))


def evidence_check(upload, *, field="evidence"):
    """The content type of an acceptable upload; a ValidationError on `field` otherwise."""
    return upload_check(
        upload, accepted=ACCEPTED, accepted_text=ACCEPTED_TEXT, max_bytes=settings.ACTION_EVIDENCE_MAX_BYTES,
        field=field,
    )


def evidence_store(upload, *, action_id):
    """Write a checked upload; answers (stored name, sha256)."""
    return upload_store(upload, storage=evidence_storage(), folder=str(action_id))


def evidence_delete(stored_name):
    evidence_storage().delete(stored_name)


def evidence_open(evidence):
    return evidence_storage().open(evidence.stored_name, "rb")
