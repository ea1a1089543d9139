from django.conf import settings

from vendor_portal.middleware import request_scope
from vendor_portal.models import Notification, Vendor
from vendor_portal.navigation import navigation_for
from vendor_portal.services.two_factor import STATE_SESSION_KEY, State


def portal(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not getattr(user, "pk", None):
        return {"retailer_name": settings.PORTAL_RETAILER_NAME}
    if getattr(request, "session", {}).get(STATE_SESSION_KEY, State.DONE) != State.DONE:
        # Between the password and the code: the sign-in layout, no navigation into the portal.
        return {"retailer_name": settings.PORTAL_RETAILER_NAME, "signing_in": True}
    scope = request_scope(request)
    vendors = []
    if scope is not None and len(scope.vendor_ids) > 1:
        vendors = list(Vendor.objects.filter(pk__in=scope.vendor_ids).only("pk", "code", "name"))
    return {
        "retailer_name": settings.PORTAL_RETAILER_NAME,
        "scope": scope,
        "navigation": navigation_for(scope, request.path),
        "unread_notifications": Notification.objects.filter(user=user, read_at__isnull=True).count(),
        "switchable_vendors": vendors,
    }
