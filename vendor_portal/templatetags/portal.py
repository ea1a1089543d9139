from django import template

from vendor_portal import audit_text

register = template.Library()


@register.simple_tag(takes_context=True)
def query_replace(context, **changes):
    """The current query string with some parameters replaced (for pagination and sorting links)."""
    query = context["request"].GET.copy()
    for key, value in changes.items():
        if value in (None, ""):
            query.pop(key, None)
        else:
            query[key] = value
    return query.urlencode()


@register.filter
def money(amount, currency=""):
    return audit_text.money(amount, currency)


@register.filter
def audit_story(event):
    """The audit row as a sentence with labelled values (see vendor_portal.audit_text)."""
    from vendor_portal.audit_text import audit_story as story

    return story(event)


@register.filter
def when(value) -> str:
    """A moment in the reader's date format, with its time zone named."""
    from vendor_portal.audit_text import when as moment

    return moment(value) if value else "—"


@register.filter
def labelled(payload):
    """A recorded dict as (label, value) pairs a person reads: never keys or dict text."""
    from vendor_portal.audit_text import labelled_values

    return labelled_values(payload)
