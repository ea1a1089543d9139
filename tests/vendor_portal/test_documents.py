import hashlib
import os
from pathlib import Path

import pytest

from vendor_portal.models import Document
from vendor_portal.services import documents
from vendor_portal.services.documents import document_store

pytestmark = pytest.mark.django_db

KEY = "reports/7/report-7.pdf"


@pytest.fixture(autouse=True)
def private_media_root(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")


def store(vendor, **kwargs):
    return document_store(vendor=vendor, kind="report", key=KEY, title="Report 7", target=vendor, **kwargs)


def leftovers(document) -> list[str]:
    return [name for name in os.listdir(Path(document.file.path).parent) if name.endswith(".partial")]


def test_storing_bytes_records_hash_size_target_and_the_deterministic_name(vendor, vendor_user):
    document = store(vendor, content=b"%PDF-first", uploaded_by=vendor_user)
    document.refresh_from_db()
    assert document.file.name == f"documents/{vendor.pk}/report/{KEY}"
    assert Path(document.file.path).read_bytes() == b"%PDF-first"
    assert (document.size, document.sha256) == (10, hashlib.sha256(b"%PDF-first").hexdigest())
    assert (document.title, document.content_type, document.uploaded_by) == ("Report 7", "application/pdf", vendor_user)
    assert (document.target_type, document.target_id) == ("vendor_portal.vendor", str(vendor.pk))


def test_replacing_keeps_one_document_per_key_with_the_new_file(vendor, tmp_path):
    first = store(vendor, content=b"old contents")
    source = tmp_path / "new.csv"
    source.write_bytes(b"new contents, longer")
    second = store(vendor, source_path=str(source), content_type="text/csv")
    assert second.pk == first.pk and Document.objects.filter(vendor=vendor, kind="report", key=KEY).count() == 1
    second.refresh_from_db()
    assert Path(second.file.path).read_bytes() == b"new contents, longer"
    assert (second.size, second.sha256, second.content_type) == (20, hashlib.sha256(b"new contents, longer").hexdigest(), "text/csv")
    assert second.created_at > first.created_at  # "stored before the last change" checks see the new file
    assert leftovers(second) == []


def test_another_vendor_or_kind_gets_its_own_document(vendor, other_vendor):
    store(vendor, content=b"a")
    store(other_vendor, content=b"b")
    document_store(vendor=vendor, kind="other", key=KEY, title="Other", target=vendor, content=b"c")
    assert Document.objects.filter(key=KEY).count() == 3


@pytest.mark.parametrize("failing", ["fsync", "replace"])
def test_a_failure_while_writing_leaves_the_old_file_and_row_intact(vendor, monkeypatch, failing):
    old = store(vendor, content=b"old contents")

    def fail(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(documents.os, failing, fail)
    with pytest.raises(OSError, match="disk full"):
        store(vendor, content=b"new contents")
    monkeypatch.undo()
    kept = Document.objects.get(vendor=vendor, kind="report", key=KEY)
    assert (kept.pk, kept.sha256) == (old.pk, old.sha256)
    assert Path(kept.file.path).read_bytes() == b"old contents"
    assert leftovers(kept) == []


def test_storage_off_the_filesystem_replaces_the_file_under_the_same_name(vendor, settings):
    settings.STORAGES = {**settings.STORAGES, "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"}}
    first = store(vendor, content=b"old contents")
    second = store(vendor, content=b"new contents")
    assert second.pk == first.pk and second.file.name == first.file.name == f"documents/{vendor.pk}/report/{KEY}"
    with second.file.storage.open(second.file.name) as handle:
        assert handle.read() == b"new contents"


def test_content_or_a_source_path_but_not_both(vendor, tmp_path):
    with pytest.raises(TypeError):
        store(vendor)
    with pytest.raises(TypeError):
        store(vendor, content=b"x", source_path=str(tmp_path / "x"))
