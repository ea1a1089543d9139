from django.urls import path

from .views import AppointmentViewSet, DockCapacityView, RoutingRequestViewSet

urlpatterns = [
    path("appointments/", AppointmentViewSet.as_view({"get": "list", "post": "create"}), name="appointment-api-list"),
    path("appointments/<int:pk>/", AppointmentViewSet.as_view({"get": "retrieve"}), name="appointment-api-detail"),
    path("appointments/<int:pk>/confirm", AppointmentViewSet.as_view({"post": "confirm"}), name="appointment-api-confirm"),
    path("appointments/<int:pk>/move", AppointmentViewSet.as_view({"post": "move"}), name="appointment-api-move"),
    path("appointments/<int:pk>/refuse", AppointmentViewSet.as_view({"post": "refuse"}), name="appointment-api-refuse"),
    path("appointments/<int:pk>/cancel", AppointmentViewSet.as_view({"post": "cancel"}), name="appointment-api-cancel"),
    path("appointments/<int:pk>/arrival", AppointmentViewSet.as_view({"post": "arrival"}), name="appointment-api-arrival"),
    path("routing-requests/", RoutingRequestViewSet.as_view({"get": "list", "post": "create"}), name="routing-request-list"),
    path("routing-requests/<int:pk>/", RoutingRequestViewSet.as_view({"get": "retrieve"}), name="routing-request-detail"),
    path("routing-requests/<int:pk>/schedule", RoutingRequestViewSet.as_view({"post": "schedule"}), name="routing-request-schedule"),
    path("routing-requests/<int:pk>/refuse", RoutingRequestViewSet.as_view({"post": "refuse"}), name="routing-request-refuse"),
    path("docks/<str:code>/capacity", DockCapacityView.as_view(), name="dock-capacity"),
]
