from django.urls import path

from .einvoices import EInvoiceViewSet, InvoiceEInvoiceViewSet
from .views import InvoiceViewSet

urlpatterns = [
    path("invoices/", InvoiceViewSet.as_view({"get": "list", "post": "create"}), name="invoice-list"),
    path("invoices/preflight", InvoiceViewSet.as_view({"post": "preflight"}), name="invoice-preflight"),
    path("invoices/from-purchase-order", InvoiceViewSet.as_view({"post": "from_purchase_order"}), name="invoice-from-purchase-order"),
    path("invoices/from-shipment", InvoiceViewSet.as_view({"post": "from_shipment"}), name="invoice-from-shipment"),
    path("invoices/e-invoices/", EInvoiceViewSet.as_view({"post": "create"}), name="einvoice-list"),
    path("invoices/e-invoices/<int:pk>/", EInvoiceViewSet.as_view({"get": "retrieve"}), name="einvoice-detail"),
    path("invoices/<int:pk>/e-invoice/", InvoiceEInvoiceViewSet.as_view({"get": "retrieve"}), name="invoice-einvoice"),
    path("invoices/<int:pk>/", InvoiceViewSet.as_view({"get": "retrieve", "patch": "partial_update", "delete": "destroy"}), name="invoice-detail"),
    path("invoices/<int:pk>/back-to-draft", InvoiceViewSet.as_view({"post": "back_to_draft"}), name="invoice-back-to-draft"),
    path("invoices/<int:pk>/submit", InvoiceViewSet.as_view({"post": "submit"}), name="invoice-submit"),
    path("invoices/<int:pk>/approve", InvoiceViewSet.as_view({"post": "approve"}), name="invoice-approve"),
    path("invoices/<int:pk>/decision", InvoiceViewSet.as_view({"post": "decision"}), name="invoice-decision"),
    path("invoices/<int:pk>/credit-notes", InvoiceViewSet.as_view({"post": "credit_note"}), name="invoice-credit-note"),
    path("invoices/<int:pk>/document", InvoiceViewSet.as_view({"get": "document"}), name="invoice-document"),
]
