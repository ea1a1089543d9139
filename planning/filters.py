"""List filters of forecasts and promotions: one FilterSet each for the screens, the downloads and the API."""

import django_filters
from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from vendor_portal.models import Marketplace

from .models import Forecast, Promotion, PromotionState, PromotionType


class ForecastFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Search"), method="filter_search", help_text=_("SKU, ASIN or title"))
    marketplace = django_filters.ModelChoiceFilter(
        label=_("Marketplace"), queryset=Marketplace.objects.all(), to_field_name="code", field_name="marketplace", empty_label=_("All")
    )
    product = django_filters.NumberFilter(label=_("Product id"), field_name="product_id")
    sku = django_filters.CharFilter(label=_("Vendor SKU"), field_name="product__vendor_sku", lookup_expr="iexact")
    asin = django_filters.CharFilter(label="ASIN", field_name="product__asin", lookup_expr="iexact")
    week_from = django_filters.DateFilter(label=_("Weeks from"), field_name="week_start", lookup_expr="gte")
    week_to = django_filters.DateFilter(label=_("Weeks to"), field_name="week_start", lookup_expr="lte")
    vendor = django_filters.CharFilter(label=_("Vendor code"), field_name="vendor__code", lookup_expr="iexact")

    class Meta:
        model = Forecast
        fields = []

    def filter_search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(product__vendor_sku__iexact=value) | Q(product__asin__iexact=value) | Q(product__title__icontains=value))


# Keyset pagination keeps the ordering values of the edge row in its cursor.
FORECAST_ORDERING = {
    "week_start": "week_start",
    "product": "product",
    "marketplace": "marketplace",
    "published_at": "published_at",
}


class PromotionFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Search"), field_name="name", lookup_expr="icontains", help_text=_("Promotion name"))
    # Checkboxes: the screen lists each state once, as a labelled checkbox (a select's options inside labels showed each twice).
    state = django_filters.MultipleChoiceFilter(label=_("State"), choices=PromotionState.choices, distinct=False, widget=forms.CheckboxSelectMultiple)
    promotion_type = django_filters.ChoiceFilter(label=_("Type"), choices=PromotionType.choices, empty_label=_("All"))
    marketplace = django_filters.ModelChoiceFilter(
        label=_("Marketplace"), queryset=Marketplace.objects.all(), to_field_name="code", field_name="marketplace", empty_label=_("All")
    )
    starts_from = django_filters.DateFilter(label=_("Starts from"), field_name="start_date", lookup_expr="gte")
    starts_to = django_filters.DateFilter(label=_("Starts by"), field_name="start_date", lookup_expr="lte")
    vendor = django_filters.CharFilter(label=_("Vendor code"), field_name="vendor__code", lookup_expr="iexact")

    class Meta:
        model = Promotion
        fields = []


PROMOTION_ORDERING = {
    "start_date": "start_date",
    "end_date": "end_date",
    "name": "name",
    "state": "state",
    "created_at": "created_at",
}
