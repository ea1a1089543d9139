from django.urls import path

from . import views

urlpatterns = [
    path("", views.webhook_list, name="webhook_list"),
    path("<int:pk>/", views.webhook_detail, name="webhook_detail"),
    path("<int:pk>/active/", views.webhook_set_active, name="webhook_set_active"),
    path("<int:pk>/rotate-secret/", views.webhook_rotate_secret, name="webhook_rotate_secret"),
    path("<int:pk>/ping/", views.webhook_ping, name="webhook_ping"),
    path("<int:pk>/delete/", views.webhook_delete, name="webhook_delete"),
    path("deliveries/<int:pk>/resend/", views.webhook_delivery_resend_view, name="webhook_delivery_resend"),
]
