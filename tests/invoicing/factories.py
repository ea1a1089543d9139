from decimal import Decimal

from purchase_orders.models import PurchaseOrderState
from tests.purchase_orders.factories import PurchaseOrderFactory, PurchaseOrderLineFactory


def shipped_po(vendor, *, lines=1, quantity=100, received=None, cost="10.00", number=None, **fields):
    """A PO whose lines were accepted and shipped in full; `received` units booked per line (None: all)."""
    state = PurchaseOrderState.RECEIVED if received is not None else PurchaseOrderState.SHIPPED
    if number:
        fields["number"] = number
    po = PurchaseOrderFactory(vendor=vendor, state=state, **fields)
    for sequence in range(1, lines + 1):
        PurchaseOrderLineFactory(
            purchase_order=po,
            sequence=sequence,
            ordered_quantity=quantity,
            accepted_quantity=quantity,
            shipped_quantity=quantity,
            received_quantity=quantity if received is None else received,
            net_cost=Decimal(cost),
        )
    return po
