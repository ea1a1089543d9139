"""Vendor A's objects behind the Amazon-compatible door, for the every-route tenancy walk."""

from amazon_api.models import Transaction, TransactionKind
from tests.audit_check import audit_exempt
from tests.purchase_orders.factories import purchase_order_with_lines


def build(world, vendor):
    po = purchase_order_with_lines(vendor, lines=2, number="ACMESECRETAMZ1")
    world["amazon_purchase_order"] = po
    with audit_exempt():
        world["amazon_transaction"] = Transaction.objects.create(
            vendor=vendor,
            kind=TransactionKind.ORDER_ACKNOWLEDGEMENT,
            payload={"acknowledgements": [{"purchaseOrderNumber": po.number}]},
            status="Failure",
            errors=[{"code": "InvalidInput", "message": f"Purchase order {po.number}: ACME-SECRET line", "details": "rule=x"}],
        )


URL_KWARGS = {
    "amazon-purchase-order": lambda world: {"purchaseOrderNumber": world["amazon_purchase_order"].number},
    "amazon-transaction": lambda world: {"transactionId": str(world["amazon_transaction"].pk)},
}
