"""getPurchaseOrdersStatus: per-item confirmation and receiving status, filters and pagination."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from amazon_api.representations import CONFIRMATION_STATUS_Q, RECEIVE_STATUS_Q, confirmation_status, receive_status
from purchase_orders.models import PurchaseOrderLine, PurchaseOrderState
from purchase_orders.services.confirmations import LineConfirmation, purchase_order_acknowledge
from tests.audit_check import audit_exempt
from tests.factories import WarehouseFactory
from tests.purchase_orders.factories import PurchaseOrderFactory, purchase_order_with_lines
from tests.sp_api_schema import assert_valid_response
from vendor_portal.models import Channel
from vendor_portal.services.audit import Actor
from vendor_portal.tenancy import Scope

ORDERS = "vendorOrders.json"
STATUS = "/vendor/orders/v1/purchaseOrdersStatus"

pytestmark = pytest.mark.django_db


def get_status(client, **params):
    response = client.get(STATUS, params)
    assert_valid_response(ORDERS, "getPurchaseOrdersStatus", response.status_code, response.json())
    return response


def acknowledge(vendor, po, *confirmations):
    purchase_order_acknowledge(scope=Scope(vendor=vendor), number=po.number, lines=list(confirmations), actor=Actor(channel=Channel.API))


@pytest.fixture
def mixed_po(vendor):
    """Three lines: accepted and received, partly accepted and partly received, rejected."""
    po = purchase_order_with_lines(vendor, lines=3, number="STATUS01")
    acknowledge(
        vendor,
        po,
        LineConfirmation(sequence=1, accepted=60),
        LineConfirmation(sequence=2, accepted=48, rejected=12, rejection_reason="ObsoleteProduct"),
        LineConfirmation(sequence=3, rejected=60, rejection_reason="TemporarilyUnavailable"),
    )
    with audit_exempt():
        po.lines.filter(sequence=1).update(shipped_quantity=60, received_quantity=60)
        po.lines.filter(sequence=2).update(shipped_quantity=48, received_quantity=24)
    return po


def test_status_of_each_item_in_amazons_shape(amazon, vendor, account, mixed_po):
    purchase_order_with_lines(vendor, lines=1, number="UNCONF01")

    payload = get_status(amazon, sortOrder="ASC").json()["payload"]

    by_number = {status["purchaseOrderNumber"]: status for status in payload["ordersStatus"]}
    status = by_number["STATUS01"]
    assert status["purchaseOrderStatus"] == "OPEN"
    assert status["sellingParty"] == {"partyId": "ACMEUS"} and status["shipToParty"]["partyId"] == "ABE2"
    items = status["itemStatus"]
    assert [i["acknowledgementStatus"]["confirmationStatus"] for i in items] == ["ACCEPTED", "PARTIALLY_ACCEPTED", "REJECTED"]
    assert [i["receivingStatus"]["receiveStatus"] for i in items] == ["RECEIVED", "PARTIALLY_RECEIVED", "NOT_RECEIVED"]
    second = items[1]
    assert second["acknowledgementStatus"]["acceptedQuantity"] == {"amount": 48, "unitOfMeasure": "Eaches", "unitSize": 1}
    assert second["acknowledgementStatus"]["rejectedQuantity"]["amount"] == 12
    assert second["acknowledgementStatus"]["acknowledgementStatusDetails"][0]["acceptedQuantity"]["amount"] == 48
    assert second["orderedQuantity"]["orderedQuantity"]["amount"] == 60
    assert second["receivingStatus"]["receivedQuantity"]["amount"] == 24
    assert second["netCost"] == {"currencyCode": "USD", "amount": "10.00"}
    unconfirmed = by_number["UNCONF01"]["itemStatus"][0]["acknowledgementStatus"]
    assert unconfirmed["confirmationStatus"] == "UNCONFIRMED" and "acknowledgementStatusDetails" not in unconfirmed


def test_each_revision_appears_in_the_acknowledgement_details(amazon, vendor, account):
    po = purchase_order_with_lines(vendor, lines=1, number="REVISE01")
    acknowledge(vendor, po, LineConfirmation(sequence=1, accepted=60))
    acknowledge(vendor, po, LineConfirmation(sequence=1, accepted=54, rejected=6, rejection_reason="ObsoleteProduct"))
    item = get_status(amazon).json()["payload"]["ordersStatus"][0]["itemStatus"][0]
    details = item["acknowledgementStatus"]["acknowledgementStatusDetails"]
    assert [d["acceptedQuantity"]["amount"] for d in details] == [54, 60]  # newest first


def test_item_status_filters_agree_with_the_statuses_shown(amazon, vendor, account, mixed_po):
    purchase_order_with_lines(vendor, lines=1, number="UNCONF01")
    for name, statuses, compute in (
        ("itemConfirmationStatus", CONFIRMATION_STATUS_Q, confirmation_status),
        ("itemReceiveStatus", RECEIVE_STATUS_Q, receive_status),
    ):
        for value, condition in statuses.items():
            numbers = sorted(s["purchaseOrderNumber"] for s in get_status(amazon, **{name: value}).json()["payload"]["ordersStatus"])
            expected = sorted(
                {line.purchase_order.number for line in PurchaseOrderLine.objects.select_related("purchase_order") if compute(line) == value}
            )
            assert numbers == expected, (name, value)
            in_sql = set(PurchaseOrderLine.objects.filter(condition()).values_list("pk", flat=True))
            in_python = {line.pk for line in PurchaseOrderLine.objects.all() if compute(line) == value}
            assert in_sql == in_python, (name, value)


def test_po_level_filters(amazon, vendor, account):
    now = timezone.now()
    purchase_order_with_lines(vendor, lines=1, number="OPEN0001", order_date=now - datetime.timedelta(days=3))
    purchase_order_with_lines(vendor, lines=1, number="DONE0001", state=PurchaseOrderState.RECEIVED, ship_to=WarehouseFactory(code="SEA8"))

    def numbers(**params):
        return sorted(s["purchaseOrderNumber"] for s in get_status(amazon, **params).json()["payload"]["ordersStatus"])

    assert numbers(purchaseOrderStatus="OPEN") == ["OPEN0001"]
    assert numbers(purchaseOrderStatus="CLOSED") == ["DONE0001"]
    assert numbers(shipToPartyId="SEA8") == ["DONE0001"]
    assert numbers(purchaseOrderNumber="OPEN0001") == ["OPEN0001"]
    assert numbers(createdBefore=(now - datetime.timedelta(days=1)).isoformat()) == ["OPEN0001"]
    assert numbers(updatedAfter=(now - datetime.timedelta(minutes=5)).isoformat()) == ["DONE0001", "OPEN0001"]
    assert numbers(orderingVendorCode="ACMEUS") == ["DONE0001", "OPEN0001"]
    assert numbers(orderingVendorCode="NOPE") == []


@pytest.mark.parametrize(
    "params", [{"limit": "0"}, {"limit": "101"}, {"updatedAfter": "31/12/2024"}, {"purchaseOrderStatus": "open"}, {"itemReceiveStatus": "DONE"}]
)
def test_bad_parameters_are_400(amazon, params):
    response = get_status(amazon, **params)
    assert response.status_code == 400
    assert response.json()["errors"][0]["code"] == "InvalidInput"


@pytest.mark.parametrize("sort_order", ["ASC", "DESC"])
def test_next_token_walks_every_po_exactly_once(amazon, vendor, sort_order):
    moment = timezone.now()
    for n in range(7):
        PurchaseOrderFactory(vendor=vendor, number=f"STW{n:05d}", order_date=moment if n % 2 else moment - datetime.timedelta(hours=n))
    seen, token = [], None
    while True:
        payload = get_status(amazon, limit=2, sortOrder=sort_order, **({"nextToken": token} if token else {})).json()["payload"]
        seen += [s["purchaseOrderNumber"] for s in payload["ordersStatus"]]
        token = payload.get("pagination", {}).get("nextToken")
        if not token:
            break
    assert sorted(seen) == [f"STW{n:05d}" for n in range(7)] and len(seen) == 7


def test_a_page_costs_the_same_queries_for_few_and_many_pos(amazon, vendor, account):
    purchase_order_with_lines(vendor, lines=1)
    get_status(amazon)
    with CaptureQueriesContext(connection) as few:
        get_status(amazon)
    for n in range(10):
        po = purchase_order_with_lines(vendor, lines=3, number=f"MANY{n:04d}")
        acknowledge(vendor, po, *[LineConfirmation(sequence=s, accepted=60) for s in (1, 2, 3)])
    with CaptureQueriesContext(connection) as many:
        assert len(get_status(amazon).json()["payload"]["ordersStatus"]) == 11
    assert len(many) == len(few) <= 6


def test_another_vendors_pos_never_appear(globex, vendor, mixed_po):
    response = get_status(globex)
    assert response.json()["payload"]["ordersStatus"] == []
    assert get_status(globex, purchaseOrderNumber="STATUS01").json()["payload"]["ordersStatus"] == []
