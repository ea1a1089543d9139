"""Proves that every change made in a test left an audit row.

Changes made to arrange a test (factories, `audit_exempt()`) are not counted; everything a service,
view, API call or task changes must be audited in the same breath.
"""

import threading
from contextlib import contextmanager

from django.db.models.signals import post_save

OUR_APPS = {
    "vendor_portal",
    "purchase_orders",
    "shipments",
    "invoicing",
    "reconciliation",
    "edi",
    "amazon_api",
    "webhooks",
    "planning",
    "appointments",
    "catalogue",
}
# Rows that are themselves records of activity, not changes to business data.
NOT_AUDITED = {
    "vendor_portal.auditevent",
    "vendor_portal.notification",
    "vendor_portal.idempotencyrecord",
    "vendor_portal.job",
    "vendor_portal.document",
    "webhooks.webhookdelivery",
    "amazon_api.transaction",
}
EXTRA_NOT_AUDITED: set[str] = set()  # apps' own activity records (e.g. webhook deliveries) register here

_state = threading.local()


def _exempt_depth() -> int:
    return getattr(_state, "depth", 0)


@contextmanager
def audit_exempt():
    _state.depth = _exempt_depth() + 1
    try:
        yield
    finally:
        _state.depth -= 1


class AuditRecorder:
    def __init__(self):
        self.changed: list[tuple[str, str]] = []
        self.audited: set[tuple[str, str]] = set()

    def on_save(self, sender, instance, raw=False, **kwargs):
        label = sender._meta.label_lower
        if label == "vendor_portal.auditevent":
            self.audited.add((instance.object_type, instance.object_id))
            return
        if raw or _exempt_depth() or sender._meta.app_label not in OUR_APPS:
            return
        if label in NOT_AUDITED or label in EXTRA_NOT_AUDITED or sender._meta.auto_created:
            return
        self.changed.append((label, str(instance.pk)))

    def unaudited(self) -> list[tuple[str, str]]:
        return sorted({change for change in self.changed if change not in self.audited})

    def __enter__(self):
        post_save.connect(self.on_save, weak=False, dispatch_uid="audit-recorder")
        return self

    def __exit__(self, *exc):
        post_save.disconnect(dispatch_uid="audit-recorder")
