"""A finished file (labels, packing list) stored as the vendor's Document under its deterministic key."""

from __future__ import annotations

import hashlib
import os
import shutil
import uuid

from django.core.files import File
from django.core.files.storage import default_storage
from django.db import transaction

from vendor_portal.models import Document
from vendor_portal.models.jobs import document_upload_to


def document_store(
    *, vendor, kind: str, key: str, title: str, source_path: str, target, content_type: str = "application/pdf", uploaded_by=None
) -> Document:
    """Store a finished file under its deterministic key, replacing the previous one.

    On the filesystem the new file is written beside the old one and renamed over it, so a reader
    sees the old file or the new one, never a half-written one."""
    with open(source_path, "rb") as source:
        digest = hashlib.sha256()
        for chunk in iter(lambda: source.read(1 << 20), b""):
            digest.update(chunk)
    size = os.path.getsize(source_path)
    with transaction.atomic():
        document = Document.objects.select_for_update().filter(vendor=vendor, kind=kind, key=key).first()
        if document is None:
            document = Document(vendor=vendor, kind=kind, key=key)
        name = document_upload_to(document, os.path.basename(key))
        try:
            final_path = default_storage.path(name)
        except NotImplementedError:
            final_path = None
        if final_path is not None:
            os.makedirs(os.path.dirname(final_path), exist_ok=True)
            partial = f"{final_path}.{uuid.uuid4().hex}.partial"
            shutil.copyfile(source_path, partial)
            os.replace(partial, final_path)
            document.file.name = name
        else:
            default_storage.delete(name)
            with open(source_path, "rb") as source:
                document.file.name = default_storage.save(name, File(source))
        document.title = title[:200]
        document.content_type = content_type
        document.size = size
        document.sha256 = digest.hexdigest()
        document.target_type = target._meta.label_lower
        document.target_id = str(target.pk)
        document.uploaded_by = uploaded_by
        document.save()
    return document
