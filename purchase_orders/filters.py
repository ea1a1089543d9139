"""The PO list filters: one FilterSet for the screen, the CSV/XLSX export and the API."""

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from vendor_portal.api.filters import UtcIsoDateTimeFilter
from vendor_portal.models import Marketplace, Warehouse

from .models import PurchaseOrder, PurchaseOrderLine, PurchaseOrderState, PurchaseOrderType


class PurchaseOrderFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("PO number, ASIN or SKU"), method="filter_search")
    # distinct=False: a plain IN on the PO's own column needs no DISTINCT (which made big lists slow).
    state = django_filters.MultipleChoiceFilter(label=_("State"), choices=PurchaseOrderState.choices, distinct=False)
    marketplace = django_filters.ModelChoiceFilter(
        label=_("Marketplace"), queryset=Marketplace.objects.all(), to_field_name="code", field_name="marketplace"
    )
    ship_to = django_filters.ModelChoiceFilter(label=_("DC"), queryset=Warehouse.objects.all(), to_field_name="code", field_name="ship_to")
    order_type = django_filters.ChoiceFilter(label=_("Type"), choices=PurchaseOrderType.choices)
    ship_window_from = UtcIsoDateTimeFilter(label=_("Ship window from"), field_name="ship_window_end", lookup_expr="gte")
    ship_window_to = UtcIsoDateTimeFilter(label=_("Ship window to"), field_name="ship_window_start", lookup_expr="lte")
    ordered_after = UtcIsoDateTimeFilter(label=_("Ordered after"), field_name="order_date", lookup_expr="gte")
    ordered_before = UtcIsoDateTimeFilter(label=_("Ordered before"), field_name="order_date", lookup_expr="lt")
    needs_confirmation = django_filters.BooleanFilter(label=_("Needs my confirmation"), method="filter_needs_confirmation")
    changed = django_filters.BooleanFilter(label=_("Changed by the buyer"), field_name="has_unconfirmed_changes")
    vendor = django_filters.CharFilter(label=_("Vendor code"), field_name="vendor__code", lookup_expr="iexact")

    class Meta:
        model = PurchaseOrder
        fields = []

    def __init__(self, data=None, *args, scope=None, **kwargs):
        super().__init__(data, *args, **kwargs)
        self.scope = scope

    def filter_search(self, queryset, name, value):
        """A part of the PO number, or of a line's ASIN or SKU, in any case. `icontains` is UPPER(column) LIKE
        '%VALUE%', which the trigram indexes on exactly UPPER(column) serve (migration 0003). The matches are one
        IN (... UNION ALL ...) so each side reads its own index; an OR of the two would make the database walk
        every PO and test its number."""
        value = value.strip()
        if not value:
            return queryset
        numbers = PurchaseOrder.objects.filter(number__icontains=value).order_by().values("pk")
        lines = PurchaseOrderLine.objects.filter(Q(asin__icontains=value) | Q(vendor_sku__icontains=value)).order_by().values("purchase_order_id")
        return queryset.filter(pk__in=numbers.union(lines, all=True))

    def filter_needs_confirmation(self, queryset, name, value):
        if value is None:
            return queryset
        needs = Q(state=PurchaseOrderState.NEW)
        return queryset.filter(needs) if value else queryset.exclude(needs)


ORDERING_FIELDS = {
    "number": "number",
    "order_date": "order_date",
    "ship_window_start": "ship_window_start",
    "ship_window_end": "ship_window_end",
    "confirmation_due_at": "confirmation_due_at",
    "state": "state",
}
