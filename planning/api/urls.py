from django.urls import path

from .views import AvailabilityViewSet, ForecastViewSet, PromotionViewSet

urlpatterns = [
    path("availability/", AvailabilityViewSet.as_view({"get": "list", "post": "create"}), name="availability-list"),
    path("forecasts/", ForecastViewSet.as_view({"get": "list", "post": "create"}), name="forecast-list"),
    path("promotions/", PromotionViewSet.as_view({"get": "list", "post": "create"}), name="promotion-list"),
    path("promotions/<int:pk>/", PromotionViewSet.as_view({"get": "retrieve", "patch": "partial_update"}), name="promotion-detail"),
    path("promotions/<int:pk>/share", PromotionViewSet.as_view({"post": "share"}), name="promotion-share"),
    path("promotions/<int:pk>/cancel", PromotionViewSet.as_view({"post": "cancel"}), name="promotion-cancel"),
    path("promotions/<int:pk>/confirmation", PromotionViewSet.as_view({"post": "confirmation"}), name="promotion-confirmation"),
]
