"""Celery beat entry point (schedule: settings.CELERY_BEAT_SCHEDULE). Idempotent: each promotion is
locked and its state checked again before it is ended, so a retry or a second run never acts twice."""

from celery import shared_task
from django.db import OperationalError

from vendor_portal.tasks_lock import single_run

from .services.promotions import promotions_end_due

RETRY = {"acks_late": True, "autoretry_for": (OperationalError,), "retry_backoff": True, "max_retries": 5}


@shared_task(**RETRY)
@single_run(ttl=60 * 60)
def end_finished_promotions() -> int:
    """Shared and confirmed promotions whose last day has passed become ended."""
    return promotions_end_due()
