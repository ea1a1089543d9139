"""GetShipmentDetails and GetShipmentLabels: the vendor's shipments filtered and read with keyset pagination."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Prefetch, Q
from django.utils.translation import gettext as _

from shipments.models import Carton, CartonItem, Shipment, ShipmentLine, ShipmentState

from ..params import SORT_ORDERS, QueryParams, decode_next_token, encode_next_token

SHIPPED_STATES = (ShipmentState.SUBMITTED, ShipmentState.RECEIVING, ShipmentState.RECEIVED)
LIMIT_MAX = 50


@dataclass
class Page:
    rows: list
    next_token: str | None
    sort_order: str = "DESC"


def _page_start(params: QueryParams, listing: str):
    limit = params.limit(default=LIMIT_MAX, maximum=LIMIT_MAX)
    requested = params.choice("sortOrder", SORT_ORDERS)
    cursor = decode_next_token(params, listing)
    sort_order = requested or (cursor[0] if cursor else "DESC")
    if cursor and requested and cursor[0] != requested:
        params.add_error("sortOrder", _("This nextToken continues a %(order)s listing; send the same sortOrder or none.") % {"order": cursor[0]})
    return limit, sort_order, (cursor[1], cursor[2]) if cursor else None


def _range(params: QueryParams, queryset, field_name: str, after_name: str, before_name: str, *, dates: bool = False):
    after, before = params.datetime(after_name), params.datetime(before_name)
    if after and before and before <= after:
        params.add_error(before_name, _("%(before)s must be later than %(after)s.") % {"before": before_name, "after": after_name})
    if dates:  # a date column: compare with the dates of the instants, in UTC
        after = after.astimezone(datetime.UTC).date() if after else None
        before = before.astimezone(datetime.UTC).date() if before else None
    if after:
        queryset = queryset.filter(**{f"{field_name}__gte": after})
    if before:
        queryset = queryset.filter(**{f"{field_name}__lt" if not dates else f"{field_name}__lte": before})
    return queryset


def _keyset(queryset, *, field_name: str, limit: int, sort_order: str, after, listing: str, max_bytes=None) -> Page:
    later = "gt" if sort_order == "ASC" else "lt"
    ordering = (field_name, "id") if sort_order == "ASC" else (f"-{field_name}", "-id")
    if after:
        moment, last_id = after
        queryset = queryset.filter(Q(**{f"{field_name}__{later}": moment}) | Q(**{field_name: moment, f"id__{later}": last_id}))
    rows = list(queryset.order_by(*ordering)[: limit + 1])
    next_token = None
    if len(rows) > limit:
        rows = rows[:limit]
        last = rows[-1]
        next_token = encode_next_token(listing, sort_order=sort_order, last_date=getattr(last, field_name), last_id=last.pk)
    return Page(rows=rows, next_token=next_token, sort_order=sort_order)


def _with_contents(queryset):
    return queryset.select_related("vendor", "ship_to", "ship_from").prefetch_related(
        Prefetch("lines", queryset=ShipmentLine.objects.select_related("purchase_order_line__purchase_order").order_by("pk")),
        Prefetch(
            "cartons",
            queryset=Carton.objects.order_by("index").prefetch_related(
                Prefetch("items", queryset=CartonItem.objects.select_related("shipment_line__purchase_order_line__purchase_order").order_by("pk"))
            ),
        ),
        "pallets",
    )


def _nothing_matches(params: QueryParams, queryset, *names: str):
    """Filters on facts the portal does not keep (pickups, buyer references): checked, and nothing matches them."""
    given = False
    for name in names:
        if name.endswith(("Before", "After")):
            given = params.datetime(name) is not None or given
        else:
            given = params.text(name) is not None or given
    return queryset.none() if given else queryset


def shipment_page(*, scope, query) -> Page:
    """GetShipmentDetails."""
    params = QueryParams(query)
    limit, sort_order, after = _page_start(params, "shipments")
    queryset = Shipment.objects.visible_to(scope)
    queryset = _range(params, queryset, "created_at", "createdAfter", "createdBefore")
    queryset = _range(params, queryset, "submitted_at", "shipmentConfirmedAfter", "shipmentConfirmedBefore")
    queryset = _range(params, queryset, "submitted_at", "packageLabelCreatedAfter", "packageLabelCreatedBefore")
    queryset = _range(params, queryset, "ship_date", "shippedAfter", "shippedBefore", dates=True)
    queryset = _range(params, queryset, "estimated_arrival", "estimatedDeliveryAfter", "estimatedDeliveryBefore", dates=True)
    queryset = _range(params, queryset, "received_at", "shipmentDeliveryAfter", "shipmentDeliveryBefore")
    queryset = _nothing_matches(
        params, queryset, "requestedPickUpAfter", "requestedPickUpBefore", "scheduledPickUpAfter", "scheduledPickUpBefore", "buyerReferenceNumber"
    )
    status = params.choice("currentShipmentStatus", ["Created", "TransportationRequested", "CarrierAssigned", "Shipped"])
    identifier = params.text("vendorShipmentIdentifier")
    buyer_warehouse = params.text("buyerWarehouseCode")
    seller_warehouse = params.text("sellerWarehouseCode")
    params.raise_if_invalid()
    if status == "Created":
        queryset = queryset.filter(state__in=(ShipmentState.DRAFT, ShipmentState.CANCELLED))
    elif status == "Shipped":
        queryset = queryset.filter(state__in=SHIPPED_STATES)
    elif status:
        queryset = queryset.none()  # the portal does not book transport
    if identifier:
        queryset = queryset.filter(shipment_identifier=identifier)
    if buyer_warehouse:
        queryset = queryset.filter(ship_to__code=buyer_warehouse)
    if seller_warehouse:
        queryset = queryset.filter(ship_from__code=seller_warehouse)
    return _keyset(_with_contents(queryset), field_name="created_at", limit=limit, sort_order=sort_order, after=after, listing="shipments")


def label_page(*, scope, query) -> Page:
    """GetShipmentLabels: submitted shipments that have cartons, by the time their labels became final (submission)."""
    params = QueryParams(query)
    limit, sort_order, after = _page_start(params, "transportLabels")
    queryset = Shipment.objects.visible_to(scope).filter(state__in=SHIPPED_STATES, cartons__isnull=False).distinct()
    queryset = _range(params, queryset, "submitted_at", "labelCreatedAfter", "labelCreatedBefore")
    queryset = _nothing_matches(params, queryset, "buyerReferenceNumber")
    identifier = params.text("vendorShipmentIdentifier")
    seller_warehouse = params.text("sellerWarehouseCode")
    params.raise_if_invalid()
    if identifier:
        queryset = queryset.filter(shipment_identifier=identifier)
    if seller_warehouse:
        queryset = queryset.filter(ship_from__code=seller_warehouse)
    queryset = queryset.select_related("vendor", "ship_to", "ship_from")
    return _keyset(queryset, field_name="submitted_at", limit=limit, sort_order=sort_order, after=after, listing="transportLabels")


def labels_next_token(page: Page, used: int) -> str | None:
    """When the byte budget cut the page short, continue after the last shipment sent."""
    if used >= len(page.rows):
        return page.next_token
    last = page.rows[used - 1]
    return encode_next_token("transportLabels", sort_order=page.sort_order, last_date=last.submitted_at, last_id=last.pk)
