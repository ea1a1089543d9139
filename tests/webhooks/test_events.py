"""Changes made through the services reach subscribers as webhook events, after the commit."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from purchase_orders.services.confirmations import LineConfirmation, purchase_order_acknowledge
from purchase_orders.services.orders import LineInput, PurchaseOrderInput, purchase_order_create
from tests.factories import ProductFactory, WarehouseFactory, marketplace, retailer_user
from tests.webhooks.factories import WebhookSubscriptionFactory
from vendor_portal.roles import Role
from vendor_portal.services.audit import Actor
from vendor_portal.tenancy import Scope
from webhooks.models import WebhookDelivery


@pytest.mark.django_db
def test_po_created_and_acknowledged_become_events_for_subscribers_only(vendor, other_vendor, django_capture_on_commit_callbacks):
    WebhookSubscriptionFactory(vendor=vendor, url="https://erp.acme.example/hooks", events=["purchase_order.created", "acknowledgement.processed"])
    WebhookSubscriptionFactory(vendor=other_vendor, url="https://erp.globex.example/hooks", events=["purchase_order.created"])
    us = marketplace("US")
    product = ProductFactory(vendor=vendor, case_pack=6, minimum_order_quantity=6)
    now = timezone.now()
    data = PurchaseOrderInput(
        vendor=vendor,
        marketplace=us,
        number="HOOK0001",
        ship_to=WarehouseFactory(code="ABE2", marketplace=us),
        ship_window_start=now + datetime.timedelta(days=2),
        ship_window_end=now + datetime.timedelta(days=9),
        lines=[LineInput(sequence=1, vendor_sku=product.vendor_sku, ordered_quantity=12, net_cost=Decimal("10.00"))],
    )
    with django_capture_on_commit_callbacks():
        purchase_order_create(data=data, actor=Actor(user=retailer_user(Role.BUYER)))
    created = WebhookDelivery.objects.get()
    assert created.vendor == vendor and created.event == "purchase_order.created"
    assert created.payload["data"]["reference"] == "HOOK0001" and created.payload["vendor"] == vendor.code

    with django_capture_on_commit_callbacks():
        purchase_order_acknowledge(
            scope=Scope(vendor=vendor, roles=frozenset({"vendor_ops"})),
            number="HOOK0001",
            lines=[LineConfirmation(sequence=1, accepted=12)],
            actor=Actor.system(),
        )
    ack = WebhookDelivery.objects.get(event="acknowledgement.processed")
    assert ack.payload["data"]["state"] == "acknowledged" and ack.payload["data"]["previous_state"] == "new"
    assert WebhookDelivery.objects.filter(vendor=other_vendor).count() == 0
