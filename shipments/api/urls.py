from django.urls import path
from rest_framework.routers import SimpleRouter

from . import views

# "/?": integrators write /shipments/{id}/submit as in API.md; the browsable API adds the slash.
router = SimpleRouter()
router.trailing_slash = "/?"
router.register("shipments", views.ShipmentViewSet, basename="shipment")
router.register("receipts", views.ReceiptViewSet, basename="receipt")
router.register("jobs", views.JobViewSet, basename="job")

urlpatterns = [
    path("documents/<int:pk>/download", views.DocumentDownloadView.as_view(), name="document-download"),
    *router.urls,
]
