from django.urls import path

from . import views

urlpatterns = [
    path("", views.scorecard, name="scorecard"),
    path("export.csv", views.scorecard_export_csv, name="scorecard_export_csv"),
    path("export.xlsx", views.scorecard_export_xlsx, name="scorecard_export_xlsx"),
    path("rows/", views.scorecard_drilldown, name="scorecard_drilldown"),
    path("refresh/", views.scorecard_refresh, name="scorecard_refresh"),
    path("refresh/<uuid:pk>/", views.scorecard_refresh_job, name="scorecard_refresh_job"),
]
