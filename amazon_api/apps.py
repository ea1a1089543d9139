from django.apps import AppConfig


class AmazonApiConfig(AppConfig):
    """The Amazon-compatible vendor door: SP-API paths and shapes over the portal's own services."""

    name = "amazon_api"
    verbose_name = "Amazon-compatible API"

    def ready(self):
        from vendor_portal.error_views import register_error_renderer
        from vendor_portal.roles import Action

        from . import invoices
        from .acknowledgements import ITEMS_KEY, apply_order_acknowledgement
        from .errors import amazon_error_response
        from .models import TransactionKind
        from .schema import PREFIXES
        from .services import register_transaction_handler
        from .shipments.submissions import CONFIRMATIONS_KEY, SHIPMENTS_KEY, VENDOR_SHIPMENTS, apply_shipment, apply_shipment_confirmation

        register_transaction_handler(
            TransactionKind.ORDER_ACKNOWLEDGEMENT, apply_order_acknowledgement, items_key=ITEMS_KEY, read_action=Action.VIEW_PURCHASE_ORDERS
        )
        register_transaction_handler(
            TransactionKind.SHIPMENT_CONFIRMATION, apply_shipment_confirmation, items_key=CONFIRMATIONS_KEY, read_action=Action.VIEW_SHIPMENTS
        )
        register_transaction_handler(TransactionKind.SHIPMENT, apply_shipment, items_key=SHIPMENTS_KEY, read_action=Action.VIEW_SHIPMENTS)
        register_transaction_handler(TransactionKind.INVOICE, invoices.apply_invoice, items_key=invoices.ITEMS_KEY, read_action=Action.VIEW_INVOICES)
        # Django's own errors under the door's paths (unknown path, unknown host, a crash) in Amazon's shape too.
        register_error_renderer("/vendor/", amazon_error_response)
        # The shipping model's definitions become components of /api/schema/ like the orders model's.
        PREFIXES.setdefault(VENDOR_SHIPMENTS, "VendorShipments")
