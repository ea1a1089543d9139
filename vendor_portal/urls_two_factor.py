from django.urls import path

from vendor_portal import two_factor_views as views

urlpatterns = [
    path("", views.two_factor_settings, name="two_factor"),
    path("code/", views.two_factor_verify_view, name="two_factor_verify"),
    path("enrol/", views.two_factor_enrol_view, name="two_factor_enrol"),
    path("recovery-codes/", views.two_factor_recovery_codes, name="two_factor_recovery_codes"),
    path("remove/", views.two_factor_remove_view, name="two_factor_remove"),
]
