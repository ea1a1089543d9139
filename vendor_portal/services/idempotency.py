"""Idempotency-Key records: the first answer to an API write, replayed on retries; kept for retries, not for ever.

- `idempotency_claim(*, vendor, principal, key, method, path, request_hash)` — the key's record: a new (or taken
  over) one with no answer yet, which the caller fills in, or the answered one to replay. Refuses a key already
  used for another request (422) and one whose request is still running (409).
- `idempotency_records_expire(*, older_than)` — delete the records made before `older_than` ago; returns how many.
"""

import datetime

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from vendor_portal.errors import ConflictError, IdempotencyKeyReused
from vendor_portal.models import IdempotencyRecord


def idempotency_claim(*, vendor, principal: str, key: str, method: str, path: str, request_hash: str) -> IdempotencyRecord:
    """A request whose process died (killed, out of memory, a lost server) never answers and never frees its key.
    Once it has been running longer than any request can (IDEMPOTENCY_IN_FLIGHT_SECONDS, above the server's
    timeout), it is deemed abandoned: the retry takes its key over and runs."""
    for _attempt in range(2):  # the holder may free the key (a 5xx) between our insert and our read
        try:
            with transaction.atomic():
                return IdempotencyRecord.objects.create(
                    vendor=vendor, principal=principal, key=key, method=method, path=path, request_hash=request_hash
                )
        except IntegrityError:
            pass
        with transaction.atomic():
            record = IdempotencyRecord.objects.select_for_update().filter(principal=principal, key=key).first()
            if record is None:
                continue
            if record.request_hash != request_hash:
                raise IdempotencyKeyReused(field="Idempotency-Key")
            if record.response_status is not None:
                return record
            now = timezone.now()
            if record.created_at > now - datetime.timedelta(seconds=settings.IDEMPOTENCY_IN_FLIGHT_SECONDS):
                raise ConflictError(_("A request with this Idempotency-Key is still being processed."))
            IdempotencyRecord.objects.filter(pk=record.pk).update(created_at=now)
            record.created_at = now
            return record
    raise ConflictError(_("A request with this Idempotency-Key is still being processed."))


def idempotency_records_expire(*, older_than: datetime.timedelta) -> int:
    """A retry comes within minutes; a day later the key is free again and the stored answer is gone. Nothing to
    audit: the records are the API's own bookkeeping, not the vendor's data."""
    deleted, _by_model = IdempotencyRecord.objects.filter(created_at__lt=timezone.now() - older_than).delete()
    return deleted
