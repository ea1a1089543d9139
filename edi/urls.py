from django.urls import path

from edi import views

urlpatterns = [
    path("", views.edi_interchange_list, name="edi_interchange_list"),
    path("upload/", views.edi_upload, name="edi_upload"),
    path("partners/", views.edi_partner_list, name="edi_partner_list"),
    path("partners/<int:pk>/active/", views.edi_partner_set_active, name="edi_partner_set_active"),
    path("<int:pk>/", views.edi_interchange_detail, name="edi_interchange_detail"),
    path("<int:pk>/raw/", views.edi_interchange_raw, name="edi_interchange_raw"),
    path("<int:pk>/progress/", views.edi_interchange_progress, name="edi_interchange_progress"),
]
