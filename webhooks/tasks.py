from celery import shared_task

from vendor_portal.tasks_lock import single_run

from . import services


@shared_task(acks_late=True)
def deliver_webhook(delivery_id: int) -> str | None:
    delivery = services.webhook_delivery_attempt(delivery_id=delivery_id)
    return delivery.status if delivery is not None else None


@shared_task(acks_late=True)
@single_run(ttl=5 * 60)
def deliver_due_webhooks() -> int:
    """Beat job: queue the retries that are due and the attempts whose worker died."""
    due = services.webhook_deliveries_due()
    for delivery_id in due:
        deliver_webhook.delay(delivery_id)
    return len(due)
