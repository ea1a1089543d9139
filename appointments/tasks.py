"""Celery beat entry point (schedule: settings.CELERY_BEAT_SCHEDULE). Idempotent: each appointment is locked and
its state checked again before it is marked, so a retry or a second run never acts twice."""

from celery import shared_task
from django.db import OperationalError

from vendor_portal.tasks_lock import single_run

from .services.booking import appointments_mark_missed

RETRY = {"acks_late": True, "autoretry_for": (OperationalError,), "retry_backoff": True, "max_retries": 5}


@shared_task(**RETRY)
@single_run(ttl=10 * 60)
def mark_missed_appointments() -> int:
    """Confirmed appointments nobody came to become missed (a compliance event); unanswered requests whose slot began are refused."""
    return appointments_mark_missed()
