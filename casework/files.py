"""Files people upload and the product keeps: accepted by what they are, kept out of any web root.

A file is accepted by what its first bytes are, not by the name or the type the browser claims: its
extension must be one the caller takes and its content must begin as that kind of file does. Kept
files live in a private folder (outside the static files and any web root) under a name of our
making, readable only by the product's own user, and are only ever sent by a view that has checked
who may see them. The domain apps say which kinds they take, how big, and where (actions' evidence,
a missing child's photo); this module knows none of them.
"""

import hashlib
import uuid
from dataclasses import dataclass
from functools import lru_cache
from pathlib import PurePath

from django.core.exceptions import ValidationError
from django.core.files.storage import FileSystemStorage
from django.template.defaultfilters import filesizeformat

ZIP_SIGNATURE = b"PK\x03\x04"


@dataclass(frozen=True)
class FileKind:
    content_type: str
    signatures: tuple | None  # how the file must begin; None for plain text
    words: str  # for the error message: "PNG image"


PDF = FileKind("application/pdf", (b"%PDF-",), "PDF")
PNG = FileKind("image/png", (b"\x89PNG\r\n\x1a\n",), "PNG image")
JPEG = FileKind("image/jpeg", (b"\xff\xd8\xff",), "JPEG image")
TEXT = FileKind("text/plain; charset=utf-8", None, "plain text")


@lru_cache(maxsize=8)
def private_storage(location):
    """A storage under `location` (a path string) whose files and folders only the product reads."""
    return FileSystemStorage(location=location, base_url=None, file_permissions_mode=0o600,
                             directory_permissions_mode=0o700)


def _is_text(head):
    if b"\x00" in head:
        return False
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as error:
        # A multi-byte character cut by the end of the sample is still text.
        return error.start >= len(head) - 3
    return True


def upload_check(upload, *, accepted, accepted_text, max_bytes, field):
    """The content type of an acceptable upload; a ValidationError on `field` otherwise.

    `accepted` maps extensions (".png") to FileKinds. Reads only the head of the file and its size:
    nothing is written."""
    extension = PurePath(PurePath(upload.name or "").name).suffix.lower()
    if upload.size is None or upload.size == 0:
        raise ValidationError({field: ["The file is empty."]})
    if upload.size > max_bytes:
        raise ValidationError({field: [f"The file must be smaller than {filesizeformat(max_bytes + 1)}."]})
    if extension not in accepted:
        raise ValidationError({field: [f"The file must be a {accepted_text}."]})
    kind = accepted[extension]
    upload.seek(0)
    head = upload.read(2048)
    upload.seek(0)
    ok = _is_text(head) if kind.signatures is None else any(head.startswith(s) for s in kind.signatures)
    if not ok:
        raise ValidationError({field: [f"The file is not a {kind.words}, whatever its name says."]})
    return kind.content_type


def upload_store(upload, *, storage, folder):
    """Write a checked upload under `folder`; answers (stored name, sha256). The name is ours, never
    the uploader's."""
    extension = PurePath(upload.name).suffix.lower()
    digest = hashlib.sha256()
    upload.seek(0)
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    stored = storage.save(f"{folder}/{uuid.uuid4().hex}{extension}", upload)
    return stored, digest.hexdigest()


def safe_download_name(name, default="file"):
    """The uploader's file name for a download, without path parts or characters a header mangles."""
    base = PurePath(name or default).name
    cleaned = "".join(c if c.isalnum() or c in " ._-()" else "_" for c in base).strip() or default
    return cleaned[:150]
