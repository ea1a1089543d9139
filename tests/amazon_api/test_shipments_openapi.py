"""The shipping operations in /api/schema/: Amazon's operationIds and models, with examples that hold."""

import pytest

from tests.sp_api_schema import assert_valid_definition, assert_valid_response

MODEL = "vendorShipments.json"
OPERATIONS = {
    ("/vendor/shipping/v1/shipmentConfirmations", "post"): ("SubmitShipmentConfirmations", "SubmitShipmentConfirmationsRequest"),
    ("/vendor/shipping/v1/shipments", "post"): ("SubmitShipments", "SubmitShipments"),
    ("/vendor/shipping/v1/shipments", "get"): ("GetShipmentDetails", None),
    ("/vendor/shipping/v1/transportLabels", "get"): ("GetShipmentLabels", None),
}


@pytest.fixture(scope="module")
def schema(django_db_blocker):
    from drf_spectacular.generators import SchemaGenerator

    with django_db_blocker.unblock():
        return SchemaGenerator().get_schema(request=None, public=True)


def test_shipping_operations_are_documented_with_amazons_operation_ids_and_models(schema):
    for (path, method), (operation_id, _request) in OPERATIONS.items():
        operation = schema["paths"][path][method]
        assert operation["operationId"] == operation_id
        assert ("202" if method == "post" else "200") in operation["responses"]
    parameters = {p["name"] for p in schema["paths"]["/vendor/shipping/v1/shipments"]["get"]["parameters"]}
    assert {"limit", "sortOrder", "nextToken", "createdAfter", "vendorShipmentIdentifier", "buyerWarehouseCode"} <= parameters
    assert {"VendorShipmentsShipment", "VendorShipmentsShipmentConfirmation", "VendorShipmentsTransportLabel"} <= set(schema["components"]["schemas"])


def test_shipping_examples_match_the_model(schema):
    checked = 0
    for (path, method), (operation_id, request_definition) in OPERATIONS.items():
        operation = schema["paths"][path][method]
        for status, response in operation["responses"].items():
            for example in response.get("content", {}).get("application/json", {}).get("examples", {}).values():
                assert_valid_response(MODEL, operation_id, int(status), example["value"], strict=False)
                checked += 1
        for example in operation.get("requestBody", {}).get("content", {}).get("application/json", {}).get("examples", {}).values():
            assert_valid_definition(MODEL, request_definition, example["value"])
            checked += 1
    assert checked >= 10
