from django.urls import path

from purchase_orders import views, views_bulk

urlpatterns = [
    path("", views.purchase_order_list, name="po_list"),
    path("export.csv", views.purchase_order_export_csv, name="po_export_csv"),
    path("export.xlsx", views.purchase_order_export_xlsx, name="po_export_xlsx"),
    path("new/", views.purchase_order_new, name="po_new"),
    path("upload/", views.purchase_order_upload, name="po_upload"),
    path("upload/template.csv", views.purchase_order_upload_template, name="po_upload_template"),
    path("confirm-in-bulk/", views_bulk.purchase_order_bulk_confirmation, name="po_bulk_confirm"),
    path("confirm-in-bulk/download.csv", views_bulk.purchase_order_bulk_confirmation_csv, name="po_bulk_confirm_csv"),
    path("confirm-in-bulk/download.xlsx", views_bulk.purchase_order_bulk_confirmation_xlsx, name="po_bulk_confirm_xlsx"),
    path("<str:number>/", views.purchase_order_detail, name="po_detail"),
    path("<str:number>/confirm/", views.purchase_order_confirm, name="po_confirm"),
    path("<str:number>/confirmed/", views_bulk.purchase_order_confirmed, name="po_confirmed"),
    path("<str:number>/change/", views.purchase_order_change_view, name="po_change"),
    path("<str:number>/cancel/", views.purchase_order_cancel_view, name="po_cancel"),
]
