"""Celery entry points of the compliance programme (beat: see settings CELERY_BEAT_SCHEDULE)."""

import datetime

from celery import shared_task
from django.db import OperationalError
from django.utils import timezone

from vendor_portal.services.audit import Actor
from vendor_portal.tasks_lock import single_run


@shared_task(acks_late=True, autoretry_for=(OperationalError,), retry_backoff=True, max_retries=3)
@single_run(ttl=3 * 60 * 60)
def evaluate_last_week() -> dict:
    """Monday: judge the week that has just ended. Idempotent: a second run raises nothing new."""
    from .services.evaluation import compliance_evaluate_week

    week = timezone.now().astimezone(datetime.UTC).date() - datetime.timedelta(days=7)  # the scorecard's weeks are UTC
    return compliance_evaluate_week(week=week, actor=Actor.system()).as_dict()


@shared_task(acks_late=True, autoretry_for=(OperationalError,), retry_backoff=True, max_retries=3)
@single_run(ttl=60 * 60)
def send_forecast_alerts() -> int:
    from .services.forecast import forecast_alerts_send

    return forecast_alerts_send()
