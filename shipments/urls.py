from django.urls import path

from . import views, views_editor

urlpatterns = [
    path("", views.shipment_list, name="shipment_list"),
    path("new/", views.shipment_new, name="shipment_new"),
    path("<int:pk>/", views.shipment_detail, name="shipment_detail"),
    path("<int:pk>/submit/", views.shipment_submit, name="shipment_submit"),
    path("<int:pk>/cancel/", views.shipment_cancel, name="shipment_cancel"),
    path("<int:pk>/labels/", views.shipment_labels, name="shipment_labels"),
    path("<int:pk>/packing-list/", views.shipment_packing_list, name="shipment_packing_list"),
    path("<int:pk>/packing-list/upload/", views.shipment_packing_list_upload, name="shipment_packing_list_upload"),
    path("<int:pk>/cartons/move/", views.shipment_carton_move, name="shipment_carton_move"),
    path("<int:pk>/edit/", views_editor.shipment_edit, name="shipment_edit"),
    path("<int:pk>/edit/save/", views_editor.shipment_edit_save, name="shipment_edit_save"),
    path("<int:pk>/replace/", views.shipment_replace, name="shipment_replace"),
    path("jobs/<uuid:pk>/", views.job_status, name="shipment_job_status"),
    path("receiving/", views.receiving_list, name="receiving_list"),
    path("receiving/<int:pk>/", views.receiving_detail, name="receiving_detail"),
    path("receiving/<int:pk>/scan/", views.receiving_scan, name="receiving_scan"),
    path("receiving/<int:pk>/cartons/exception/", views.receiving_carton_exception, name="receiving_carton_exception"),
]
