"""Amazon's paths, mounted at /vendor/ (no trailing slashes, as Amazon's clients call them)."""

from django.urls import path

from . import invoices, shipment_views, views

urlpatterns = [
    path("orders/v1/purchaseOrders", views.PurchaseOrderListView.as_view(), name="amazon-purchase-orders"),
    path("orders/v1/purchaseOrders/<str:purchaseOrderNumber>", views.PurchaseOrderDetailView.as_view(), name="amazon-purchase-order"),
    path("orders/v1/acknowledgements", views.AcknowledgementSubmitView.as_view(), name="amazon-acknowledgements"),
    path("orders/v1/purchaseOrdersStatus", views.PurchaseOrderStatusListView.as_view(), name="amazon-purchase-orders-status"),
    path("shipping/v1/shipmentConfirmations", shipment_views.ShipmentConfirmationSubmitView.as_view(), name="amazon-shipment-confirmations"),
    path("shipping/v1/shipments", shipment_views.ShipmentListView.as_view(), name="amazon-shipments"),
    path("shipping/v1/transportLabels", shipment_views.TransportLabelListView.as_view(), name="amazon-transport-labels"),
    path("transactions/v1/transactions/<str:transactionId>", views.TransactionDetailView.as_view(), name="amazon-transaction"),
    path("payments/v1/invoices", invoices.SubmitInvoicesView.as_view(), name="amazon-invoices"),
]
