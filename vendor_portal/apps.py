from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class VendorPortalConfig(AppConfig):
    name = "vendor_portal"
    verbose_name = _("Vendor Portal")

    def ready(self):
        from vendor_portal import signals  # noqa: F401
        from vendor_portal.api import schema  # noqa: F401  registers the token scheme with drf-spectacular
        from vendor_portal.api.errors import api_error_response
        from vendor_portal.error_views import register_error_renderer
        from vendor_portal.navigation import NavItem, NeedsMe, register_nav, register_needs_me
        from vendor_portal.roles import Action
        from vendor_portal.services import vendors  # noqa: F401  registers the bank-change approval kind

        register_error_renderer("/api/", api_error_response)
        register_nav(NavItem(_("Home"), "home", None, order=0))
        register_nav(NavItem(_("Catalogue"), "catalogue", Action.VIEW_CATALOGUE, order=60))
        register_nav(NavItem(_("Approvals"), "approvals", None, order=80))
        register_nav(NavItem(_("Audit trail"), "audit_list", Action.VIEW_AUDIT, order=90))
        register_nav(NavItem(_("Team"), "team", Action.MANAGE_USERS, order=94, side="vendor"))
        register_nav(NavItem(_("Vendors"), "vendor_list", Action.ONBOARD_VENDORS, order=94, side="retailer"))
        register_nav(NavItem(_("API tokens"), "vendor_settings", Action.MANAGE_TOKENS, order=95, side="vendor"))
        register_nav(NavItem(_("Bank details"), "bank_details", Action.REQUEST_BANK_CHANGE, order=96, side="vendor"))
        register_nav(NavItem(_("Ship-from addresses"), "ship_from_list", Action.VIEW_SHIPMENTS, order=97, side="vendor"))
        register_nav(NavItem(_("Tax registrations"), "tax_registration_list", Action.VIEW_INVOICES, order=97, side="vendor"))
        register_nav(NavItem(_("API documentation"), "api_docs", Action.READ_API_DOCS, order=98))

        register_needs_me(NeedsMe(_("Unread messages"), "/messages/", None, lambda request, scope: _unread(request), order=90))
        register_needs_me(
            NeedsMe(
                _("API tokens expiring within 14 days"),
                lambda scope: "/settings/" if scope.can(Action.MANAGE_TOKENS) else "/api/docs/",
                Action.READ_API_DOCS,
                lambda request, scope: _tokens_expiring(scope),
                order=92,
                side="vendor",
            )
        )
        register_needs_me(
            NeedsMe(_("Approvals waiting for you"), "/approvals/", None, lambda request, scope: _approvals_for_me(request, scope), order=91)
        )


def _tokens_expiring(scope) -> int:
    import datetime

    from django.utils import timezone

    from vendor_portal.models import ApiToken

    now = timezone.now()
    return (
        ApiToken.objects.visible_to(scope)
        .filter(revoked_at__isnull=True, expires_at__gt=now, expires_at__lte=now + datetime.timedelta(days=14))
        .count()
    )


def _unread(request) -> int:
    from vendor_portal.models import Notification

    return Notification.objects.filter(user=request.user, read_at__isnull=True).count()


def _approvals_for_me(request, scope) -> int:
    from vendor_portal.selectors import approvals_waiting_for

    return approvals_waiting_for(user=request.user, scope=scope).count()
