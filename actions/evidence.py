"""Evidence files: which kinds are accepted, how big, and where they are kept.

A file is accepted by what its first bytes are, not by the name or the type the browser claims:
its extension must be one we take and its content must start as that kind of file does. Files are
kept under ACTION_EVIDENCE_ROOT (outside the static files and any web root, `var/evidence` by
default) under a name of our making, and are only ever sent through the action's permission check.
"""

import hashlib
import uuid
from functools import lru_cache
from pathlib import PurePath

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.storage import FileSystemStorage
from django.template.defaultfilters import filesizeformat

_ZIP = b"PK\x03\x04"

# extension: (content type, how the file must begin, words for the error message)
ACCEPTED = {
    ".pdf": ("application/pdf", (b"%PDF-",), "PDF"),
    ".png": ("image/png", (b"\x89PNG\r\n\x1a\n",), "PNG image"),
    ".jpg": ("image/jpeg", (b"\xff\xd8\xff",), "JPEG image"),
    ".jpeg": ("image/jpeg", (b"\xff\xd8\xff",), "JPEG image"),
    ".docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", (_ZIP,), "Word document"),
    ".odt": ("application/vnd.oasis.opendocument.text", (_ZIP,), "OpenDocument text"),
    ".txt": ("text/plain; charset=utf-8", None, "plain text"),
}
ACCEPTED_TEXT = "PDF, PNG, JPEG, Word (.docx), OpenDocument text (.odt) or plain text (.txt)"


@lru_cache(maxsize=1)
def _storage(location):
    return FileSystemStorage(location=location, base_url=None, file_permissions_mode=0o600,
                             directory_permissions_mode=0o700)


def evidence_storage():
    return _storage(str(settings.ACTION_EVIDENCE_ROOT))


def _is_text(head):
    if b"\x00" in head:
        return False
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as error:
        # A multi-byte character cut by the end of the sample is still text.
        return error.start >= len(head) - 3
    return True


def evidence_check(upload, *, field="evidence"):
    """The content type of an acceptable upload; a ValidationError on `field` otherwise. Reads only
    the head of the file and its size: nothing is written."""
    name = PurePath(upload.name or "").name
    extension = PurePath(name).suffix.lower()
    limit = settings.ACTION_EVIDENCE_MAX_BYTES
    if upload.size is None or upload.size == 0:
        raise ValidationError({field: ["The file is empty."]})
    if upload.size > limit:
        raise ValidationError({field: [f"The file must be smaller than {filesizeformat(limit + 1)}."]})
    if extension not in ACCEPTED:
        raise ValidationError({field: [f"The file must be a {ACCEPTED_TEXT}."]})
    content_type, signatures, words = ACCEPTED[extension]
    upload.seek(0)
    head = upload.read(2048)
    upload.seek(0)
    ok = _is_text(head) if signatures is None else any(head.startswith(s) for s in signatures)
    if not ok:
        raise ValidationError({field: [f"The file is not a {words}, whatever its name says."]})
    return content_type


def evidence_store(upload, *, action_id):
    """Write a checked upload; answers (stored name, sha256). Its name is ours, never the uploader's."""
    extension = PurePath(upload.name).suffix.lower()
    digest = hashlib.sha256()
    upload.seek(0)
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    stored = evidence_storage().save(f"{action_id}/{uuid.uuid4().hex}{extension}", upload)
    return stored, digest.hexdigest()


def evidence_delete(stored_name):
    evidence_storage().delete(stored_name)


def evidence_open(evidence):
    return evidence_storage().open(evidence.stored_name, "rb")


def safe_download_name(name):
    """The uploader's file name for the download, without path parts or characters a header mangles."""
    base = PurePath(name or "evidence").name
    cleaned = "".join(c if c.isalnum() or c in " ._-()" else "_" for c in base).strip() or "evidence"
    return cleaned[:150]
