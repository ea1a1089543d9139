from django import template

from vendor_portal.middleware import request_scope

from .. import selectors

register = template.Library()


@register.simple_tag(takes_context=True)
def todays_appointments(context) -> list:
    """Trucks due today at each DC (its local day) that the page's viewer may see; another app's page includes
    appointments/_today.html, which asks for them here, so that app need not know about appointments."""
    request = context.get("request")
    scope = request_scope(request) if request is not None else None
    return selectors.appointments_today(scope=scope) if scope is not None else []
