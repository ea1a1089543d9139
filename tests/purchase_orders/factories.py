import datetime
from decimal import Decimal

import factory
from django.utils import timezone

from purchase_orders.models import PurchaseOrder, PurchaseOrderLine, PurchaseOrderState
from tests.factories import ArrangeFactory, ProductFactory, VendorFactory, WarehouseFactory, marketplace


class PurchaseOrderFactory(ArrangeFactory):
    class Meta:
        model = PurchaseOrder

    vendor = factory.SubFactory(VendorFactory)
    marketplace = factory.LazyFunction(lambda: marketplace("US"))
    number = factory.Sequence(lambda n: f"PO{n:08d}")
    order_date = factory.LazyFunction(timezone.now)
    state = PurchaseOrderState.NEW
    state_changed_at = factory.LazyFunction(timezone.now)
    ship_to = factory.LazyAttribute(lambda o: WarehouseFactory(code="ABE2", marketplace=o.marketplace))
    ship_window_start = factory.LazyFunction(lambda: timezone.now() + datetime.timedelta(days=2))
    ship_window_end = factory.LazyFunction(lambda: timezone.now() + datetime.timedelta(days=9))
    delivery_window_start = factory.LazyFunction(lambda: timezone.now() + datetime.timedelta(days=5))
    delivery_window_end = factory.LazyFunction(lambda: timezone.now() + datetime.timedelta(days=16))
    currency = factory.LazyAttribute(lambda o: o.marketplace.currency)
    confirmation_due_at = factory.LazyFunction(lambda: timezone.now() + datetime.timedelta(hours=48))


class PurchaseOrderLineFactory(ArrangeFactory):
    class Meta:
        model = PurchaseOrderLine

    purchase_order = factory.SubFactory(PurchaseOrderFactory)
    sequence = factory.Sequence(lambda n: n + 1)
    product = factory.LazyAttribute(lambda o: ProductFactory(vendor=o.purchase_order.vendor, case_pack=6, minimum_order_quantity=6))
    asin = factory.LazyAttribute(lambda o: o.product.asin)
    vendor_sku = factory.LazyAttribute(lambda o: o.product.vendor_sku)
    title = factory.LazyAttribute(lambda o: o.product.title)
    ordered_quantity = 60
    net_cost = Decimal("10.00")
    list_price = Decimal("19.99")
    backorder_allowed = True


def purchase_order_with_lines(vendor, lines=2, quantity=60, **fields) -> PurchaseOrder:
    po = PurchaseOrderFactory(vendor=vendor, **fields)
    for sequence in range(1, lines + 1):
        PurchaseOrderLineFactory(purchase_order=po, sequence=sequence, ordered_quantity=quantity)
    return po
