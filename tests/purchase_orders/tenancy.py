"""Purchase-order objects of vendor A for the every-route tenancy walk (tests/vendor_portal/test_tenancy_walk.py)."""

from tests.purchase_orders.factories import purchase_order_with_lines


def build(world, vendor):
    world["purchase_order"] = purchase_order_with_lines(vendor, lines=2, number="ACMESECRET1")


# URL name -> kwargs for vendor A's object. Add every purchase-order route that takes arguments.
URL_KWARGS: dict = {
    # The portal API (purchase_orders/api/urls.py)
    "purchase-order-detail": lambda w: {"number": w["purchase_order"].number},
    "purchase-order-confirmation": lambda w: {"number": w["purchase_order"].number},
    "purchase-order-cancel": lambda w: {"number": w["purchase_order"].number},
    # The HTML screens (purchase_orders/urls.py)
    "po_detail": lambda w: {"number": w["purchase_order"].number},
    "po_confirm": lambda w: {"number": w["purchase_order"].number},
    "po_confirmed": lambda w: {"number": w["purchase_order"].number},
    "po_change": lambda w: {"number": w["purchase_order"].number},
    "po_cancel": lambda w: {"number": w["purchase_order"].number},
}
