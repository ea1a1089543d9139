"""Celery beat entry points for the confirmation deadlines (schedule: settings.CELERY_BEAT_SCHEDULE).

Both are idempotent: each PO is claimed in its own transaction (compare-and-set on the reminder, a
locked state check on the cancellation), so a retry or a second beat run never acts twice.
"""

from celery import shared_task
from django.db import OperationalError

from vendor_portal.tasks_lock import single_run

from .services.deadlines import purchase_orders_cancel_unconfirmed, purchase_orders_send_confirmation_reminders

RETRY = {"acks_late": True, "autoretry_for": (OperationalError,), "retry_backoff": True, "max_retries": 5}


@shared_task(**RETRY)
@single_run(ttl=15 * 60)
def send_confirmation_reminders() -> int:
    """Remind vendors' admins and ops of POs whose confirmation is due within 12 hours."""
    return purchase_orders_send_confirmation_reminders()


@shared_task(**RETRY)
@single_run(ttl=60 * 60)
def cancel_unconfirmed_purchase_orders() -> int:
    """Cancel POs still unconfirmed after their ship window closed, and tell the vendor."""
    return purchase_orders_cancel_unconfirmed()
