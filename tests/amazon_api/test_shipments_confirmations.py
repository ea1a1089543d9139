"""SubmitShipmentConfirmations and SubmitShipments: 202 with a transactionId, then an ASN whose cartons
and pallets carry exactly the vendor's SSCCs, or a Failure naming each refused item and its rule while
nothing changes."""

import copy

import pytest

from amazon_api.models import Transaction
from shipments.models import AsnType, Carton, Pallet, Shipment, ShipmentState
from tests.amazon_api.shipping import CONFIRMATIONS, MODEL, SHIPMENTS, confirmation, eaches, given_ssccs, ident, shipment, sscc, when
from tests.shipments.factories import confirmed_purchase_order, ship_from
from tests.sp_api_schema import assert_valid_response
from vendor_portal.models import AuditEvent, Channel

TRANSACTIONS = "vendorTransactionStatus.json"

pytestmark = pytest.mark.django_db


@pytest.fixture
def submit(django_capture_on_commit_callbacks):
    """POST and let the worker run (eagerly, once the request's transaction commits)."""

    def post(client, path, data, operation="SubmitShipmentConfirmations", **headers):
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(path, data, format="json", **headers)
        assert_valid_response(MODEL, operation, response.status_code, response.json())
        return response

    return post


@pytest.fixture
def po(vendor, account):
    ship_from(vendor)
    return confirmed_purchase_order(vendor, lines=2, quantity=60, number="ACMESECRETPO1")


def outcome(client, response) -> dict:
    assert response.status_code == 202, response.json()
    answer = client.get(f"/vendor/transactions/v1/transactions/{response.json()['payload']['transactionId']}")
    assert_valid_response(TRANSACTIONS, "getTransaction", answer.status_code, answer.json())
    return answer.json()["payload"]["transactionStatus"]


def shipped(po) -> list[int]:
    return list(po.lines.order_by("sequence").values_list("shipped_quantity", flat=True))


def ssccs_of(shipment_row) -> list[str]:
    return list(shipment_row.cartons.order_by("index").values_list("sscc", flat=True)) + list(
        shipment_row.pallets.order_by("index").values_list("sscc", flat=True)
    )


def test_confirmation_submits_the_asn_with_exactly_the_given_ssccs(amazon, submit, vendor, vendor_token, po):
    body = confirmation(po)

    response = submit(amazon, CONFIRMATIONS, {"shipmentConfirmations": [body]})

    assert outcome(amazon, response)["status"] == "Success"
    asn = Shipment.objects.get(vendor=vendor, shipment_identifier=body["shipmentIdentifier"])
    assert asn.state == ShipmentState.SUBMITTED and asn.asn_type == AsnType.ORIGINAL
    assert ssccs_of(asn) == given_ssccs(body)
    assert (asn.bol_number, asn.carrier_scac, asn.pro_number, asn.transport_mode) == ("BOL-1", "ABFS", "PRO-1", "ltl")
    assert shipped(po) == [60, 60]
    events = AuditEvent.objects.filter(vendor=vendor, actor_token=vendor_token[0])
    assert set(events.values_list("channel", flat=True)) == {Channel.API}
    assert {"transaction.submit", "shipment.create", "shipment.cartonize", "shipment.submit", "purchase_order_line.ship"} <= set(
        events.values_list("action", flat=True)
    )
    assert events.get(action="shipment.submit").request_id == response["x-amzn-RequestId"]
    assert not events.filter(action="sscc_counter.allocate").exists()


def _over_shipped(body, vendor):
    body["shippedItems"][0]["shippedQuantity"] = eaches(66)
    body["cartons"][0]["items"][0]["shippedQuantity"] = eaches(36)
    return "over_shipped", "shipmentConfirmations[0].shippedItems[0].shippedQuantity", "1"


def _bad_check_digit(body, vendor):
    number = body["cartons"][1]["cartonIdentifiers"][0]["containerIdentificationNumber"]
    body["cartons"][1]["cartonIdentifiers"] = ident(number[:-1] + str((int(number[-1]) + 3) % 10))
    return "sscc_check_digit", "shipmentConfirmations[0].cartons[1].cartonIdentifiers", None


def _wrong_prefix(body, vendor):
    from vendor_portal.gs1 import sscc_build

    body["pallets"][0]["palletIdentifiers"] = ident(sscc_build(extension_digit=5, company_prefix="0999999", serial=1))
    return "sscc_company_prefix", "shipmentConfirmations[0].pallets[0].palletIdentifiers", None


def _sscc_twice(body, vendor):
    body["cartons"][2]["cartonIdentifiers"] = copy.deepcopy(body["cartons"][0]["cartonIdentifiers"])
    return "sscc_duplicate", "shipmentConfirmations[0].cartons[2].cartonIdentifiers", None


def _unknown_item_reference(body, vendor):
    body["cartons"][0]["items"][0]["itemReference"] = "9"
    return "item_reference_unknown", "shipmentConfirmations[0].cartons[0].items[0].itemReference", None


def _unknown_carton_reference(body, vendor):
    body["pallets"][0]["cartonReferenceDetails"]["cartonReferenceNumbers"].append("77")
    return "carton_reference_unknown", "shipmentConfirmations[0].pallets[0].cartonReferenceDetails.cartonReferenceNumbers[4]", None


def _wrong_selling_party(body, vendor):
    body["sellingParty"] = {"partyId": "GLOBEXUS"}
    return "selling_party_mismatch", "shipmentConfirmations[0].sellingParty.partyId", None


def _shipped_tomorrow(body, vendor):
    body["shippedDate"] = when(1)
    return "shipped_in_future", "shipmentConfirmations[0].shippedDate", None


def _truckload_without_bol(body, vendor):
    body["shipmentType"] = "TruckLoad"
    del body["transportationDetails"]["billOfLadingNumber"]
    return "bol_required", "shipmentConfirmations[0].transportationDetails.billOfLadingNumber", None


def _small_parcel_without_tracking(body, vendor):
    body["shipmentType"] = "SmallParcel"
    del body["cartons"][3]["trackingNumber"]
    return "tracking_required", "shipmentConfirmations[0].cartons[3].trackingNumber", None


def _cartons_do_not_add_up(body, vendor):
    body["cartons"][0]["items"][0]["shippedQuantity"] = eaches(29)
    return "cartons_do_not_add_up", "shipmentConfirmations[0].shippedItems[0].shippedQuantity", "1"


@pytest.mark.parametrize(
    "spoil",
    [
        _over_shipped,
        _bad_check_digit,
        _wrong_prefix,
        _sscc_twice,
        _unknown_item_reference,
        _unknown_carton_reference,
        _wrong_selling_party,
        _shipped_tomorrow,
        _truckload_without_bol,
        _small_parcel_without_tracking,
        _cartons_do_not_add_up,
    ],
)
def test_a_bad_confirmation_fails_naming_the_item_and_rule_and_changes_nothing(amazon, submit, vendor, po, spoil):
    body = confirmation(po)
    rule, field, sequence = spoil(body, vendor)
    audit_rows = AuditEvent.objects.exclude(action="transaction.submit").count()

    status = outcome(amazon, submit(amazon, CONFIRMATIONS, {"shipmentConfirmations": [body]}))

    assert status["status"] == "Failure"
    details = [error["details"] for error in status["errors"]]
    assert any(f"rule={rule}" in d and f"field={field}" in d for d in details), details
    assert all("shipmentIdentifier=ASN-ACMESECRET-1" in d for d in details)
    if sequence:
        assert any(f"purchaseOrderNumber={po.number}; itemSequenceNumber={sequence}" in d for d in details), details
    assert all(error["code"] == "InvalidInput" for error in status["errors"])
    assert not Shipment.objects.exists() and not Carton.objects.exists() and not Pallet.objects.exists()
    assert shipped(po) == [0, 0]
    assert AuditEvent.objects.exclude(action="transaction.submit").count() == audit_rows


def test_an_sscc_used_on_an_earlier_asn_fails_the_second(amazon, submit, vendor, po):
    first = confirmation(po)
    assert outcome(amazon, submit(amazon, CONFIRMATIONS, {"shipmentConfirmations": [first]}))["status"] == "Success"
    second_po = confirmed_purchase_order(vendor, lines=2, quantity=60, warehouse=po.ship_to)
    second = confirmation(second_po, identifier="ASN-2", first_serial=700)
    second["cartons"][3]["cartonIdentifiers"] = copy.deepcopy(first["cartons"][0]["cartonIdentifiers"])

    status = outcome(amazon, submit(amazon, CONFIRMATIONS, {"shipmentConfirmations": [second]}))

    assert status["status"] == "Failure"
    assert "rule=sscc_reused; field=shipmentConfirmations[0].cartons[3].cartonIdentifiers" in status["errors"][0]["details"]
    assert Shipment.objects.count() == 1 and shipped(second_po) == [0, 0]


def test_identifier_is_unique_per_vendor(amazon, submit, po, vendor):
    assert outcome(amazon, submit(amazon, CONFIRMATIONS, {"shipmentConfirmations": [confirmation(po, cartons_per_line=1)]}))["status"] == "Success"
    po2 = confirmed_purchase_order(vendor, lines=1, quantity=6, warehouse=po.ship_to)
    status = outcome(amazon, submit(amazon, CONFIRMATIONS, {"shipmentConfirmations": [confirmation(po2, first_serial=900, cartons_per_line=1)]}))
    assert status["status"] == "Failure"
    assert "rule=duplicate; field=shipmentConfirmations[0].shipmentIdentifier" in status["errors"][0]["details"]


def test_replace_lowers_a_quantity_and_keeps_the_identifier(amazon, submit, vendor, po):
    original = confirmation(po)
    assert outcome(amazon, submit(amazon, CONFIRMATIONS, {"shipmentConfirmations": [original]}))["status"] == "Success"
    replace = copy.deepcopy(original)
    replace["shipmentConfirmationType"] = "Replace"
    replace["shippedItems"][0]["shippedQuantity"] = eaches(54)
    replace["cartons"][1]["items"][0]["shippedQuantity"] = eaches(24)

    assert outcome(amazon, submit(amazon, CONFIRMATIONS, {"shipmentConfirmations": [replace]}))["status"] == "Success"

    asn = Shipment.objects.get(shipment_identifier=original["shipmentIdentifier"])
    assert (asn.asn_type, asn.asn_revision) == (AsnType.REPLACE, 2)
    assert shipped(po) == [54, 60]
    assert ssccs_of(asn) == given_ssccs(original)


def _raised(replace):
    replace["shippedItems"][0]["shippedQuantity"] = eaches(61)
    replace["cartons"][1]["items"][0]["shippedQuantity"] = eaches(31)
    return "quantity_raised"


def _other_dc(replace):
    from tests.shipments.factories import warehouse

    replace["shipToParty"] = {"partyId": warehouse("XDC1").code}
    return "replace_changes_dc"


def _unknown_identifier(replace):
    replace["shipmentIdentifier"] = "NEVER-SENT"
    return "replace_unknown"


@pytest.mark.parametrize("spoil", [_raised, _other_dc, _unknown_identifier])
def test_replace_may_only_lower_quantities_of_a_known_asn(amazon, submit, vendor, po, spoil):
    original = confirmation(po)
    assert outcome(amazon, submit(amazon, CONFIRMATIONS, {"shipmentConfirmations": [original]}))["status"] == "Success"
    replace = copy.deepcopy(original)
    replace["shipmentConfirmationType"] = "Replace"
    rule = spoil(replace)

    status = outcome(amazon, submit(amazon, CONFIRMATIONS, {"shipmentConfirmations": [replace]}))

    assert status["status"] == "Failure"
    assert any(f"rule={rule}" in error["details"] for error in status["errors"]), status["errors"]
    assert shipped(po) == [60, 60]
    assert Shipment.objects.get().asn_revision == 1


def _without_line_2(replace: dict) -> dict:
    """The confirmation again without its second item, nor the cartons that held it."""
    replace["shippedItems"] = [item for item in replace["shippedItems"] if item["itemSequenceNumber"] != "2"]
    replace["cartons"] = [carton for carton in replace["cartons"] if carton["items"][0]["itemReference"] != "2"]
    kept = [carton["cartonSequenceNumber"] for carton in replace["cartons"]]
    replace["pallets"][0]["cartonReferenceDetails"] = {"cartonCount": len(kept), "cartonReferenceNumbers": kept}
    return replace


def test_replace_is_the_whole_asn_again_with_its_scac_checked_and_labels_outdated(amazon, submit, vendor, po):
    """A Replace confirmation goes through the one Replace ASN service: a bad SCAC is refused (it used to be
    stored unchecked), an item left out ships nothing now, and labels printed before are out of date."""
    from shipments.services.labels import shipment_labels_request
    from tests.factories import vendor_user
    from vendor_portal.services.audit import Actor
    from vendor_portal.tenancy import scope_for_user

    original = confirmation(po)
    assert outcome(amazon, submit(amazon, CONFIRMATIONS, {"shipmentConfirmations": [original]}))["status"] == "Success"
    asn = Shipment.objects.get(shipment_identifier=original["shipmentIdentifier"])
    ops = vendor_user(vendor, username="acme-ops-labels")
    shipment_labels_request(scope=scope_for_user(ops), shipment_id=asn.pk, actor=Actor(user=ops))
    replace = _without_line_2({**copy.deepcopy(original), "shipmentConfirmationType": "Replace"})
    replace["transportationDetails"]["carrierScac"] = "12AB"

    refused = outcome(amazon, submit(amazon, CONFIRMATIONS, {"shipmentConfirmations": [replace]}))

    assert refused["status"] == "Failure"
    assert any("rule=invalid; field=shipmentConfirmations[0].transportationDetails.carrierScac" in e["details"] for e in refused["errors"]), refused
    asn.refresh_from_db()
    assert (asn.asn_revision, asn.carrier_scac) == (1, "ABFS") and shipped(po) == [60, 60]

    replace["transportationDetails"]["carrierScac"] = "SAIA"
    assert outcome(amazon, submit(amazon, CONFIRMATIONS, {"shipmentConfirmations": [replace]}))["status"] == "Success"

    asn.refresh_from_db()
    assert (asn.asn_type, asn.asn_revision, asn.carrier_scac) == (AsnType.REPLACE, 2, "SAIA")
    assert shipped(po) == [60, 0]
    assert list(asn.lines.order_by("purchase_order_line__sequence").values_list("quantity", flat=True)) == [60, 0]
    assert ssccs_of(asn) == given_ssccs(replace)
    assert AuditEvent.objects.filter(action="shipment.labels_outdate", object_id=str(asn.pk)).exists()


def test_replace_after_receiving_started_fails(amazon, submit, vendor, po):
    original = confirmation(po)
    assert outcome(amazon, submit(amazon, CONFIRMATIONS, {"shipmentConfirmations": [original]}))["status"] == "Success"
    Shipment.objects.update(state=ShipmentState.RECEIVING)
    replace = {**copy.deepcopy(original), "shipmentConfirmationType": "Replace"}

    status = outcome(amazon, submit(amazon, CONFIRMATIONS, {"shipmentConfirmations": [replace]}))

    assert status["status"] == "Failure"
    assert "rule=not_replaceable" in status["errors"][0]["details"]


@pytest.mark.parametrize(
    "data, field",
    [
        ({"shipmentConfirmations": []}, "shipmentConfirmations"),
        ({"shipmentConfirmations": [{"shipmentIdentifier": "X"}]}, "sellingParty"),
        ({"shipmentConfirmations": "nope"}, "shipmentConfirmations"),
    ],
)
def test_a_malformed_request_is_a_400_in_amazons_error_shape(amazon, submit, po, data, field):
    response = submit(amazon, CONFIRMATIONS, data)
    assert response.status_code == 400
    assert any(field in (error.get("details") or "") for error in response.json()["errors"])
    assert not Transaction.objects.exists()


def test_a_malformed_date_is_a_400(amazon, submit, po):
    body = confirmation(po, shippedDate="yesterday")
    response = submit(amazon, CONFIRMATIONS, {"shipmentConfirmations": [body]})
    assert response.status_code == 400
    assert "shippedDate" in response.json()["errors"][0]["details"]


def test_a_retry_with_the_same_idempotency_key_returns_the_same_transaction(amazon, submit, po):
    data = {"shipmentConfirmations": [confirmation(po)]}
    first = submit(amazon, CONFIRMATIONS, data, HTTP_IDEMPOTENCY_KEY="asn-42")
    again = submit(amazon, CONFIRMATIONS, data, HTTP_IDEMPOTENCY_KEY="asn-42")
    assert again.status_code == 202
    assert again.json()["payload"]["transactionId"] == first.json()["payload"]["transactionId"]
    assert Transaction.objects.count() == 1 and Shipment.objects.count() == 1


def test_another_vendor_cannot_ship_against_acmes_po_nor_read_its_transaction(amazon, globex, submit, po, other_vendor):
    from tests.factories import VendorAccountFactory, marketplace

    VendorAccountFactory(vendor=other_vendor, marketplace=marketplace("US"), vendor_code="GLOBEXUS")
    body = confirmation(po, party="GLOBEXUS")
    for carton in body["cartons"]:
        carton["cartonIdentifiers"] = ident(sscc(other_vendor, int(carton["cartonSequenceNumber"])))
    del body["pallets"]
    response = submit(globex, CONFIRMATIONS, {"shipmentConfirmations": [body]})

    status = outcome(globex, response)
    assert status["status"] == "Failure"
    not_found = [error for error in status["errors"] if "rule=purchase_order_not_found" in error["details"]]
    assert len(not_found) == 2 and all(error["code"] == "NotFound" for error in not_found)
    assert shipped(po) == [0, 0] and not Shipment.objects.exists()
    hidden = amazon.get(f"/vendor/transactions/v1/transactions/{response.json()['payload']['transactionId']}")
    assert hidden.status_code == 404
    assert_valid_response(TRANSACTIONS, "getTransaction", 404, hidden.json())


def test_submit_shipments_creates_a_small_parcel_asn_with_the_given_ssccs(amazon, submit, vendor, po):
    body = shipment(po)

    status = outcome(amazon, submit(amazon, SHIPMENTS, {"shipments": [body]}, operation="SubmitShipments"))

    assert status["status"] == "Success", status
    asn = Shipment.objects.get(shipment_identifier=body["vendorShipmentIdentifier"])
    assert ssccs_of(asn) == [c["containerIdentifiers"][0]["containerIdentificationNumber"] for c in body["containers"]]
    assert list(asn.cartons.order_by("index").values_list("tracking_number", flat=True)) == ["1ZTRACK1", "1ZTRACK2"]
    assert (asn.transport_mode, asn.carrier_scac, asn.carrier_name) == ("small_parcel", "UPSN", "UPS")
    assert shipped(po) == [60, 60]


def test_submit_shipments_over_shipping_fails_with_the_item(amazon, submit, vendor, po):
    body = shipment(po)
    body["purchaseOrders"][0]["items"][1]["shippedQuantity"] = eaches(61)
    body["containers"][1]["packedItems"][0]["packedQuantity"] = eaches(61)

    status = outcome(amazon, submit(amazon, SHIPMENTS, {"shipments": [body]}, operation="SubmitShipments"))

    assert status["status"] == "Failure"
    assert "itemSequenceNumber=2; rule=over_shipped; field=shipments[0].purchaseOrders[0].items[1].shippedQuantity" in status["errors"][0]["details"]
    assert not Shipment.objects.exists()


def test_submit_shipments_cancel_gives_up_a_draft_and_refuses_a_submitted_asn(amazon, submit, vendor, po):
    from shipments.services.plans import shipment_create
    from tests.factories import vendor_user
    from tests.shipments.factories import plan
    from vendor_portal.roles import Role
    from vendor_portal.services.audit import Actor
    from vendor_portal.tenancy import Scope

    scope = Scope(vendor=vendor, roles=frozenset({Role.VENDOR_OPS}))
    draft = shipment_create(scope=scope, data=plan(po, identifier="DRAFT-1"), actor=Actor(user=vendor_user(vendor, Role.VENDOR_OPS)))
    cancel = {**shipment(po, identifier="DRAFT-1"), "transactionType": "Cancel"}
    assert outcome(amazon, submit(amazon, SHIPMENTS, {"shipments": [cancel]}, operation="SubmitShipments"))["status"] == "Success"
    draft.refresh_from_db()
    assert draft.state == ShipmentState.CANCELLED

    assert outcome(amazon, submit(amazon, SHIPMENTS, {"shipments": [shipment(po)]}, operation="SubmitShipments"))["status"] == "Success"
    refused = outcome(amazon, submit(amazon, SHIPMENTS, {"shipments": [{**shipment(po), "transactionType": "Cancel"}]}, operation="SubmitShipments"))
    assert refused["status"] == "Failure" and "rule=invalid_state" in refused["errors"][0]["details"]
