"""The portal's purchase orders in Amazon's shapes (vendorOrders.json), field for field.

Dates are ISO-8601 in UTC with a Z, windows are `start--end`, money is {"currencyCode", "amount"} with
the amount a decimal string, quantities are integers with Cases/Eaches and the case size. Prices
(`netCost`, `listPrice`) are per each, as Amazon's model defines them, whatever unit the line is ordered
in: the portal keeps a line's price per its unit of measure (per case for Cases), so a Cases line's price
is divided by its case size here.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.conf import settings
from django.db.models import F, Q

from purchase_orders.models import PurchaseOrder, PurchaseOrderLine, PurchaseOrderState
from vendor_portal.models import VendorAccount
from vendor_portal.money import per_each, round_money

# Amazon's three PO states, and which of the portal's states each one covers (PurchaseOrder.amazon_state).
AMAZON_PO_STATES = {
    "New": [PurchaseOrderState.NEW],
    "Acknowledged": [PurchaseOrderState.ACKNOWLEDGED, PurchaseOrderState.PARTIALLY_SHIPPED, PurchaseOrderState.SHIPPED],
    "Closed": [PurchaseOrderState.CLOSED, PurchaseOrderState.CANCELLED, PurchaseOrderState.RECEIVED],
}
# getPurchaseOrdersStatus: CLOSED once the buyer received everything (or nothing more will come).
AMAZON_PO_STATUSES = {
    "OPEN": [PurchaseOrderState.NEW, PurchaseOrderState.ACKNOWLEDGED, PurchaseOrderState.PARTIALLY_SHIPPED, PurchaseOrderState.SHIPPED],
    "CLOSED": [PurchaseOrderState.RECEIVED, PurchaseOrderState.CLOSED, PurchaseOrderState.CANCELLED],
}
IMPORT_METHODS_OF_PAYMENT = {
    "PaidByBuyer",
    "CollectOnDelivery",
    "DefinedByBuyerAndSeller",
    "FOBPortOfCall",
    "PrepaidBySeller",
    "PaidBySeller",
}
INCOTERMS = {
    "ExWorks",
    "FreeCarrier",
    "FreeOnBoard",
    "FreeAlongSideShip",
    "CarriagePaidTo",
    "CostAndFreight",
    "CarriageAndInsurancePaidTo",
    "CostInsuranceAndFreight",
    "DeliveredAtTerminal",
    "DeliveredAtPlace",
    "DeliverDutyPaid",
}


def amazon_datetime(value: datetime.datetime | None) -> str | None:
    if value is None:
        return None
    value = value.astimezone(datetime.UTC)
    timespec = "milliseconds" if value.microsecond else "seconds"
    return value.replace(tzinfo=None).isoformat(timespec=timespec) + "Z"


def amazon_window(start, end) -> str | None:
    if start is None or end is None:
        return None
    return f"{amazon_datetime(start)}--{amazon_datetime(end)}"


def money(amount: Decimal | None, currency: str) -> dict | None:
    if amount is None:
        return None
    return {"currencyCode": currency, "amount": str(round_money(amount))}


def price_per_each(amount: Decimal | None, line: PurchaseOrderLine, currency: str) -> dict | None:
    """A line's price (per its unit of measure in the portal) as Amazon's Money per each."""
    if amount is None:
        return None
    return {"currencyCode": currency, "amount": str(per_each(amount, line.eaches_per_unit))}


def item_quantity(amount: int, line: PurchaseOrderLine) -> dict:
    return {"amount": int(amount), "unitOfMeasure": line.unit_of_measure, "unitSize": line.unit_size}


def _compact(data: dict) -> dict:
    """Amazon leaves out what a PO does not have rather than sending nulls."""
    return {key: value for key, value in data.items() if value is not None and value != ""}


# Parties -----------------------------------------------------------------------------------------
def selling_party_ids(purchase_orders) -> dict:
    """{(vendor_id, marketplace_id): vendor code in that marketplace}, in one query for a page of POs."""
    vendor_ids = {po.vendor_id for po in purchase_orders}
    if not vendor_ids:
        return {}
    accounts = VendorAccount.objects.filter(vendor_id__in=vendor_ids).values_list("vendor_id", "marketplace_id", "vendor_code")
    return {(vendor_id, marketplace_id): code for vendor_id, marketplace_id, code in accounts}


def selling_party_id(po: PurchaseOrder, codes: dict) -> str:
    # A vendor without an account in the PO's marketplace is still identified: by its portal code.
    return codes.get((po.vendor_id, po.marketplace_id)) or po.vendor.code


def retailer_party_id(po: PurchaseOrder) -> str:
    return getattr(settings, "AMAZON_RETAILER_PARTY_ID", "") or po.ship_to.code


def ship_to_party(po: PurchaseOrder) -> dict:
    dc = po.ship_to
    address = _compact(
        {
            "name": dc.name,
            "addressLine1": dc.line1,
            "addressLine2": dc.line2,
            "city": dc.city,
            "stateOrRegion": dc.state_or_region,
            "postalCode": dc.postal_code,
            "countryCode": dc.country_code,
        }
    )
    return {"partyId": dc.code, "address": address}


# getPurchaseOrders / getPurchaseOrder -------------------------------------------------------------
def import_details(po: PurchaseOrder) -> dict | None:
    details = _compact(
        {
            "methodOfPayment": po.import_method_of_payment if po.import_method_of_payment in IMPORT_METHODS_OF_PAYMENT else None,
            "internationalCommercialTerms": po.import_incoterms if po.import_incoterms in INCOTERMS else None,
            "portOfDelivery": po.import_port_of_delivery[:64],
            "importContainers": po.import_containers[:64],
            "shippingInstructions": po.import_shipping_instructions,
        }
    )
    return details or None


def order_item(line: PurchaseOrderLine, currency: str) -> dict:
    return _compact(
        {
            "itemSequenceNumber": str(line.sequence),
            "amazonProductIdentifier": line.asin,
            "vendorProductIdentifier": line.vendor_sku,
            "orderedQuantity": item_quantity(line.ordered_quantity, line),
            "isBackOrderAllowed": line.backorder_allowed,
            "netCost": price_per_each(line.net_cost, line, currency),
            "listPrice": price_per_each(line.list_price, line, currency),
        }
    )


def order(po: PurchaseOrder, *, selling_party: str, include_details: bool = True) -> dict:
    """An `Order`. With details, `po.lines` should be prefetched (in sequence order)."""
    data = {"purchaseOrderNumber": po.number, "purchaseOrderState": po.amazon_state}
    if not include_details:
        return data
    retailer = retailer_party_id(po)
    data["orderDetails"] = _compact(
        {
            "purchaseOrderDate": amazon_datetime(po.order_date),
            "purchaseOrderChangedDate": amazon_datetime(po.changed_at),
            "purchaseOrderStateChangedDate": amazon_datetime(po.state_changed_at),
            "purchaseOrderType": po.order_type,
            "importDetails": import_details(po),
            "dealCode": po.deal_code,
            "paymentMethod": po.payment_method,
            "buyingParty": {"partyId": po.buying_party_id or retailer},
            "sellingParty": {"partyId": selling_party},
            "shipToParty": ship_to_party(po),
            "billToParty": {"partyId": po.bill_to_party_id or retailer},
            "shipWindow": amazon_window(po.ship_window_start, po.ship_window_end),
            "deliveryWindow": amazon_window(po.delivery_window_start, po.delivery_window_end),
            "items": [order_item(line, po.currency) for line in po.lines.all()],
        }
    )
    return data


# getPurchaseOrdersStatus --------------------------------------------------------------------------
def confirmation_status(line: PurchaseOrderLine) -> str:
    """Keep in step with CONFIRMATION_STATUS_Q below (the filter)."""
    if line.acknowledged_at is None:
        return "UNCONFIRMED"
    supplied = line.accepted_quantity + line.backordered_quantity
    if supplied == 0:
        return "REJECTED"
    if supplied >= line.ordered_quantity:
        return "ACCEPTED"
    return "PARTIALLY_ACCEPTED"


def receive_status(line: PurchaseOrderLine) -> str:
    """Keep in step with RECEIVE_STATUS_Q below (the filter)."""
    if line.received_quantity == 0:
        return "NOT_RECEIVED"
    if line.received_quantity >= line.accepted_quantity + line.backordered_quantity:
        return "RECEIVED"
    return "PARTIALLY_RECEIVED"


def _supplied():
    return F("accepted_quantity") + F("backordered_quantity")


# The same statuses as filters on PurchaseOrderLine (for itemConfirmationStatus / itemReceiveStatus).
CONFIRMATION_STATUS_Q = {
    "UNCONFIRMED": lambda: Q(acknowledged_at__isnull=True),
    "REJECTED": lambda: Q(acknowledged_at__isnull=False, accepted_quantity=0, backordered_quantity=0),
    "ACCEPTED": lambda: Q(acknowledged_at__isnull=False, ordered_quantity__lte=_supplied()) & ~Q(accepted_quantity=0, backordered_quantity=0),
    "PARTIALLY_ACCEPTED": lambda: (
        Q(acknowledged_at__isnull=False, ordered_quantity__gt=_supplied()) & ~Q(accepted_quantity=0, backordered_quantity=0)
    ),
}
RECEIVE_STATUS_Q = {
    "NOT_RECEIVED": lambda: Q(received_quantity=0),
    "RECEIVED": lambda: Q(received_quantity__gt=0, received_quantity__gte=_supplied()),
    "PARTIALLY_RECEIVED": lambda: Q(received_quantity__gt=0, received_quantity__lt=_supplied()),
}


def _acknowledgement_details(line: PurchaseOrderLine, acknowledgements) -> list[dict]:
    """One entry per revision that confirmed this line, newest first (Acknowledgement rows keep each revision)."""
    details = []
    for acknowledgement in acknowledgements:
        for given in acknowledgement.lines:
            if given.get("sequence") == line.sequence:
                details.append(
                    {
                        "acknowledgementDate": amazon_datetime(acknowledgement.submitted_at),
                        "acceptedQuantity": item_quantity(given.get("accepted", 0) + given.get("backordered", 0), line),
                        "rejectedQuantity": item_quantity(given.get("rejected", 0), line),
                    }
                )
    return details


def order_item_status(line: PurchaseOrderLine, po: PurchaseOrder, acknowledgements) -> dict:
    ordered_detail = _compact(
        {
            "updatedDate": amazon_datetime(po.changed_at or po.order_date),
            "orderedQuantity": item_quantity(line.ordered_quantity, line),
            "cancelledQuantity": item_quantity(line.cancelled_quantity, line) if line.cancelled_quantity else None,
        }
    )
    acknowledgement = {
        "confirmationStatus": confirmation_status(line),
        "acceptedQuantity": item_quantity(line.accepted_quantity + line.backordered_quantity, line),
        "rejectedQuantity": item_quantity(line.rejected_quantity, line),
    }
    details = _acknowledgement_details(line, acknowledgements)
    if details:
        acknowledgement["acknowledgementStatusDetails"] = details
    return _compact(
        {
            "itemSequenceNumber": str(line.sequence),
            "buyerProductIdentifier": line.asin,
            "vendorProductIdentifier": line.vendor_sku,
            "netCost": price_per_each(line.net_cost, line, po.currency),
            "listPrice": price_per_each(line.list_price, line, po.currency),
            "orderedQuantity": {"orderedQuantity": item_quantity(line.ordered_quantity, line), "orderedQuantityDetails": [ordered_detail]},
            "acknowledgementStatus": acknowledgement,
            "receivingStatus": {
                "receiveStatus": receive_status(line),
                "receivedQuantity": item_quantity(line.received_quantity, line),
            },
        }
    )


def order_status(po: PurchaseOrder, *, selling_party: str) -> dict:
    """An `OrderStatus`. `po.lines` and `po.acknowledgements` should be prefetched."""
    acknowledgements = list(po.acknowledgements.all())
    return _compact(
        {
            "purchaseOrderNumber": po.number,
            "purchaseOrderStatus": "CLOSED" if po.state in AMAZON_PO_STATUSES["CLOSED"] else "OPEN",
            "purchaseOrderDate": amazon_datetime(po.order_date),
            "lastUpdatedDate": amazon_datetime(po.updated_at),
            "sellingParty": {"partyId": selling_party},
            "shipToParty": ship_to_party(po),
            "itemStatus": [order_item_status(line, po, acknowledgements) for line in po.lines.all()],
        }
    )
