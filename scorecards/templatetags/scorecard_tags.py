import datetime

from django import template
from django.template.defaultfilters import date as date_filter
from django.utils.formats import number_format

from vendor_portal.audit_text import when

register = template.Library()


@register.filter
def percent(value) -> str:
    """A rate (0..1) as a percentage with one decimal, in the reader's number format."""
    if value is None:
        return "—"
    return f"{number_format(value * 100, decimal_pos=1, use_l10n=True)} %"


@register.filter
def get_item(mapping, key):
    return mapping.get(key)


@register.filter
def when_or_day(value) -> str:
    """A moment with its time zone, or a calendar day in words."""
    if value is None:
        return "—"
    if isinstance(value, datetime.datetime):
        return when(value)
    return date_filter(value, "j M Y")
