import datetime

from celery import shared_task
from django.db import InterfaceError, OperationalError

from vendor_portal.tasks_lock import single_run

from . import services


@shared_task(
    acks_late=True,
    autoretry_for=(OperationalError, InterfaceError),  # the database went away or a lock timed out: try again
    retry_backoff=True,
    retry_backoff_max=300,
    max_retries=5,
)
def apply_transaction(transaction_id: str) -> str | None:
    return services.transaction_apply(transaction_id=transaction_id)


@shared_task(acks_late=True)
@single_run(ttl=5 * 60)
def requeue_stale_transactions(older_than_minutes: int = 10) -> int:
    return services.transactions_requeue_stale(older_than=datetime.timedelta(minutes=older_than_minutes))
