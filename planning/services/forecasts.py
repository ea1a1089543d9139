"""Forecasts: the buyer publishes weekly numbers per product and marketplace; a publication replaces the
current numbers of the weeks it covers (the old rows stay, marked superseded by it) and is audited as one event."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.dates import WEEKDAYS
from django.utils.translation import gettext as _

from vendor_portal import events
from vendor_portal.errors import DomainValidationError, FieldError, field_error, with_refs
from vendor_portal.models import Marketplace, Product, Vendor
from vendor_portal.roles import Role
from vendor_portal.services.audit import Actor, audit_record, snapshot
from vendor_portal.services.notifications import notify_vendor_roles

from ..models import FORECAST_HORIZON_WEEKS, Forecast, ForecastPublication, ForecastSource, horizon
from ._common import _amount_errors, _catalogue, _require_planner, _resolve_product

MAX_FORECAST_ROWS = 5000
MAX_UNITS = Decimal("9999999999.99")
AUDIT_LIST_LIMIT = 200  # product/marketplace pairs named in a publication's audit row


@dataclass
class ForecastRow:
    """One week of one product in one marketplace, as a buyer sends it."""

    marketplace: str
    week_start: datetime.date | None
    mean: Decimal | None
    p70: Decimal | None
    p80: Decimal | None
    p90: Decimal | None
    vendor_sku: str = ""
    asin: str = ""
    ref: object = None  # the door's reference of the row (a file's row number), for its errors


@dataclass
class CheckedForecast:
    product: Product
    marketplace: Marketplace
    week_start: datetime.date
    mean: Decimal
    p70: Decimal
    p80: Decimal
    p90: Decimal

    @property
    def key(self) -> tuple:
        return (self.product.pk, self.marketplace.pk, self.week_start)


@dataclass
class ForecastCheck:
    rows: list[CheckedForecast] = field(default_factory=list)
    errors: list[FieldError] = field(default_factory=list)
    replaced_count: int = 0

    @property
    def new_count(self) -> int:
        return len(self.rows) - self.replaced_count


def forecast_check(*, vendor, rows: list[ForecastRow], now=None) -> ForecastCheck:
    """Check a publication without saving: every problem, each naming its row (its ref, else `forecasts[i]`)."""
    result = ForecastCheck()
    errors = result.errors
    if not rows:
        errors.append(field_error(None, "forecasts", _("Send at least one forecast row."), "required"))
        return result
    if len(rows) > MAX_FORECAST_ROWS:
        errors.append(field_error(None, "forecasts", _("At most %(max)s rows per publication; split it.") % {"max": MAX_FORECAST_ROWS}, "max_length"))
        return result
    marketplaces = {m.code.upper(): m for m in Marketplace.objects.all()}
    horizons = {code: horizon(marketplace, now) for code, marketplace in marketplaces.items()}
    products = _catalogue(vendor, rows)
    seen: dict[tuple, int] = {}
    for index, (ref, row) in enumerate(with_refs(rows, "forecasts")):
        problems = len(errors)
        product = _resolve_product(products, row, ref, vendor, errors)
        marketplace = marketplaces.get((row.marketplace or "").strip().upper())
        if marketplace is None:
            errors.append(
                field_error(ref, "marketplace", _("Unknown marketplace '%(code)s'.") % {"code": row.marketplace or ""}, "unknown_marketplace")
            )
        if row.week_start is None:
            errors.append(field_error(ref, "week_start", _("The week's start date is required."), "required"))
        elif row.week_start.weekday() != 0:
            errors.append(
                field_error(
                    ref,
                    "week_start",
                    _("%(day)s is a %(weekday)s: weeks start on a Monday.")
                    % {"day": row.week_start.isoformat(), "weekday": WEEKDAYS[row.week_start.weekday()]},
                    "not_monday",
                )
            )
        elif marketplace is not None:
            first, last = horizons[marketplace.code.upper()]
            if not first <= row.week_start <= last:
                errors.append(
                    field_error(
                        ref,
                        "week_start",
                        _("Week %(week)s is outside the forecast horizon of %(mp)s: %(first)s to %(last)s (%(n)s weeks from this week).")
                        % {
                            "week": row.week_start.isoformat(),
                            "mp": marketplace.code,
                            "first": first.isoformat(),
                            "last": last.isoformat(),
                            "n": FORECAST_HORIZON_WEEKS,
                        },
                        "outside_horizon",
                    )
                )
        for name, label in (("mean", _("Mean")), ("p70", "P70"), ("p80", "P80"), ("p90", "P90")):
            errors.extend(_amount_errors(getattr(row, name), ref, name, maximum=MAX_UNITS, label=label))
        if len(errors) > problems:
            continue
        if not row.p70 <= row.p80 <= row.p90:
            errors.append(
                field_error(
                    ref,
                    "p80" if row.p70 > row.p80 else "p90",
                    _("The percentiles must not decrease: P70 %(p70)s ≤ P80 %(p80)s ≤ P90 %(p90)s.")
                    % {"p70": row.p70, "p80": row.p80, "p90": row.p90},
                    "percentiles_order",
                )
            )
            continue
        checked = CheckedForecast(product, marketplace, row.week_start, row.mean, row.p70, row.p80, row.p90)
        if checked.key in seen:
            errors.append(
                field_error(
                    ref,
                    "week_start",
                    _("Row %(other)s already gives %(sku)s in %(mp)s for the week of %(week)s.")
                    % {"other": seen[checked.key] + 1, "sku": product.vendor_sku, "mp": marketplace.code, "week": row.week_start.isoformat()},
                    "duplicate",
                )
            )
            continue
        seen[checked.key] = index
        result.rows.append(checked)
    if not errors:
        result.replaced_count = len(_current_rows(vendor, result.rows))
    return result


def _current_rows(vendor, rows: list[CheckedForecast]) -> list[int]:
    """Ids of the current forecasts these rows replace."""
    if not rows:
        return []
    keys = {row.key for row in rows}
    candidates = (
        Forecast.objects.current()
        .filter(
            vendor=vendor,
            product_id__in={key[0] for key in keys},
            marketplace_id__in={key[1] for key in keys},
            week_start__in={key[2] for key in keys},
        )
        .values_list("pk", "product_id", "marketplace_id", "week_start")
    )
    return [pk for pk, product_id, marketplace_id, week in candidates if (product_id, marketplace_id, week) in keys]


def forecast_dry_run(*, scope, vendor, rows: list[ForecastRow], now=None) -> ForecastCheck:
    """What a publication would do (rows, new and replaced weeks), or every error; nothing is saved."""
    _require_planner(scope)
    checked = forecast_check(vendor=vendor, rows=rows, now=now)
    if checked.errors:
        raise DomainValidationError(_("The forecasts have errors; nothing would be published."), errors=checked.errors)
    return checked


def forecast_publish(
    *, scope, vendor, rows: list[ForecastRow], actor: Actor, source: str = ForecastSource.API, file_name: str = "", now=None
) -> ForecastPublication:
    """Publish a vendor's forecasts: all rows or none. Weeks already forecast get the new numbers; the
    earlier rows are kept, superseded by this publication."""
    _require_planner(scope)
    with transaction.atomic():
        # One publication at a time per vendor: the replaced rows and the version number stay exact.
        vendor = Vendor.objects.select_for_update().get(pk=vendor.pk)
        checked = forecast_check(vendor=vendor, rows=rows, now=now)
        if checked.errors:
            raise DomainValidationError(_("The forecasts have errors; nothing was published."), errors=checked.errors)
        replaced = _current_rows(vendor, checked.rows)
        published_at = timezone.now()
        weeks = [row.week_start for row in checked.rows]
        version = (ForecastPublication.objects.filter(vendor=vendor).aggregate(v=Max("version"))["v"] or 0) + 1
        publication = ForecastPublication.objects.create(
            vendor=vendor,
            version=version,
            source=source,
            file_name=file_name[:200],
            published_at=published_at,
            published_by=actor.user,
            published_by_label=actor.label,
            row_count=len(checked.rows),
            new_count=len(checked.rows) - len(replaced),
            replaced_count=len(replaced),
            week_from=min(weeks),
            week_to=max(weeks),
        )
        Forecast.objects.filter(pk__in=replaced).update(superseded_by=publication)
        Forecast.objects.bulk_create(
            [
                Forecast(
                    vendor=vendor,
                    product=row.product,
                    marketplace=row.marketplace,
                    week_start=row.week_start,
                    mean=row.mean,
                    p70=row.p70,
                    p80=row.p80,
                    p90=row.p90,
                    publication=publication,
                    published_at=published_at,
                )
                for row in checked.rows
            ],
            batch_size=1000,
        )
        pairs = sorted({(row.product.vendor_sku, row.marketplace.code) for row in checked.rows})
        marketplaces = sorted({row.marketplace.code for row in checked.rows})
        audit_record(
            actor=actor,
            action="forecast.publish",
            obj=publication,
            after={
                **snapshot(publication, ["version", "source", "file_name", "row_count", "new_count", "replaced_count", "week_from", "week_to"]),
                "marketplaces": marketplaces,
                "products": [f"{sku}/{mp}" for sku, mp in pairs[:AUDIT_LIST_LIMIT]],
            },
        )
        events.publish(
            events.ForecastPublished(
                vendor_id=vendor.pk,
                channel=actor.channel,
                publication_id=publication.pk,
                version=version,
                marketplaces=tuple(marketplaces),
                week_from=publication.week_from.isoformat(),
                week_to=publication.week_to.isoformat(),
                row_count=publication.row_count,
            )
        )
        single_marketplace = next(row.marketplace for row in checked.rows) if len(marketplaces) == 1 else None
        notify_vendor_roles(
            vendor=vendor,
            roles=[Role.VENDOR_ADMIN, Role.VENDOR_OPS],
            marketplace=single_marketplace,
            kind="forecast_published",
            title=_("New demand forecast (version %(v)s)") % {"v": version},
            body=_("%(products)s products in %(mps)s, weeks %(first)s to %(last)s.")
            % {
                "products": len({row.product.pk for row in checked.rows}),
                "mps": ", ".join(marketplaces),
                "first": publication.week_from.isoformat(),
                "last": publication.week_to.isoformat(),
            },
            url="/planning/forecasts/",
        )
    return publication
