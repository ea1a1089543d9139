from django.urls import path

from .bulk_confirmations import PurchaseOrderBulkConfirmationView
from .views import PurchaseOrderUploadView, PurchaseOrderViewSet

purchase_orders = PurchaseOrderViewSet.as_view({"get": "list", "post": "create"})
purchase_order = PurchaseOrderViewSet.as_view({"get": "retrieve", "patch": "partial_update"})
confirmation = PurchaseOrderViewSet.as_view({"get": "confirmations", "post": "confirm"})
cancel = PurchaseOrderViewSet.as_view({"post": "cancel"})

urlpatterns = [
    path("purchase-orders/", purchase_orders, name="purchase-order-list"),
    path("purchase-orders/upload", PurchaseOrderUploadView.as_view(), name="purchase-order-upload"),
    path("purchase-orders/confirmations/bulk", PurchaseOrderBulkConfirmationView.as_view(), name="purchase-order-bulk-confirmation"),
    path("purchase-orders/<str:number>/", purchase_order, name="purchase-order-detail"),
    path("purchase-orders/<str:number>/confirmation", confirmation, name="purchase-order-confirmation"),
    path("purchase-orders/<str:number>/cancel", cancel, name="purchase-order-cancel"),
]
