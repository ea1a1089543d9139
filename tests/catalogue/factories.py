"""Arrangements for item setup and cost change tests, made through the services as the vendor and buyer would."""

import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from catalogue.services.costs import CostChangeInput, cost_change_accept, cost_changes_propose
from catalogue.services.items import ItemInput, OfferInput, PackLevelInput
from purchase_orders.services.orders import LineInput, PurchaseOrderInput, purchase_order_create
from tests.factories import WarehouseFactory, marketplace, retailer_user, vendor_user
from vendor_portal.gs1 import gs1_check_digit
from vendor_portal.roles import Role
from vendor_portal.services.audit import Actor
from vendor_portal.tenancy import scope_for_user


def gtin13(body12: str) -> str:
    return body12 + str(gs1_check_digit(body12))


def gtin14(body13: str) -> str:
    return body13 + str(gs1_check_digit(body13))


def buyer():
    from vendor_portal.models import User

    return User.objects.filter(username="buyer").first() or retailer_user(Role.BUYER, username="buyer")


def buyer_scope_actor():
    user = buyer()
    return scope_for_user(user), Actor(user=user)


def vendor_scope_actor(vendor, role=Role.VENDOR_OPS):
    from vendor_portal.models import User

    username = f"{vendor.code.lower()}-{role.replace('_', '-')}"
    user = User.objects.filter(username=username).first() or vendor_user(vendor, role, username=username)
    return scope_for_user(user), Actor(user=user)


def item_input(*, sku="KTL-NEW-1", gtin=None, case_gtin=None, case_pack=6, levels=None, offers=None, **fields) -> ItemInput:
    gtin = gtin or gtin13("061414100777")
    marketplace("US")
    return ItemInput(
        vendor_sku=sku,
        title=fields.pop("title", "Acme glass kettle 1.5 L"),
        brand="Acme",
        gtin=gtin,
        case_gtin=case_gtin or gtin14("1" + gtin[:12]),
        case_pack=case_pack,
        country_of_origin=fields.pop("country_of_origin", "CN"),
        hs_code=fields.pop("hs_code", "851671"),
        minimum_order_quantity=case_pack,
        pack_levels=levels
        if levels is not None
        else [
            PackLevelInput("each", Decimal("20"), Decimal("15"), Decimal("25"), Decimal("1.2")),
            PackLevelInput("case", Decimal("45"), Decimal("32"), Decimal("52"), Decimal("7.6")),
        ],
        offers=offers if offers is not None else [OfferInput("US", Decimal("18.40"), Decimal("39.99"))],
        **fields,
    )


def next_weekday(day: datetime.date, weekday: int) -> datetime.date:
    """The first `weekday` (0 Monday) after `day`."""
    return day + datetime.timedelta(days=(weekday - day.weekday() - 1) % 7 + 1)


def noon(day: datetime.date, mp_code="US") -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(12), tzinfo=ZoneInfo(marketplace(mp_code).time_zone))


def accepted_change(vendor, product, *, new_cost, effective_from, now=None, mp_code="US"):
    scope, actor = vendor_scope_actor(vendor)
    (request,) = cost_changes_propose(
        scope=scope,
        changes=[
            CostChangeInput(
                marketplace=mp_code, new_cost=Decimal(new_cost), effective_from=effective_from, reason="Steel price", vendor_sku=product.vendor_sku
            )
        ],
        actor=actor,
        now=now,
    )
    buyer_scope, buyer_actor = buyer_scope_actor()
    return cost_change_accept(scope=buyer_scope, request_id=request.pk, actor=buyer_actor, now=now)


def issue_po(vendor, product, *, number, order_date, quantity=12, mp_code="US", **line):
    mp = marketplace(mp_code)
    dc = WarehouseFactory(code=f"{mp_code}DC1", marketplace=mp)
    return purchase_order_create(
        data=PurchaseOrderInput(
            vendor=vendor,
            marketplace=mp,
            number=number,
            ship_to=dc,
            ship_window_start=order_date + datetime.timedelta(days=7),
            ship_window_end=order_date + datetime.timedelta(days=14),
            order_date=order_date,
            lines=[LineInput(sequence=1, ordered_quantity=quantity, vendor_sku=product.vendor_sku, **line)],
        ),
        actor=Actor(user=buyer()),
    )
