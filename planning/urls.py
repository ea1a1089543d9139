from django.urls import path

from planning import views

urlpatterns = [
    path("forecasts/", views.forecast_list, name="forecast_list"),
    path("forecasts/export.csv", views.forecast_export_csv, name="forecast_export_csv"),
    path("forecasts/export.xlsx", views.forecast_export_xlsx, name="forecast_export_xlsx"),
    path("forecasts/upload/", views.forecast_upload, name="forecast_upload"),
    path("forecasts/upload/template.csv", views.forecast_upload_template, name="forecast_upload_template"),
    path("forecasts/<int:product_id>/", views.forecast_product, name="forecast_product"),
    path("availability/", views.availability_list, name="availability_list"),
    path("availability/update/", views.availability_update, name="availability_update"),
    path("availability/template.xlsx", views.availability_template, name="availability_template"),
    path("promotions/", views.promotion_list, name="promotion_list"),
    path("promotions/new/", views.promotion_new, name="promotion_new"),
    path("promotions/<int:pk>/", views.promotion_detail, name="promotion_detail"),
    path("promotions/<int:pk>/edit/", views.promotion_edit, name="promotion_edit"),
    path("promotions/<int:pk>/share/", views.promotion_share, name="promotion_share"),
    path("promotions/<int:pk>/cancel/", views.promotion_cancel, name="promotion_cancel"),
    path("promotions/<int:pk>/reopen/", views.promotion_reopen, name="promotion_reopen"),
    path("promotions/<int:pk>/confirm/", views.promotion_confirm, name="promotion_confirm"),
    path("promotions/<int:pk>/decline/", views.promotion_decline, name="promotion_decline"),
]
