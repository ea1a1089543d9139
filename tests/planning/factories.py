"""Arrangements for the planning tests. Forecasts and promotions are made through the services (they audit
themselves), as a retailer buyer would."""

import datetime
from decimal import Decimal

from planning.models import current_week_start, marketplace_today
from planning.services.forecasts import ForecastRow, forecast_publish
from planning.services.promotions import PromotionInput, PromotionLineInput, promotion_create, promotion_share
from tests.factories import ProductCostFactory, ProductFactory, marketplace, retailer_user
from vendor_portal.roles import Role
from vendor_portal.services.audit import Actor
from vendor_portal.tenancy import Scope

PLANNER = Scope(is_retailer=True, roles=frozenset({Role.BUYER}))


def buyer():
    from vendor_portal.models import User

    return User.objects.filter(username="buyer").first() or retailer_user(Role.BUYER, username="buyer")


def buyer_actor() -> Actor:
    return Actor(user=buyer())


def rows_for(product, mp_code="US", weeks=26, *, start=None, mean=100, step=0) -> list[ForecastRow]:
    """`weeks` consecutive weeks of one product from this week (in the marketplace's time zone)."""
    mp = marketplace(mp_code)
    first = start or current_week_start(mp)
    rows = []
    for offset in range(weeks):
        value = Decimal(mean + step * offset)
        rows.append(
            ForecastRow(
                vendor_sku=product.vendor_sku,
                marketplace=mp.code,
                week_start=first + datetime.timedelta(weeks=offset),
                mean=value,
                p70=value + 10,
                p80=value + 20,
                p90=value + 35,
            )
        )
    return rows


def publish(vendor, rows, actor=None):
    return forecast_publish(scope=PLANNER, vendor=vendor, rows=rows, actor=actor or buyer_actor())


def promotion_input(vendor, products, *, mp_code="US", name="Holiday deal", days=14, length=7, expected=100, price="19.99", funding="2.50"):
    mp = marketplace(mp_code)
    start = marketplace_today(mp) + datetime.timedelta(days=days)
    return PromotionInput(
        vendor=vendor,
        marketplace=mp,
        name=name,
        promotion_type="best_deal",
        start_date=start,
        end_date=start + datetime.timedelta(days=length - 1),
        lines=[
            PromotionLineInput(
                vendor_sku=product.vendor_sku, promotional_price=Decimal(price), expected_units=expected, vendor_funding_per_unit=Decimal(funding)
            )
            for product in products
        ],
    )


def draft_promotion(vendor, products=None, actor=None, **kwargs):
    if products is None:
        products = [ProductFactory(vendor=vendor) for _ in range(2)]
        for product in products:
            ProductCostFactory(product=product, marketplace=marketplace(kwargs.get("mp_code", "US")), cost="10.00", list_price="29.99")
    return promotion_create(scope=PLANNER, data=promotion_input(vendor, products, **kwargs), actor=actor or buyer_actor())


def shared_promotion(vendor, products=None, **kwargs):
    promotion = draft_promotion(vendor, products, **kwargs)
    return promotion_share(scope=PLANNER, promotion_id=promotion.pk, actor=buyer_actor())
