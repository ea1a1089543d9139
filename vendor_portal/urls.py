from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.i18n import JavaScriptCatalog
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from vendor_portal import health, views
from vendor_portal.auth_rate_limits import rate_limited_post
from vendor_portal.auth_views import PasswordChangeView, PasswordResetConfirmView

admin.site.site_header = "Vendor Portal back office"

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("admin/", admin.site.urls),
    path("accounts/login/", rate_limited_post("login", "username")(auth_views.LoginView.as_view(redirect_authenticated_user=True)), name="login"),
    path("accounts/password_reset/", rate_limited_post("password_reset", "email")(auth_views.PasswordResetView.as_view()), name="password_reset"),
    path("accounts/password_change/", PasswordChangeView.as_view(), name="password_change"),
    path("accounts/reset/<uidb64>/<token>/", PasswordResetConfirmView.as_view(), name="password_reset_confirm"),
    path("accounts/two-factor/", include("vendor_portal.urls_two_factor")),
    path("accounts/time-zone/", views.time_zone_preference, name="time_zone"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("jsi18n/", JavaScriptCatalog.as_view(), name="javascript-catalog"),
    path("api/schema/", SpectacularAPIView.as_view(), name="api_schema"),
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api_schema"), name="api_docs"),
    path("api/v1/", include("vendor_portal.api.urls")),
    path("api/v1/", include("purchase_orders.api.urls")),
    path("api/v1/", include("shipments.api.urls")),
    path("api/v1/", include("invoicing.api.urls")),
    path("api/v1/", include("reconciliation.api.urls")),
    path("api/v1/", include("webhooks.api.urls")),
    path("api/v1/", include("edi.api.urls")),
    path("api/v1/", include("planning.api.urls")),
    path("api/v1/", include("appointments.api.urls")),
    path("api/v1/", include("scorecards.api.urls")),
    path("api/v1/", include("compliance.api.urls")),
    path("api/v1/", include("catalogue.api.urls")),
    path("vendor/", include("amazon_api.urls")),
    path("settings/webhooks/", include("webhooks.urls")),
    path("edi/", include("edi.urls")),
    path("", include("vendor_portal.urls_portal")),
    path("purchase-orders/", include("purchase_orders.urls")),
    path("shipments/", include("shipments.urls")),
    path("invoices/", include("invoicing.urls")),
    path("payments/", include("reconciliation.urls")),
    path("planning/", include("planning.urls")),
    path("appointments/", include("appointments.urls")),
    path("scorecards/", include("scorecards.urls")),
    path("compliance/", include("compliance.urls")),
    path("catalogue/", include("catalogue.urls")),
]

handler400 = "vendor_portal.error_views.bad_request"
handler403 = "vendor_portal.error_views.permission_denied"
handler404 = "vendor_portal.error_views.page_not_found"
handler500 = "vendor_portal.error_views.server_error"
