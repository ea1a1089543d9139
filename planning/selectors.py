"""Reads of forecasts and promotions for the screens, the downloads and the API. Every read starts at
`visible_to(scope)`: a vendor sees its own, only in the marketplaces its membership allows."""

from __future__ import annotations

from decimal import Decimal

from django.db.models import Count, DecimalField, F, IntegerField, Max, Min, OuterRef, Prefetch, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from vendor_portal.errors import DomainValidationError, NotFoundError, field_error
from vendor_portal.models import Marketplace, Product
from vendor_portal.tenancy import get_visible_or_404

from .filters import FORECAST_ORDERING, PROMOTION_ORDERING, ForecastFilter, PromotionFilter
from .models import Forecast, ForecastPublication, Promotion, PromotionLine, current_week_start, per_marketplace_date_q

FORECAST_DEFAULT_ORDERING = ("product", "marketplace", "week_start", "id")
PROMOTION_DEFAULT_ORDERING = "-start_date"


def _filtered(filterset_class, queryset, params):
    filterset = filterset_class(data=params or {}, queryset=queryset)
    if not filterset.is_valid():
        errors = [field_error(None, name, message) for name, messages in filterset.errors.items() for message in messages]
        raise DomainValidationError(_("The filters are not valid."), errors=errors)
    return filterset


def _ordering(value, fields: dict, default):
    """`ordering` (one of `fields`, - for descending) plus the id as tie-break, so a cursor is exact."""
    if not value:
        return default
    value = value.strip()
    name = value.lstrip("-")
    if name not in fields:
        raise DomainValidationError(
            _("Cannot order by %(value)s; use one of %(fields)s (prefix - for descending).") % {"value": value, "fields": ", ".join(fields)},
            field="ordering",
        )
    return (f"-{fields[name]}", "-id") if value.startswith("-") else (fields[name], "id")


# Forecasts ------------------------------------------------------------------------------------------
def forecast_list(*, scope, params, upcoming_only: bool = False):
    """Current forecast weeks (one row per product, marketplace and week), filtered and ordered.

    `upcoming_only` (the screens and downloads, unless a week range is given) starts at this week in
    each marketplace's own time zone."""
    queryset = Forecast.objects.visible_to(scope).current().select_related("vendor", "product", "marketplace", "publication")
    filterset = _filtered(ForecastFilter, queryset, params)
    queryset = filterset.qs
    if upcoming_only and not (params or {}).get("week_from"):
        queryset = queryset.filter(per_marketplace_date_q("week_start", "gte", week=True))
    return queryset.order_by(*_ordering((params or {}).get("ordering"), FORECAST_ORDERING, FORECAST_DEFAULT_ORDERING))


SUMMARY_SORTS = {
    "sku": ("product__vendor_sku", "marketplace__code"),
    "marketplace": ("marketplace__code", "product__vendor_sku"),
    "total": ("total_mean", "product__vendor_sku"),
    "peak": ("peak_p90", "product__vendor_sku"),
    "published": ("last_published_at", "product__vendor_sku"),
}


def forecast_summary(*, scope, params):
    """One row per product and marketplace with the upcoming weeks' totals, for the forecast list."""
    weeks = forecast_list(scope=scope, params=params, upcoming_only=True).order_by()
    units = DecimalField(max_digits=16, decimal_places=2)
    rows = weeks.values(
        "product_id", "marketplace_id", "product__vendor_sku", "product__asin", "product__title", "marketplace__code", "vendor__code"
    ).annotate(
        week_count=Count("id"),
        first_week=Min("week_start"),
        last_week=Max("week_start"),
        total_mean=Sum("mean", output_field=units),
        total_p90=Sum("p90", output_field=units),
        peak_p90=Max("p90"),
        last_published_at=Max("published_at"),
    )
    sort = (params or {}).get("sort") or "sku"
    if sort.lstrip("-") not in SUMMARY_SORTS:
        sort = "sku"
    fields = SUMMARY_SORTS[sort.lstrip("-")]
    if sort.startswith("-"):
        fields = tuple(f"-{name}" for name in fields)
    return rows.order_by(*fields, "product_id", "marketplace_id"), sort


def forecast_sparklines(*, scope, params, rows) -> dict[tuple, list[Decimal]]:
    """Weekly means of the listed (product, marketplace) pairs, for the list's sparklines: one query per page."""
    if not rows:
        return {}
    products = {row["product_id"] for row in rows}
    marketplaces = {row["marketplace_id"] for row in rows}
    series: dict[tuple, list] = {}
    weeks = (
        forecast_list(scope=scope, params=params, upcoming_only=True)
        .filter(product_id__in=products, marketplace_id__in=marketplaces)
        .order_by("product_id", "marketplace_id", "week_start")
        .values_list("product_id", "marketplace_id", "mean")
    )
    for product_id, marketplace_id, mean in weeks:
        series.setdefault((product_id, marketplace_id), []).append(mean)
    return series


def forecast_product(*, scope, product_id, marketplace_code: str | None = None, now=None) -> dict:
    """A product's forecast in one marketplace: the current weeks from this week on, the previous
    publication's numbers for the same weeks, and the publications that made them."""
    product = get_visible_or_404(Product.objects.all(), scope, pk=product_id)
    current = Forecast.objects.visible_to(scope).current().filter(product=product)
    marketplace_ids = set(current.values_list("marketplace_id", flat=True).distinct())
    marketplaces = [m for m in Marketplace.objects.order_by("code") if m.pk in marketplace_ids]
    chosen = next((m for m in marketplaces if m.code == (marketplace_code or "").upper()), marketplaces[0] if marketplaces else None)
    result = {"product": product, "marketplaces": marketplaces, "marketplace": chosen, "weeks": [], "publications": [], "previous": {}}
    if chosen is None:
        return result
    first_week = current_week_start(chosen, now)
    weeks = list(current.filter(marketplace=chosen, week_start__gte=first_week).select_related("publication").order_by("week_start"))
    result["weeks"] = weeks
    result["first_week"] = first_week
    earlier = (
        Forecast.objects.visible_to(scope)
        .filter(product=product, marketplace=chosen, superseded_by__isnull=False, week_start__gte=first_week)
        .order_by("week_start", "-published_at", "-id")
        .values_list("week_start", "mean", "publication__version")
    )
    previous = {}
    for week, mean, version in earlier:
        previous.setdefault(week, (mean, version))
    result["previous"] = previous
    result["publications"] = list(
        ForecastPublication.objects.filter(forecasts__product=product, forecasts__marketplace=chosen)
        .annotate(weeks=Count("forecasts"))
        .order_by("-published_at", "-id")[:20]
    )
    return result


def forecast_chart_data(detail: dict) -> dict:
    """What the chart script needs, as strings and numbers the template hands over with json_script."""
    weeks = detail["weeks"]
    previous = detail["previous"]
    return {
        "labels": [week.week_start.isoformat() for week in weeks],
        "mean": [str(week.mean) for week in weeks],
        "p70": [str(week.p70) for week in weeks],
        "p80": [str(week.p80) for week in weeks],
        "p90": [str(week.p90) for week in weeks],
        "previous": [str(previous[week.week_start][0]) if week.week_start in previous else None for week in weeks],
        "series": {
            "mean": _("Mean"),
            "band": _("P70 to P90"),
            "p80": "P80",
            "previous": _("Previous publication (mean)"),
        },
        "axis": _("Units per week"),
    }


# Promotions -----------------------------------------------------------------------------------------
def promotion_list(*, scope, params):
    """The promotions the scope may see, filtered and ordered, each with its line totals (the screen's and the
    API's list: one query per page)."""
    queryset = Promotion.objects.visible_to(scope).select_related("vendor", "marketplace")
    filterset = _filtered(PromotionFilter, queryset, params)
    ordering = _ordering((params or {}).get("ordering"), PROMOTION_ORDERING, ("-start_date", "-id"))
    return with_line_totals(filterset.qs).order_by(*ordering)


def _per_promotion(expression, output_field):
    """One number per promotion from its lines, as a correlated subquery: computed for the page's rows only
    (NULL without lines, or when every value summed is NULL, as the sum over a join was)."""
    lines = PromotionLine.objects.filter(promotion=OuterRef("pk")).order_by().values("promotion").annotate(result=expression).values("result")
    return Subquery(lines, output_field=output_field)


def with_line_totals(queryset):
    money = DecimalField(max_digits=16, decimal_places=2)
    return queryset.annotate(
        line_count=Coalesce(_per_promotion(Count("pk"), IntegerField()), Value(0)),
        total_expected_units=_per_promotion(Sum("expected_units"), IntegerField()),
        total_committed_units=_per_promotion(Sum("committed_units"), IntegerField()),
        total_expected_funding=_per_promotion(Sum(F("vendor_funding_per_unit") * F("expected_units"), output_field=money), money),
    )


def promotion_detail(*, scope, promotion_id) -> Promotion:
    try:
        pk = int(promotion_id)
    except (TypeError, ValueError):
        pk = None
    promotion = None
    if pk is not None:
        promotion = (
            Promotion.objects.visible_to(scope)
            .select_related("vendor", "marketplace", "created_by", "shared_by")
            .prefetch_related(Prefetch("lines", queryset=PromotionLine.objects.select_related("product").order_by("sequence")))
            .filter(pk=pk)
            .first()
        )
    if promotion is None:
        raise NotFoundError(_("Promotion not found."))
    return promotion


def promotion_totals(promotion: Promotion) -> dict:
    """Totals of a promotion whose lines are loaded."""
    lines = list(promotion.lines.all())
    zero = Decimal("0.00")
    return {
        "line_count": len(lines),
        "total_expected_units": sum(line.expected_units for line in lines),
        "total_committed_units": sum(line.committed_units or 0 for line in lines)
        if any(line.committed_units is not None for line in lines)
        else None,
        "total_expected_funding": sum((line.expected_funding for line in lines), zero),
        "total_committed_funding": sum((line.committed_funding for line in lines), zero),
    }


def list_prices(promotion: Promotion) -> dict[int, Decimal]:
    """The products' list prices in the promotion's marketplace (to show the discount)."""
    from vendor_portal.models import ProductCost

    product_ids = [line.product_id for line in promotion.lines.all()]
    return dict(
        ProductCost.objects.filter(product_id__in=product_ids, marketplace_id=promotion.marketplace_id, list_price__isnull=False)
        .in_effect(promotion.start_date)
        .values_list("product_id", "list_price")
    )
