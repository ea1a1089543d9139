from django.urls import path

from . import einvoice_views, views

urlpatterns = [
    path("", views.invoice_list_view, name="invoice_list"),
    path("new/from-po/", views.invoice_new_from_po, name="invoice_new_from_po"),
    path("new/from-asn/", views.invoice_new_from_asn, name="invoice_new_from_asn"),
    path("<int:pk>/", views.invoice_detail_view, name="invoice_detail"),
    path("<int:pk>/edit/", views.invoice_edit, name="invoice_edit"),
    path("<int:pk>/submit/", views.invoice_submit_view, name="invoice_submit"),
    path("<int:pk>/back-to-draft/", views.invoice_return_to_draft_view, name="invoice_return_to_draft"),
    path("<int:pk>/credit-note/", views.invoice_credit_note_view, name="invoice_credit_note"),
    path("<int:pk>/delete/", views.invoice_delete_view, name="invoice_delete"),
    path("<int:pk>/decision/", views.invoice_decide_view, name="invoice_decide"),
    path("<int:pk>/pdf/", views.invoice_pdf, name="invoice_pdf"),
    path("<int:pk>/ubl/", views.invoice_ubl, name="invoice_ubl"),
    path("<int:pk>/factur-x/", einvoice_views.invoice_facturx_view, name="invoice_facturx"),
    path("e-invoices/upload/", einvoice_views.einvoice_upload_view, name="einvoice_upload"),
    path("e-invoices/<int:pk>/", einvoice_views.einvoice_receipt_view, name="einvoice_receipt"),
    path("e-invoices/<int:pk>/progress/", einvoice_views.einvoice_receipt_progress, name="einvoice_receipt_progress"),
]
