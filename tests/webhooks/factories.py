import factory
from django.utils import timezone

from tests.factories import ArrangeFactory, VendorFactory
from webhooks.models import WebhookDelivery, WebhookEvent, WebhookSubscription


class WebhookSubscriptionFactory(ArrangeFactory):
    class Meta:
        model = WebhookSubscription

    vendor = factory.SubFactory(VendorFactory)
    url = factory.Sequence(lambda n: f"https://erp{n}.example.com/portal-webhooks")
    events = factory.LazyFunction(lambda: list(WebhookEvent.values))
    secret = factory.Sequence(lambda n: f"whsec_test-secret-{n:04d}")
    secret_set_at = factory.LazyFunction(timezone.now)
    description = "ERP"


class WebhookDeliveryFactory(ArrangeFactory):
    class Meta:
        model = WebhookDelivery

    subscription = factory.SubFactory(WebhookSubscriptionFactory)
    vendor = factory.LazyAttribute(lambda o: o.subscription.vendor)
    event = WebhookEvent.PURCHASE_ORDER_CREATED
    payload = factory.LazyAttribute(lambda o: {"event": o.event, "data": {}})
    status = "failed"
    attempts = 6
    response_status_code = 500
    last_error = "HTTP 500"
