"""Idempotency-Key records: kept for retries, not for ever.

- `idempotency_records_expire(*, older_than)` — delete the records made before `older_than` ago; returns how many.
"""

import datetime

from django.utils import timezone

from vendor_portal.models import IdempotencyRecord


def idempotency_records_expire(*, older_than: datetime.timedelta) -> int:
    """A retry comes within minutes; a day later the key is free again and the stored answer is gone. Nothing to
    audit: the records are the API's own bookkeeping, not the vendor's data."""
    deleted, _by_model = IdempotencyRecord.objects.filter(created_at__lt=timezone.now() - older_than).delete()
    return deleted
