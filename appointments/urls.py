from django.urls import path

from . import views

urlpatterns = [
    path("", views.appointment_list, name="appointment_list"),
    path("calendar/", views.appointment_calendar, name="appointment_calendar"),
    path("new/", views.appointment_new, name="appointment_new"),
    path("<int:pk>/", views.appointment_detail, name="appointment_detail"),
    path("<int:pk>/confirm/", views.appointment_confirm, name="appointment_confirm"),
    path("<int:pk>/move/", views.appointment_move, name="appointment_move"),
    path("<int:pk>/refuse/", views.appointment_refuse, name="appointment_refuse"),
    path("<int:pk>/cancel/", views.appointment_cancel, name="appointment_cancel"),
    path("<int:pk>/arrived/", views.appointment_arrived, name="appointment_arrived"),
    path("routing/", views.routing_list, name="routing_list"),
    path("routing/new/", views.routing_new, name="routing_new"),
    path("routing/<int:pk>/", views.routing_detail, name="routing_detail"),
    path("routing/<int:pk>/schedule/", views.routing_schedule, name="routing_schedule"),
    path("routing/<int:pk>/refuse/", views.routing_refuse, name="routing_refuse"),
    path("docks/", views.dock_settings, name="dock_settings"),
]
