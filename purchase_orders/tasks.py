from celery import shared_task

from . import services


@shared_task(acks_late=True)
def send_confirmation_reminders() -> int:
    return services.purchase_orders_send_confirmation_reminders()


@shared_task(acks_late=True)
def cancel_unconfirmed_purchase_orders() -> int:
    return services.purchase_orders_cancel_unconfirmed()
