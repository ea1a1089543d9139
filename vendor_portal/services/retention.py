"""Stored uploads kept no longer than needed.

- `file_bytes_purge(rows, *, action)` — empty the `content` of each row of `rows` (a queryset of a model with a
  binary `content`), one audited change each; returns how many.
"""

from django.db import transaction

from vendor_portal.services.audit import Actor, audit_record


def file_bytes_purge(rows, *, action: str) -> int:
    """The rows keep what became of their file (its name, outcome, errors); only the bytes go. Callers choose
    which rows are done with, by the rules of their kind of file."""
    purged = 0
    for row in rows.exclude(content=b"").defer("content").iterator():
        with transaction.atomic():
            type(row).objects.filter(pk=row.pk).update(content=b"")
            audit_record(actor=Actor.system(), action=action, obj=row, after={"file_name": str(row)})
        purged += 1
    return purged
