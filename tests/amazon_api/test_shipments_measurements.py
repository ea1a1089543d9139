"""Weights and dimensions in Amazon's ASN shapes: a submitted plan's cartons and pallets carry `weight`
and `dimensions` and its `shipmentMeasurements` the shipment's weight and volume in GetShipmentDetails; a
confirmation's (or SubmitShipments') weights and dimensions are stored in the portal's units, exactly, and
come back; a weight that is no weight fails at its field and changes nothing."""

import copy
from decimal import Decimal

import pytest

from shipments.models import Shipment
from shipments.services.asn import shipment_submit
from shipments.services.plans import shipment_create
from tests.amazon_api.shipping import CONFIRMATIONS, MODEL, SHIPMENTS, confirmation, shipment
from tests.audit_check import audit_exempt
from tests.shipments.factories import confirmed_purchase_order, plan, ship_from
from tests.sp_api_schema import assert_valid_response
from vendor_portal.models import Product
from vendor_portal.services.audit import Actor
from vendor_portal.tenancy import Scope

pytestmark = pytest.mark.django_db
TRANSACTIONS = "vendorTransactionStatus.json"


@pytest.fixture
def submit(django_capture_on_commit_callbacks):
    def post(client, path, data, operation="SubmitShipmentConfirmations"):
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(path, data, format="json")
        assert_valid_response(MODEL, operation, response.status_code, response.json())
        assert response.status_code == 202, response.json()
        answer = client.get(f"/vendor/transactions/v1/transactions/{response.json()['payload']['transactionId']}")
        assert_valid_response(TRANSACTIONS, "getTransaction", answer.status_code, answer.json())
        return answer.json()["payload"]["transactionStatus"]

    return post


@pytest.fixture
def po(vendor, account):
    ship_from(vendor)
    return confirmed_purchase_order(vendor, lines=1, quantity=12, number="ACMEWEIGHPO1")


def details(client, identifier) -> dict:
    response = client.get(SHIPMENTS, {"vendorShipmentIdentifier": identifier})
    assert_valid_response(MODEL, "GetShipmentDetails", response.status_code, response.json())
    [found] = response.json()["payload"]["shipments"]
    return found


def test_a_submitted_plan_carries_its_cartons_and_pallets_weights_and_dimensions(amazon, vendor, po):
    with audit_exempt():
        Product.objects.filter(pk=po.lines.get().product_id).update(
            carton_weight_kg=Decimal("7.2"), carton_length_cm=Decimal("40"), carton_width_cm=Decimal("30"), carton_height_cm=Decimal("25")
        )
    scope = Scope(vendor=vendor)
    made = shipment_create(
        scope=scope, data=plan(po, identifier="WEIGHED-1", cartons_per_pallet=2, weight_unit="kg", dimension_unit="cm"), actor=Actor.system()
    )
    shipment_submit(scope=scope, shipment_id=made.pk, actor=Actor.system())

    found = details(amazon, "WEIGHED-1")

    cartons = [c for c in found["containers"] if c["containerType"] == "carton"]
    [pallet] = [c for c in found["containers"] if c["containerType"] == "pallet"]
    assert [c["weight"] for c in cartons] == [{"unitOfMeasure": "Kg", "value": "7.2"}] * 2
    assert cartons[0]["dimensions"] == {"length": "0.4", "width": "0.3", "height": "0.25", "unitOfMeasure": "Meter"}
    assert pallet["weight"] == {"unitOfMeasure": "Kg", "value": "14.4"} and "dimensions" not in pallet
    assert found["shipmentMeasurements"] == {
        "totalCartonCount": 2,
        "totalPalletNonStackable": 1,
        "shipmentWeight": {"unitOfMeasure": "Kg", "value": "14.4"},
    }


def test_a_plan_in_pounds_and_inches_is_sent_in_pounds_and_inches(amazon, vendor, po):
    scope = Scope(vendor=vendor)
    made = shipment_create(scope=scope, data=plan(po, identifier="WEIGHED-LB"), actor=Actor.system())  # a US DC: lb and in
    made.cartons.filter(index=1).update(weight=Decimal("15.5"), weight_unit="lb", length=16, width=12, height=10, dimension_unit="in")
    shipment_submit(scope=scope, shipment_id=made.pk, actor=Actor.system())

    carton = next(c for c in details(amazon, "WEIGHED-LB")["containers"] if c["containerSequenceNumber"] == "1")

    assert carton["weight"] == {"unitOfMeasure": "Lb", "value": "15.5"}
    assert carton["dimensions"] == {"length": "16", "width": "12", "height": "10", "unitOfMeasure": "In"}


def test_a_confirmations_weights_and_dimensions_are_stored_exactly_and_come_back(amazon, submit, vendor, po):
    body = confirmation(po, identifier="ASN-WEIGHED-1", cartons_per_line=3)
    body["cartons"][0]["weight"] = {"unitOfMeasure": "G", "value": "3600"}
    body["cartons"][0]["dimensions"] = {"length": "0.4", "width": "0.3", "height": "0.25", "unitOfMeasure": "Meter"}
    body["cartons"][1]["weight"] = {"unitOfMeasure": "Kg", "value": "3.6"}
    body["pallets"][0]["weight"] = {"unitOfMeasure": "Lb", "value": "40"}
    body["pallets"][0]["dimensions"] = {"length": "4", "width": "3.5", "height": "4", "unitOfMeasure": "Ft"}
    body["shipmentMeasurements"] = {"grossShipmentWeight": {"unitOfMeasure": "Lb", "value": "41.5"}, "palletCount": 1}

    assert submit(amazon, CONFIRMATIONS, {"shipmentConfirmations": [body]})["status"] == "Success"

    asn = Shipment.objects.get(shipment_identifier="ASN-WEIGHED-1")
    first, second, _third = asn.cartons.order_by("index")
    assert (first.weight, first.weight_unit, first.length, first.width, first.height, first.dimension_unit) == (
        Decimal("3.600"),
        "kg",
        Decimal("40.00"),
        Decimal("30.00"),
        Decimal("25.00"),
        "cm",
    )
    assert (second.weight, second.length) == (Decimal("3.600"), None)  # only what was given
    pallet = asn.pallets.get()
    assert (pallet.weight, pallet.weight_unit, pallet.length, pallet.width, pallet.dimension_unit) == (
        Decimal("40.000"),
        "lb",
        Decimal("48.00"),
        Decimal("42.00"),
        "in",
    )
    assert (asn.gross_weight, asn.weight_unit) == (Decimal("41.500"), "lb")
    found = details(amazon, "ASN-WEIGHED-1")
    assert found["shipmentMeasurements"]["shipmentWeight"] == {"unitOfMeasure": "Lb", "value": "41.5"}
    cartons = {c["containerSequenceNumber"]: c for c in found["containers"]}
    assert cartons["1"]["dimensions"] == {"length": "0.4", "width": "0.3", "height": "0.25", "unitOfMeasure": "Meter"}
    assert "weight" not in cartons["3"]  # the vendor's system did not weigh it: the portal invents nothing


def test_submit_shipments_containers_carry_their_weight_in_ounces_and_size_in_yards(amazon, submit, vendor, po):
    body = shipment(po, identifier="SHP-WEIGHED-1")
    body["containers"][0]["weight"] = {"unitOfMeasure": "Oz", "value": "200"}
    body["containers"][0]["dimensions"] = {"length": "0.5", "width": "0.25", "height": "1", "unitOfMeasure": "Yard"}

    assert submit(amazon, SHIPMENTS, {"shipments": [body]}, operation="SubmitShipments")["status"] == "Success"

    carton = Shipment.objects.get(shipment_identifier="SHP-WEIGHED-1").cartons.get()
    assert (carton.weight, carton.weight_unit, carton.length, carton.width, carton.height, carton.dimension_unit) == (
        Decimal("12.500"),
        "lb",
        Decimal("18.00"),
        Decimal("9.00"),
        Decimal("36.00"),
        "in",
    )


def test_a_weight_that_is_no_weight_fails_at_its_field_and_changes_nothing(amazon, submit, vendor, po):
    body = confirmation(po, identifier="ASN-BAD-WEIGHT")
    spoilt = copy.deepcopy(body)
    spoilt["cartons"][1]["weight"] = {"unitOfMeasure": "Kg", "value": "-2"}

    status = submit(amazon, CONFIRMATIONS, {"shipmentConfirmations": [spoilt]})

    assert status["status"] == "Failure"
    details_ = [error["details"] for error in status["errors"]]
    assert any("field=shipmentConfirmations[0].cartons[1].weight" in d for d in details_), details_
    assert not Shipment.objects.exists()
