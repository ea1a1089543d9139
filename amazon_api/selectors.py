"""Reads of the Amazon-compatible door: the PO listings with Amazon's filters and keyset pagination.

Every read starts from `visible_to(scope)`. Pages are cut on (order date, id), so a `nextToken` walk
never repeats or skips a PO even while new ones arrive, and each page costs the same few queries.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Prefetch, Q
from django.utils.translation import gettext as _

from purchase_orders.models import Acknowledgement, PurchaseOrder, PurchaseOrderLine
from vendor_portal.errors import NotFoundError
from vendor_portal.models import VendorAccount

from .models import Transaction
from .params import SORT_ORDERS, QueryParams, decode_next_token, encode_next_token
from .representations import AMAZON_PO_STATES, AMAZON_PO_STATUSES, CONFIRMATION_STATUS_Q, RECEIVE_STATUS_Q

PURCHASE_ORDERS = "purchaseOrders"
PURCHASE_ORDERS_STATUS = "purchaseOrdersStatus"


@dataclass
class Page:
    rows: list
    next_token: str | None


@dataclass
class PageRequest:
    limit: int
    sort_order: str
    after: tuple | None  # (order_date, id) of the previous page's last PO


def _page_request(params: QueryParams, listing: str) -> PageRequest:
    limit = params.limit()
    requested = params.choice("sortOrder", SORT_ORDERS)
    cursor = decode_next_token(params, listing)
    sort_order = requested or (cursor[0] if cursor else "DESC")
    if cursor and requested and cursor[0] != requested:
        params.add_error("sortOrder", _("This nextToken continues a %(order)s listing; send the same sortOrder or none.") % {"order": cursor[0]})
    return PageRequest(limit=limit, sort_order=sort_order, after=(cursor[1], cursor[2]) if cursor else None)


def _date_range(params: QueryParams, queryset, field: str, after_name: str, before_name: str):
    after, before = params.datetime(after_name), params.datetime(before_name)
    if after and before and before <= after:
        params.add_error(before_name, _("%(before)s must be later than %(after)s.") % {"before": before_name, "after": after_name})
    if after:
        queryset = queryset.filter(**{f"{field}__gte": after})
    if before:
        queryset = queryset.filter(**{f"{field}__lt": before})
    return queryset


def _ordering_vendor(queryset, vendor_code: str | None):
    if not vendor_code:
        return queryset
    accounts = VendorAccount.objects.filter(vendor=OuterRef("vendor"), marketplace=OuterRef("marketplace"), vendor_code=vendor_code)
    return queryset.filter(Exists(accounts))


def _keyset_page(queryset, request: PageRequest, listing: str) -> Page:
    if request.sort_order == "ASC":
        ordering, later = ("order_date", "id"), "gt"
    else:
        ordering, later = ("-order_date", "-id"), "lt"
    if request.after:
        date, last_id = request.after
        queryset = queryset.filter(Q(**{f"order_date__{later}": date}) | Q(order_date=date, **{f"id__{later}": last_id}))
    rows = list(queryset.order_by(*ordering)[: request.limit + 1])
    next_token = None
    if len(rows) > request.limit:
        rows = rows[: request.limit]
        last = rows[-1]
        next_token = encode_next_token(listing, sort_order=request.sort_order, last_date=last.order_date, last_id=last.pk)
    return Page(rows=rows, next_token=next_token)


def _lines(condition: Q):
    return Exists(PurchaseOrderLine.objects.filter(condition, purchase_order=OuterRef("pk")))


def purchase_order_page(*, scope, query) -> tuple[Page, bool]:
    """getPurchaseOrders: (page of POs, whether to include details)."""
    params = QueryParams(query)
    page_request = _page_request(params, PURCHASE_ORDERS)
    queryset = PurchaseOrder.objects.visible_to(scope)
    queryset = _date_range(params, queryset, "order_date", "createdAfter", "createdBefore")
    queryset = _date_range(params, queryset, "changed_at", "changedAfter", "changedBefore")
    state = params.choice("purchaseOrderState", list(AMAZON_PO_STATES))
    include_details = params.boolean("includeDetails", default=True)
    is_changed = params.boolean("isPOChanged")
    item_state = params.choice("poItemState", ["Cancelled"])
    vendor_code = params.text("orderingVendorCode")
    params.raise_if_invalid()

    if state:
        queryset = queryset.filter(state__in=AMAZON_PO_STATES[state])
    if is_changed is not None:
        queryset = queryset.filter(changed_at__isnull=not is_changed)
    if item_state == "Cancelled":
        queryset = queryset.filter(_lines(Q(cancelled_quantity__gt=0)))
    queryset = _ordering_vendor(queryset, vendor_code)
    queryset = queryset.select_related("vendor", "ship_to")
    if include_details:
        queryset = queryset.prefetch_related(Prefetch("lines", queryset=PurchaseOrderLine.objects.order_by("sequence")))
    return _keyset_page(queryset, page_request, PURCHASE_ORDERS), include_details


def purchase_order_detail(*, scope, number: str) -> PurchaseOrder:
    po = (
        PurchaseOrder.objects.visible_to(scope)
        .select_related("vendor", "ship_to")
        .prefetch_related(Prefetch("lines", queryset=PurchaseOrderLine.objects.order_by("sequence")))
        .filter(number=number)
        .first()
    )
    if po is None:
        # The same answer for another vendor's PO as for one that does not exist; the number is not echoed.
        raise NotFoundError(_("The purchase order was not found."), field="purchaseOrderNumber")
    return po


def purchase_order_status_page(*, scope, query) -> Page:
    """getPurchaseOrdersStatus."""
    params = QueryParams(query)
    page_request = _page_request(params, PURCHASE_ORDERS_STATUS)
    queryset = PurchaseOrder.objects.visible_to(scope)
    queryset = _date_range(params, queryset, "order_date", "createdAfter", "createdBefore")
    queryset = _date_range(params, queryset, "updated_at", "updatedAfter", "updatedBefore")
    number = params.text("purchaseOrderNumber")
    status = params.choice("purchaseOrderStatus", list(AMAZON_PO_STATUSES))
    confirmation = params.choice("itemConfirmationStatus", list(CONFIRMATION_STATUS_Q))
    receiving = params.choice("itemReceiveStatus", list(RECEIVE_STATUS_Q))
    vendor_code = params.text("orderingVendorCode")
    ship_to = params.text("shipToPartyId")
    params.raise_if_invalid()

    if number:
        queryset = queryset.filter(number=number)
    if status:
        queryset = queryset.filter(state__in=AMAZON_PO_STATUSES[status])
    if confirmation:
        queryset = queryset.filter(_lines(CONFIRMATION_STATUS_Q[confirmation]()))
    if receiving:
        queryset = queryset.filter(_lines(RECEIVE_STATUS_Q[receiving]()))
    if ship_to:
        queryset = queryset.filter(ship_to__code=ship_to)
    queryset = _ordering_vendor(queryset, vendor_code)
    queryset = queryset.select_related("vendor", "ship_to").prefetch_related(
        Prefetch("lines", queryset=PurchaseOrderLine.objects.order_by("sequence")),
        Prefetch("acknowledgements", queryset=Acknowledgement.objects.order_by("-revision")),
    )
    return _keyset_page(queryset, page_request, PURCHASE_ORDERS_STATUS)


def transaction_detail(*, scope, transaction_id: str, user=None) -> Transaction:
    try:
        pk = uuid.UUID(str(transaction_id))
    except ValueError:
        pk = None
    queryset = Transaction.objects.visible_to(scope)
    if scope is not None and not scope.is_retailer and scope.marketplace_ids is not None:
        # A transaction's payload may span marketplaces and it has no marketplace of its own, so a person
        # limited to some marketplaces reads only the transactions they submitted themselves.
        queryset = queryset.filter(submitted_by=user) if getattr(user, "pk", None) else queryset.none()
    found = queryset.filter(pk=pk).first() if pk else None
    if found is None:
        raise NotFoundError(_("The transaction was not found."), field="transactionId")
    return found
