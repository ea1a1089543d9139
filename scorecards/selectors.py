"""Reads of the scorecard: the stored weeks summed over a period, and the rows behind a figure.

Every read starts from `visible_to(scope)`: a vendor's people and tokens see their vendor's weeks (and only
their marketplaces); retailer staff see every vendor's and may pick one.
"""

import datetime
from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext as _

from vendor_portal.errors import DomainValidationError
from vendor_portal.models import Marketplace, Vendor, Warehouse
from vendor_portal.tenancy import Scope

from . import metrics
from .models import ScorecardWeek

PERIODS = (1, 4, 13, 52)
TREND_WEEKS = 13  # the chart shows at least this many weeks


@dataclass
class ScorecardFilters:
    week: datetime.date  # the last week of the period (its Monday)
    period: int = 4
    vendor: Vendor | None = None
    marketplace: Marketplace | None = None
    warehouse: Warehouse | None = None

    @property
    def weeks(self) -> list[datetime.date]:
        return metrics.trailing_weeks(self.week, self.period)

    @property
    def first_week(self) -> datetime.date:
        return self.weeks[0]

    @property
    def last_day(self) -> datetime.date:
        return self.week + datetime.timedelta(days=6)

    def query(self) -> dict:
        params = {"week": self.week.isoformat(), "period": str(self.period)}
        if self.vendor:
            params["vendor"] = self.vendor.code
        if self.marketplace:
            params["marketplace"] = self.marketplace.code
        if self.warehouse:
            params["dc"] = self.warehouse.code
        return params


def last_complete_week() -> datetime.date:
    return metrics.week_start(timezone.now()) - metrics.WEEK


def scorecard_filters(*, scope: Scope, params) -> ScorecardFilters:
    """Read ?week=YYYY-MM-DD&period=4&vendor=CODE&marketplace=US&dc=ABE2; a value that cannot apply raises DomainValidationError."""
    week = last_complete_week()
    if params.get("week"):
        try:
            week = metrics.week_start(datetime.date.fromisoformat(params["week"]))
        except ValueError:
            raise DomainValidationError(_("Give the week as a date, e.g. 2026-11-02."), field="week") from None
    period = params.get("period") or "4"
    if not str(period).isdigit() or int(period) not in PERIODS:
        raise DomainValidationError(_("The period is 1, 4, 13 or 52 weeks."), field="period")
    filters = ScorecardFilters(week=week, period=int(period))
    if params.get("vendor"):
        if not scope.is_retailer:
            if scope.vendor is None or params["vendor"].upper() != scope.vendor.code.upper():
                raise DomainValidationError(_("No such vendor."), field="vendor")
        filters.vendor = Vendor.objects.filter(code__iexact=params["vendor"]).first()
        if filters.vendor is None:
            raise DomainValidationError(_("No such vendor."), field="vendor")
    if params.get("marketplace"):
        filters.marketplace = Marketplace.objects.filter(code__iexact=params["marketplace"]).first()
        if filters.marketplace is None or not scope.sees_marketplace(filters.marketplace.pk):
            raise DomainValidationError(_("No such marketplace."), field="marketplace")
    if params.get("dc"):
        filters.warehouse = Warehouse.objects.filter(code__iexact=params["dc"]).first()
        if filters.warehouse is None or not scope.sees_marketplace(filters.warehouse.marketplace_id):
            raise DomainValidationError(_("No such DC."), field="dc")
    return filters


def scorecard_weeks(*, scope: Scope, filters: ScorecardFilters, first_week: datetime.date | None = None):
    """The stored rows the filters select, from `first_week` (default: the period's first) to the filters' week."""
    rows = ScorecardWeek.objects.visible_to(scope).filter(week__gte=first_week or filters.first_week, week__lte=filters.week)
    if filters.vendor:
        rows = rows.filter(vendor=filters.vendor)
    if filters.marketplace:
        rows = rows.filter(marketplace=filters.marketplace)
    if filters.warehouse:
        rows = rows.filter(warehouse=filters.warehouse)
    return rows


def _sums():
    return metrics.figure_sums()


def _with_rates(figures: dict) -> dict:
    """Zeros for what is missing, except a figure stored weeks do not know yet: None, shown as not known."""
    known = {name: figures.get(name) or 0 for name in metrics.FIGURE_FIELDS if name not in metrics.UNKNOWN_UNTIL_RECOMPUTED}
    unknown = {name: figures[name] if name in figures else 0 for name in metrics.UNKNOWN_UNTIL_RECOMPUTED}
    figures = known | unknown | {k: v for k, v in figures.items() if k not in metrics.FIGURE_FIELDS}
    figures["rates"] = {name: metrics.rate(figures, name) for name in metrics.MEASURES}
    return figures


def scorecard_summary(*, scope: Scope, filters: ScorecardFilters) -> dict:
    """The period's figures and rates, the weekly trend (at least 13 weeks) and the figures by marketplace and DC.

    Three grouped queries over the stored weeks: a page costs the same whatever the history behind it.
    """
    trend_weeks = metrics.trailing_weeks(filters.week, max(filters.period, TREND_WEEKS))
    by_week = {
        row["week"]: row
        for row in scorecard_weeks(scope=scope, filters=filters, first_week=trend_weeks[0]).values("week").order_by().annotate(**_sums())
    }
    period_weeks = set(filters.weeks)
    totals = _with_rates(vars(metrics.sum_figures(row for week, row in by_week.items() if week in period_weeks)))
    trend = [_with_rates({"week": week, **by_week.get(week, {})}) for week in trend_weeks]
    by_dc = [
        _with_rates(row)
        for row in scorecard_weeks(scope=scope, filters=filters)
        .values("marketplace__code", "warehouse__code")
        .order_by("marketplace__code", "warehouse__code")
        .annotate(**_sums())
    ]
    computed = scorecard_weeks(scope=scope, filters=filters).order_by("-computed_at").values_list("computed_at", flat=True).first()
    return {"totals": totals, "trend": trend, "by_dc": by_dc, "computed_at": computed}


def chart_data(summary: dict, measures: list[str]) -> dict:
    """The trend as the chart script reads it: week labels and one series of percentages per measure."""
    return {
        "labels": [row["week"].isoformat() for row in summary["trend"]],
        "series": [
            {
                "name": str(metrics.MEASURES[name].label),
                "values": [None if row["rates"][name] is None else float(row["rates"][name] * 100) for row in summary["trend"]],
            }
            for name in measures
        ],
    }
