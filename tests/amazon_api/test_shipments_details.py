"""GetShipmentDetails: the vendor's shipments in Amazon's Shipment shape, filtered, sorted and paged with
nextToken; limit 1-50; another vendor's shipments never appear."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from shipments.models import Shipment
from shipments.services.asn import shipment_submit
from shipments.services.plans import shipment_carton_set_tracking, shipment_create
from tests.amazon_api.shipping import MODEL, SHIPMENTS
from tests.factories import vendor_user
from tests.shipments.factories import confirmed_purchase_order, plan, ship_from
from tests.sp_api_schema import assert_valid_response
from vendor_portal.roles import Role
from vendor_portal.services.audit import Actor
from vendor_portal.tenancy import Scope

pytestmark = pytest.mark.django_db


def build(vendor, count, *, submit=True, prefix="ACMESECRET-SHP"):
    """`count` ship plans (two-line POs, palletized), submitted unless told otherwise; oldest first."""
    ship_from(vendor)
    scope = Scope(vendor=vendor, roles=frozenset({Role.VENDOR_OPS}))
    actor = Actor(user=vendor_user(vendor, Role.VENDOR_OPS, username=f"{prefix.lower()}-shipper"))
    made = []
    for n in range(count):
        po = confirmed_purchase_order(vendor, lines=2, quantity=12)
        shipment = shipment_create(scope=scope, data=plan(po, identifier=f"{prefix}-{n}", cartons_per_pallet=3), actor=actor)
        if submit:
            shipment_carton_set_tracking(scope=scope, shipment_id=shipment.pk, tracking={1: "1Z1"}, actor=actor)
            shipment_submit(scope=scope, shipment_id=shipment.pk, actor=actor)
        made.append(shipment)
    return made


def get(client, **query):
    response = client.get(SHIPMENTS, query)
    assert_valid_response(MODEL, "GetShipmentDetails", response.status_code, response.json())
    return response


def test_a_shipment_in_amazons_shape(amazon, vendor, account):
    [made] = build(vendor, 1)

    response = get(amazon)

    assert response.status_code == 200
    [shipment] = response.json()["payload"]["shipments"]
    assert shipment["vendorShipmentIdentifier"] == made.shipment_identifier
    assert shipment["currentShipmentStatus"] == "Shipped" and shipment["transactionType"] == "New"
    assert shipment["sellingParty"] == {"partyId": "ACMEUS"}
    assert shipment["shipToParty"]["partyId"] == made.ship_to.code
    cartons = [c for c in shipment["containers"] if c["containerType"] == "carton"]
    pallets = [c for c in shipment["containers"] if c["containerType"] == "pallet"]
    assert [c["containerIdentifiers"][0]["containerIdentificationNumber"] for c in cartons] == list(
        made.cartons.order_by("index").values_list("sscc", flat=True)
    )
    assert len(cartons) == 4 and len(pallets) == 2
    assert pallets[0]["innerContainersDetails"]["containerSequenceNumbers"] == [{"containerSequenceNumber": n} for n in ("1", "2", "3")]
    assert [i["shippedQuantity"] for i in shipment["purchaseOrders"][0]["items"]] == [{"amount": 12, "unitOfMeasure": "Eaches", "unitSize": 1}] * 2
    assert shipment["transportationDetails"]["billOfLadingNumber"] == "BOL-1"
    assert "pagination" not in response.json()["payload"]


@pytest.mark.parametrize("order", ["ASC", "DESC"])
def test_next_token_pages_never_overlap_or_skip(amazon, vendor, order):
    made = build(vendor, 5)
    seen, token = [], None
    while True:
        query = {"limit": 2, "sortOrder": order}
        if token:
            query["nextToken"] = token
        payload = get(amazon, **query).json()["payload"]
        seen += [s["vendorShipmentIdentifier"] for s in payload["shipments"]]
        token = payload.get("pagination", {}).get("nextToken")
        if not token:
            break
    expected = [s.shipment_identifier for s in made]
    assert seen == (expected if order == "ASC" else expected[::-1])


@pytest.mark.parametrize(
    "query", [{"limit": 0}, {"limit": 51}, {"limit": "x"}, {"createdAfter": "not-a-date"}, {"sortOrder": "asc"}, {"nextToken": "forged"}]
)
def test_bad_parameters_are_a_400(amazon, vendor, query):
    response = get(amazon, **query)
    assert response.status_code == 400
    assert response.json()["errors"][0]["code"] == "InvalidInput"


def test_filters(amazon, vendor):
    build(vendor, 2)
    [draft] = build(vendor, 1, submit=False, prefix="DRAFT")
    assert [s["vendorShipmentIdentifier"] for s in get(amazon, currentShipmentStatus="Created").json()["payload"]["shipments"]] == [
        draft.shipment_identifier
    ]
    assert len(get(amazon, currentShipmentStatus="Shipped").json()["payload"]["shipments"]) == 2
    assert len(get(amazon, vendorShipmentIdentifier="ACMESECRET-SHP-1").json()["payload"]["shipments"]) == 1
    assert get(amazon, currentShipmentStatus="CarrierAssigned").json()["payload"]["shipments"] == []
    assert get(amazon, scheduledPickUpAfter="2024-01-01T00:00:00Z").json()["payload"]["shipments"] == []
    later = (datetime.datetime.now(datetime.UTC) + datetime.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert get(amazon, createdAfter=later).json()["payload"]["shipments"] == []
    assert len(get(amazon, shipmentConfirmedBefore=later).json()["payload"]["shipments"]) == 2
    assert len(get(amazon, buyerWarehouseCode=draft.ship_to.code).json()["payload"]["shipments"]) == 3


def test_another_vendors_shipments_never_appear(globex, vendor):
    build(vendor, 2)
    response = get(globex)
    assert response.status_code == 200 and response.json()["payload"]["shipments"] == []
    assert get(globex, vendorShipmentIdentifier="ACMESECRET-SHP-0").json()["payload"]["shipments"] == []
    assert "ACMESECRET" not in response.content.decode()


def test_a_page_costs_the_same_queries_for_one_or_many_shipments(amazon, vendor):
    build(vendor, 1)
    get(amazon)  # the token's first use of the day is recorded once
    with CaptureQueriesContext(connection) as small:
        get(amazon)
    build(vendor, 4, prefix="MORE")
    with CaptureQueriesContext(connection) as large:
        get(amazon)
    assert len(large) == len(small)
    assert Shipment.objects.count() == 5
