"""Webhook objects of vendor A for the every-route tenancy walk (tests/vendor_portal/test_tenancy_walk.py)."""

from tests.webhooks.factories import WebhookDeliveryFactory, WebhookSubscriptionFactory


def build(world, vendor):
    world["webhook"] = WebhookSubscriptionFactory(vendor=vendor, url="https://acmesecret.example.com/hooks", description="ACME-SECRET ERP")
    world["webhook_delivery"] = WebhookDeliveryFactory(subscription=world["webhook"], payload={"data": {"purchase_order": "ACMESECRET1"}})


def _webhook(world):
    return {"pk": world["webhook"].pk}


def _delivery(world):
    return {"pk": world["webhook_delivery"].pk}


# URL name -> kwargs for vendor A's object. Add every webhook route that takes arguments.
URL_KWARGS: dict = {
    # The portal API (webhooks/api/urls.py)
    "webhook-detail": _webhook,
    "webhook-deliveries": _webhook,
    "webhook-rotate-secret": _webhook,
    "webhook-ping": _webhook,
    "webhook-delivery-detail": _delivery,
    "webhook-delivery-resend": _delivery,
    # The screens (webhooks/urls.py)
    "webhook_detail": _webhook,
    "webhook_set_active": _webhook,
    "webhook_rotate_secret": _webhook,
    "webhook_ping": _webhook,
    "webhook_delete": _webhook,
    "webhook_delivery_resend": _delivery,
}
