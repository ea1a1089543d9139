from django.urls import path

from .views import WebhookDeliveryViewSet, WebhookEventTypeListView, WebhookSubscriptionViewSet

subscriptions = WebhookSubscriptionViewSet.as_view({"get": "list", "post": "create"})
subscription = WebhookSubscriptionViewSet.as_view({"get": "retrieve", "put": "update", "patch": "partial_update", "delete": "destroy"})

urlpatterns = [
    path("webhooks/", subscriptions, name="webhook-list"),
    path("webhooks/event-types", WebhookEventTypeListView.as_view(), name="webhook-event-types"),
    path("webhooks/<int:pk>/", subscription, name="webhook-detail"),
    path("webhooks/<int:pk>/deliveries/", WebhookSubscriptionViewSet.as_view({"get": "deliveries"}), name="webhook-deliveries"),
    path("webhooks/<int:pk>/rotate-secret", WebhookSubscriptionViewSet.as_view({"post": "rotate_secret"}), name="webhook-rotate-secret"),
    path("webhooks/<int:pk>/ping", WebhookSubscriptionViewSet.as_view({"post": "ping"}), name="webhook-ping"),
    path("webhook-deliveries/<int:pk>/", WebhookDeliveryViewSet.as_view({"get": "retrieve"}), name="webhook-delivery-detail"),
    path("webhook-deliveries/<int:pk>/resend", WebhookDeliveryViewSet.as_view({"post": "resend"}), name="webhook-delivery-resend"),
]
