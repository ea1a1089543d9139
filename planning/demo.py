"""Demo forecasts and promotions for `manage.py seed_demo`, made through the services.

Per vendor:
- forecasts for its first eight products in two marketplaces, 26 weeks from this week, with a seasonal shape
  (ACME's home goods peak in the holiday season, GLOBEX's outdoor gear in spring and summer) and a widening
  P70-P90 band further out; then a second publication revising the next eight weeks of three products, so
  the product page shows the previous version;
- three promotions: one shared and waiting for the vendor, one confirmed by the vendor's ops (one line
  below the expected units, with a note), one declined with a reason;
- an availability report from the vendor's ops for every active product at its MAIN warehouse, a few of them
  short, so the buyer's PO screens show availability and the warning on lines accepted above it.

Idempotent: a vendor with any forecast publication gets no new one, promotions are found by name, and a vendor
with an availability report gets no new one.
"""

from __future__ import annotations

import datetime
import math
import random
from decimal import Decimal

from vendor_portal.models import Marketplace, Membership, Product
from vendor_portal.models.audit import Channel
from vendor_portal.roles import Role
from vendor_portal.services.audit import Actor
from vendor_portal.tenancy import Scope

from .models import (
    FORECAST_HORIZON_WEEKS,
    AvailabilityReport,
    AvailabilitySource,
    ForecastPublication,
    ForecastSource,
    Promotion,
    PromotionType,
    current_week_start,
    marketplace_today,
)
from .services.availability import AvailabilityRow, availability_report
from .services.forecasts import ForecastRow, forecast_publish
from .services.promotions import (
    LineCommitment,
    PromotionInput,
    PromotionLineInput,
    promotion_confirm,
    promotion_create,
    promotion_decline,
    promotion_share,
)

MARKETPLACES = {"ACME": ("US", "DE"), "GLOBEX": ("DE", "US")}
PRODUCTS_WITH_FORECASTS = 8
REVISED_PRODUCTS = 3
REVISED_WEEKS = 8
# Week of the year the season peaks, and how strong it is.
SEASON = {"ACME": (48, 0.9), "GLOBEX": (24, 0.7)}
Z = {"p70": Decimal("0.5244"), "p80": Decimal("0.8416"), "p90": Decimal("1.2816")}  # standard normal quantiles

SHARED, CONFIRMED, DECLINED = "shared", "confirmed", "declined"
PROMOTIONS = [
    # state, name, type, days from today to the start, length in days, marketplace index
    (SHARED, "{brand} season best deal", PromotionType.BEST_DEAL, 20, 7, 0),
    (CONFIRMED, "{brand} lightning deal", PromotionType.LIGHTNING_DEAL, 12, 1, 0),
    (DECLINED, "{brand} price discount", PromotionType.PRICE_DISCOUNT, 30, 14, 1),
]


def seed(world) -> str:
    buyer = _person(vendor=None, role=Role.BUYER)
    planner = Scope(is_retailer=True, roles=frozenset({Role.BUYER}))
    publications = promotions = reports = skipped = 0
    for vendor in world["vendors"].values():
        if ForecastPublication.objects.filter(vendor=vendor).exists():
            skipped += 1
        else:
            publications += _seed_forecasts(vendor, buyer, planner)
        promotions += _seed_promotions(vendor, buyer, planner)
        reports += _seed_availability(vendor)
    summary = f"{publications} forecast publications, {promotions} promotions and {reports} availability reports created"
    return summary + (f", {skipped} vendors' forecasts already there" if skipped else "")


def _person(*, vendor, role) -> Actor:
    membership = Membership.objects.filter(vendor=vendor, role=role).select_related("user").order_by("pk").first()
    return Actor(user=membership.user if membership else None, channel=Channel.SYSTEM)


def _products(vendor) -> list[Product]:
    return list(Product.objects.filter(vendor=vendor, is_active=True).order_by("vendor_sku")[:PRODUCTS_WITH_FORECASTS])


def _seasonal(code: str, day: datetime.date) -> float:
    peak_week, strength = SEASON.get(code, (30, 0.5))
    distance = (day.isocalendar().week - peak_week) / 52 * 2 * math.pi
    return 1 + strength * (math.cos(distance) + 1) / 2 * 1.6 - strength * 0.4


def _row(product, marketplace, week: datetime.date, mean: float, horizon_weeks: int) -> ForecastRow:
    mean_units = Decimal(str(round(max(mean, 0.0), 1)))
    spread = Decimal(str(0.14 + 0.012 * horizon_weeks))  # uncertainty grows with the horizon
    values = {name: (mean_units * (1 + spread * z)).quantize(Decimal("1")) for name, z in Z.items()}
    return ForecastRow(vendor_sku=product.vendor_sku, marketplace=marketplace.code, week_start=week, mean=mean_units, **values)


def _seed_forecasts(vendor, buyer: Actor, planner: Scope) -> int:
    rng = random.Random(f"forecast-{vendor.code}")
    marketplaces = [Marketplace.objects.get(code=code) for code in MARKETPLACES.get(vendor.code, ("US",))]
    products = _products(vendor)
    first, revised = [], []
    for product in products:
        base = rng.uniform(40, 600)
        for position, marketplace in enumerate(marketplaces):
            scale = 1.0 if position == 0 else rng.uniform(0.25, 0.6)
            start = current_week_start(marketplace)
            for offset in range(FORECAST_HORIZON_WEEKS):
                week = start + datetime.timedelta(weeks=offset)
                mean = base * scale * _seasonal(vendor.code, week) * rng.uniform(0.9, 1.1)
                first.append(_row(product, marketplace, week, mean, offset))
                if products.index(product) < REVISED_PRODUCTS and position == 0 and offset < REVISED_WEEKS:
                    # A week later the buyer sees stronger sell-through and raises the near weeks.
                    revised.append(_row(product, marketplace, week, mean * rng.uniform(1.08, 1.25), offset))
    if not first:
        return 0
    forecast_publish(scope=planner, vendor=vendor, rows=first, actor=buyer, source=ForecastSource.SYSTEM, file_name="demo-forecast.csv")
    forecast_publish(scope=planner, vendor=vendor, rows=revised, actor=buyer, source=ForecastSource.SYSTEM, file_name="demo-forecast-revision.csv")
    return 2


def _seed_promotions(vendor, buyer: Actor, planner: Scope) -> int:
    brand = vendor.name.split()[0]
    existing = set(Promotion.objects.filter(vendor=vendor).values_list("name", flat=True))
    products = _products(vendor)
    if len(products) < 3:
        return 0
    marketplaces = [Marketplace.objects.get(code=code) for code in MARKETPLACES.get(vendor.code, ("US",))]
    ops = _person(vendor=vendor, role=Role.VENDOR_OPS)
    vendor_scope = Scope(vendor=vendor, roles=frozenset({Role.VENDOR_OPS}))
    rng = random.Random(f"promotion-{vendor.code}")
    created = 0
    for index, (state, name, promotion_type, days, length, mp_index) in enumerate(PROMOTIONS):
        name = name.format(brand=brand)
        if name in existing:
            continue
        marketplace = marketplaces[mp_index % len(marketplaces)]
        start = marketplace_today(marketplace) + datetime.timedelta(days=days)
        lines = []
        for product in products[index * 2 : index * 2 + 3]:
            list_price = product.costs.filter(marketplace=marketplace).values_list("list_price", flat=True).first() or Decimal("49.99")
            price = (list_price * Decimal(str(rng.choice([0.7, 0.75, 0.8])))).quantize(Decimal("0.01"))
            lines.append(
                PromotionLineInput(
                    vendor_sku=product.vendor_sku,
                    promotional_price=price,
                    expected_units=rng.choice([200, 300, 500, 800, 1200]),
                    vendor_funding_per_unit=((list_price - price) * Decimal("0.5")).quantize(Decimal("0.01")),
                )
            )
        promotion = promotion_create(
            scope=planner,
            actor=buyer,
            data=PromotionInput(
                vendor=vendor,
                marketplace=marketplace,
                name=name,
                promotion_type=promotion_type,
                start_date=start,
                end_date=start + datetime.timedelta(days=length - 1),
                lines=lines,
                buyer_note="Featured placement on the deals page." if state == SHARED else "",
            ),
        )
        promotion_share(scope=planner, promotion_id=promotion.pk, actor=buyer)
        if state == CONFIRMED:
            commitments = [
                LineCommitment(
                    sequence=sequence,
                    committed_units=line.expected_units if sequence > 1 else line.expected_units * 3 // 4,
                    note="Production slot limited; the rest ships after the deal." if sequence == 1 else "",
                )
                for sequence, line in enumerate(lines, start=1)
            ]
            promotion_confirm(scope=vendor_scope, promotion_id=promotion.pk, commitments=commitments, actor=ops)
        elif state == DECLINED:
            promotion_decline(
                scope=vendor_scope, promotion_id=promotion.pk, reason="No stock in that marketplace until the next container lands.", actor=ops
            )
        created += 1
    return created


def _seed_availability(vendor) -> int:
    place = vendor.ship_from_addresses.filter(code="MAIN").first()
    products = list(Product.objects.filter(vendor=vendor, is_active=True).order_by("vendor_sku"))
    if place is None or not products or AvailabilityReport.objects.filter(vendor=vendor).exists():
        return 0
    ops = _person(vendor=vendor, role=Role.VENDOR_OPS)
    scope = Scope(vendor=vendor, roles=frozenset({Role.VENDOR_OPS}))
    randomizer = random.Random(f"availability-{vendor.code}")
    rows = []
    for index, product in enumerate(products):
        on_hand = product.case_pack * randomizer.randint(20, 400)
        # Every fifth product runs short: little left to ship beyond what is promised elsewhere.
        available = product.case_pack * randomizer.randint(0, 3) if index % 5 == 4 else on_hand - product.case_pack * randomizer.randint(0, 10)
        rows.append(AvailabilityRow(ship_from=place.code, on_hand=on_hand, available=max(available, 0), vendor_sku=product.vendor_sku))
    availability_report(scope=scope, vendor=vendor, rows=rows, actor=ops, source=AvailabilitySource.API)
    return 1
