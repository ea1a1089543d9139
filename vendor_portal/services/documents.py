"""Generated documents and uploads stored as the vendor's Document under a deterministic key.

- `document_store(*, vendor, kind, key, title, target, content=None, source_path=None, ...)` — store a
  finished file (bytes or a file on disk), replacing the file of the same (vendor, kind, key) in place.
"""

from __future__ import annotations

import hashlib
import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from django.core.files.base import ContentFile, File
from django.core.files.storage import FileSystemStorage
from django.db import connection, transaction
from django.utils import timezone

from vendor_portal.models import Document

CHUNK_BYTES = 1 << 20


def _chunks(*, content: bytes | None, source_path: str | None) -> Iterator[bytes]:
    if content is not None:
        yield content
        return
    with open(source_path, "rb") as source:
        yield from iter(lambda: source.read(CHUNK_BYTES), b"")


@contextmanager
def _upload(*, content: bytes | None, source_path: str | None) -> Iterator[File]:
    if content is not None:
        yield ContentFile(content)
        return
    with open(source_path, "rb") as source:
        yield File(source)


def _write_beside(final_path: str, chunks: Iterator[bytes]) -> None:
    """Write the new file beside the old one, then rename it over: a reader sees the old file or the new
    one, never a half-written one, and a failure while writing leaves the old file as it was."""
    os.makedirs(os.path.dirname(final_path), exist_ok=True)
    partial = f"{final_path}.{uuid.uuid4().hex}.partial"
    try:
        with open(partial, "wb") as handle:
            for chunk in chunks:
                handle.write(chunk)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(partial, final_path)
    except BaseException:
        if os.path.exists(partial):
            os.remove(partial)
        raise


def document_store(
    *,
    vendor,
    kind: str,
    key: str,
    title: str,
    target,
    content: bytes | None = None,
    source_path: str | None = None,
    content_type: str = "application/pdf",
    uploaded_by=None,
) -> Document:
    """Store a finished file, given as `content` (bytes) or `source_path`, under (vendor, kind, key).

    One Document per key: a second store replaces the file and the row in place (same pk, same download
    URL), its `created_at` moved to now so "stored before the last change" checks see the new file."""
    if (content is None) == (source_path is None):
        raise TypeError("document_store takes either content or source_path")
    digest, size = hashlib.sha256(), 0
    for chunk in _chunks(content=content, source_path=source_path):
        digest.update(chunk)
        size += len(chunk)
    with transaction.atomic():
        with connection.cursor() as cursor:  # the first two stores of a key would find no row to lock
            cursor.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", [f"document:{getattr(vendor, 'pk', None)}:{kind}:{key}"])
        document = Document.objects.select_for_update().filter(vendor=vendor, kind=kind, key=key).first()
        if document is None:
            document = Document(vendor=vendor, kind=kind, key=key)
        else:
            document.created_at = timezone.now()
        field = document._meta.get_field("file")
        name = field.generate_filename(document, os.path.basename(key))
        storage = field.storage
        if isinstance(storage, FileSystemStorage):
            _write_beside(storage.path(name), _chunks(content=content, source_path=source_path))
            document.file.name = name
        else:
            # Object storage (file_overwrite) replaces the object whole with one PUT over the key: a reader gets the
            # old file or the new one. A storage that would pick another name instead loses the old file first.
            if not getattr(storage, "file_overwrite", False):
                storage.delete(name)
            with _upload(content=content, source_path=source_path) as upload:
                upload.content_type = content_type  # S3Storage stores it as the object's Content-Type
                document.file.name = storage.save(name, upload, max_length=field.max_length)
        document.title = title[:200]
        document.content_type = content_type
        document.size = size
        document.sha256 = digest.hexdigest()
        document.target_type = target._meta.label_lower
        document.target_id = str(target.pk)
        document.uploaded_by = uploaded_by
        document.save()
    return document
