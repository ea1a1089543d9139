"""The ship-from party of a shipment confirmation names one of the vendor's ship-from codes: a code the vendor
added through /api/v1/ship-from-addresses/ is accepted at once; a retired or unknown one is refused on
shipFromParty.partyId (Amazon door) or `ship_from` (own API), and nothing is saved."""

import copy
import datetime

import pytest
from django.utils import timezone

from shipments.models import Shipment
from tests.amazon_api.shipping import CONFIRMATIONS, MODEL, confirmation, eaches
from tests.factories import vendor_user
from tests.shipments.factories import confirmed_purchase_order, ship_from
from tests.sp_api_schema import assert_valid_response
from vendor_portal.roles import Role

pytestmark = pytest.mark.django_db

RENO = {"name": "Reno DC", "line1": "1 Industrial Way", "city": "Reno", "postal_code": "89502", "country_code": "US", "gln": "0614141000005"}


@pytest.fixture
def po(vendor, account):
    ship_from(vendor)  # MAIN, the vendor's first
    return confirmed_purchase_order(vendor, lines=2, quantity=60, number="ACMESECRETPO1")


def _submit(client, body, capture) -> dict:
    with capture(execute=True):
        response = client.post(CONFIRMATIONS, {"shipmentConfirmations": [body]}, format="json")
    assert_valid_response(MODEL, "SubmitShipmentConfirmations", response.status_code, response.json())
    assert response.status_code == 202, response.json()
    answer = client.get(f"/vendor/transactions/v1/transactions/{response.json()['payload']['transactionId']}")
    return answer.json()["payload"]["transactionStatus"]


def test_a_code_added_through_the_api_is_accepted_as_the_ship_from_party(amazon, vendor, po, django_capture_on_commit_callbacks):
    added = amazon.post("/api/v1/ship-from-addresses/", {"code": "RENO1", **RENO}, format="json")
    assert added.status_code == 201, added.json()
    body = confirmation(po)
    body["shipFromParty"] = {"partyId": "RENO1"}

    status = _submit(amazon, body, django_capture_on_commit_callbacks)

    assert status["status"] == "Success", status
    assert Shipment.objects.get(vendor=vendor).ship_from.code == "RENO1"


@pytest.mark.parametrize("code, rule", [("RENO1", "ship_from_retired"), ("NOWHERE", "unknown_ship_from")])
def test_a_retired_or_unknown_code_is_refused_on_the_ship_from_party(amazon, vendor, po, django_capture_on_commit_callbacks, code, rule):
    added = amazon.post("/api/v1/ship-from-addresses/", {"code": "RENO1", **RENO}, format="json").json()
    assert amazon.post(f"/api/v1/ship-from-addresses/{added['id']}/retire", format="json").status_code == 200
    body = confirmation(po)
    body["shipFromParty"] = {"partyId": code}

    status = _submit(amazon, body, django_capture_on_commit_callbacks)

    assert status["status"] == "Failure"
    details = [error["details"] for error in status["errors"]]
    assert any(f"rule={rule}; field=shipmentConfirmations[0].shipFromParty.partyId" in d for d in details), details
    assert not Shipment.objects.exists()


def test_a_shipment_that_left_from_a_retired_place_keeps_it(amazon, vendor, po, django_capture_on_commit_callbacks):
    added = amazon.post("/api/v1/ship-from-addresses/", {"code": "RENO1", **RENO}, format="json").json()
    body = confirmation(po)
    body["shipFromParty"] = {"partyId": "RENO1"}
    assert _submit(amazon, body, django_capture_on_commit_callbacks)["status"] == "Success"
    assert amazon.post(f"/api/v1/ship-from-addresses/{added['id']}/retire", format="json").status_code == 200

    # Its Replace ASN may still name the place it left from.
    replace = copy.deepcopy(body)
    replace["shipmentConfirmationType"] = "Replace"
    replace["shippedItems"][0]["shippedQuantity"] = eaches(54)
    replace["cartons"][1]["items"][0]["shippedQuantity"] = eaches(24)
    assert _submit(amazon, replace, django_capture_on_commit_callbacks)["status"] == "Success"

    shipment = Shipment.objects.get(vendor=vendor)
    assert (shipment.asn_revision, shipment.ship_from.code, shipment.ship_from.is_retired) == (2, "RENO1", True)


def test_own_api_refuses_a_retired_ship_from_naming_the_field(api_client, vendor, django_capture_on_commit_callbacks):
    reno = ship_from(vendor, code="RENO1")
    ship_from(vendor, code="MAIN")
    api_client.force_authenticate(vendor_user(vendor, Role.VENDOR_ADMIN))
    assert api_client.post(f"/api/v1/ship-from-addresses/{reno.pk}/retire", format="json").status_code == 200
    po = confirmed_purchase_order(vendor, lines=1, quantity=30)
    body = {
        "ship_to": po.ship_to.code,
        "shipment_identifier": "API-RETIRED",
        "ship_date": (timezone.localdate() + datetime.timedelta(days=3)).isoformat(),
        "transport_mode": "ltl",
        "carrier_scac": "ABFS",
        "bol_number": "BOL-7",
        "cartons_per_pallet": 0,
        "ship_from": "RENO1",
        "lines": [{"purchase_order_line": line.pk, "quantity": line.open_to_ship} for line in po.lines.all()],
    }

    refused = api_client.post("/api/v1/shipments", body, format="json")

    assert refused.status_code == 400
    assert {(error["field"], error["code"]) for error in refused.json()["errors"]} == {("ship_from", "ship_from_retired")}
    assert not Shipment.objects.exists()
    # Without a ship-from, the first one still in use is taken.
    accepted = api_client.post("/api/v1/shipments", {**body, "ship_from": ""}, format="json")
    assert accepted.status_code == 201, accepted.json()
    assert accepted.json()["ship_from"] == "MAIN"
