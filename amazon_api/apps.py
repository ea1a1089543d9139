from django.apps import AppConfig


class AmazonApiConfig(AppConfig):
    """The Amazon-compatible vendor door: SP-API paths and shapes over the portal's own services."""

    name = "amazon_api"
    verbose_name = "Amazon-compatible API"

    def ready(self):
        from vendor_portal.roles import Action

        from .acknowledgements import ITEMS_KEY, apply_order_acknowledgement
        from .models import TransactionKind
        from .services import register_transaction_handler

        register_transaction_handler(
            TransactionKind.ORDER_ACKNOWLEDGEMENT, apply_order_acknowledgement, items_key=ITEMS_KEY, read_action=Action.VIEW_PURCHASE_ORDERS
        )
