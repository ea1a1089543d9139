from django.urls import path
from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter(trailing_slash=True)
router.register("notifications", views.NotificationViewSet, basename="notification")
router.register("audit-events", views.AuditEventViewSet, basename="audit-event")

urlpatterns = [
    path("me", views.MeView.as_view(), name="api_me"),
    *router.urls,
]
