"""The invoice list filters: one FilterSet for the screen and the API."""

import django_filters
from django.utils.translation import gettext_lazy as _

from vendor_portal.models import Marketplace

from .models import Invoice, InvoiceLine, InvoiceSource, InvoiceState, InvoiceType


class InvoiceFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Invoice or PO number"), method="filter_search")
    # distinct=False: the invoice's own column, so no row repeats (DISTINCT would sort every match before a page).
    state = django_filters.MultipleChoiceFilter(label=_("State"), choices=InvoiceState.choices, distinct=False)
    invoice_type = django_filters.ChoiceFilter(label=_("Type"), choices=InvoiceType.choices)
    source = django_filters.ChoiceFilter(label=_("Source"), choices=InvoiceSource.choices)
    marketplace = django_filters.ModelChoiceFilter(
        label=_("Marketplace"), queryset=Marketplace.objects.all(), to_field_name="code", field_name="marketplace"
    )
    purchase_order = django_filters.CharFilter(label=_("PO number"), method="filter_purchase_order")
    date_from = django_filters.DateFilter(label=_("Dated from"), field_name="invoice_date", lookup_expr="gte")
    date_to = django_filters.DateFilter(label=_("Dated to"), field_name="invoice_date", lookup_expr="lte")
    vendor = django_filters.CharFilter(label=_("Vendor code"), field_name="vendor__code", lookup_expr="iexact")

    class Meta:
        model = Invoice
        fields = []

    def filter_search(self, queryset, name, value):
        """A part of the invoice number or of a PO number on its lines, in any case: UPPER(column) LIKE '%VALUE%',
        served by the trigram indexes on exactly UPPER(column). One IN (... UNION ALL ...), so each side reads its
        index; an OR of the two would make the database walk every invoice and test its number."""
        value = value.strip()
        if not value:
            return queryset
        numbers = Invoice.objects.filter(number__icontains=value).order_by().values("pk")
        lines = InvoiceLine.objects.filter(purchase_order_number__icontains=value).order_by().values("invoice_id")
        return queryset.filter(pk__in=numbers.union(lines, all=True))

    def filter_purchase_order(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(pk__in=InvoiceLine.objects.filter(purchase_order_number__iexact=value).order_by().values("invoice_id"))
