from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PurchaseOrdersConfig(AppConfig):
    name = "purchase_orders"
    verbose_name = _("Purchase orders")
