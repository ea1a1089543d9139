from django.urls import path
from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter(trailing_slash=True)
router.register("edi/interchanges", views.InterchangeViewSet, basename="edi-interchange")

urlpatterns = [
    path("edi/partners/", views.TradingPartnerViewSet.as_view({"get": "list", "post": "create"}), name="edi-partner-list"),
    path("edi/partners/<int:pk>/", views.TradingPartnerViewSet.as_view({"patch": "partial_update"}), name="edi-partner-detail"),
    *router.urls,
]
