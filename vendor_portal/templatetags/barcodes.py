"""{% load barcodes %}: `{{ invoice.number|code128 }}`, `{{ carton.sscc|sscc_barcode }}` as inline SVG."""

from django import template
from django.utils.safestring import mark_safe

from vendor_portal.barcodes import code128_svg, sscc_svg

register = template.Library()


# The markup is bars and sizes drawn by python-barcode; the value itself is not written into it.
@register.filter
def code128(value) -> str:
    return mark_safe(code128_svg(value))


@register.filter
def sscc_barcode(value) -> str:
    return mark_safe(sscc_svg(value))
