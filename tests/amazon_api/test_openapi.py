"""The door in /api/schema/: Amazon's operationIds, parameters and models, with examples that hold."""

import pytest

from tests.sp_api_schema import assert_valid_definition, assert_valid_response

OPERATIONS = {
    ("/vendor/orders/v1/purchaseOrders", "get"): ("vendorOrders.json", "getPurchaseOrders"),
    ("/vendor/orders/v1/purchaseOrders/{purchaseOrderNumber}", "get"): ("vendorOrders.json", "getPurchaseOrder"),
    ("/vendor/orders/v1/acknowledgements", "post"): ("vendorOrders.json", "submitAcknowledgement"),
    ("/vendor/orders/v1/purchaseOrdersStatus", "get"): ("vendorOrders.json", "getPurchaseOrdersStatus"),
    ("/vendor/transactions/v1/transactions/{transactionId}", "get"): ("vendorTransactionStatus.json", "getTransaction"),
}


@pytest.fixture(scope="module")
def schema(django_db_blocker):
    from drf_spectacular.generators import SchemaGenerator

    with django_db_blocker.unblock():
        return SchemaGenerator().get_schema(request=None, public=True)


def test_every_operation_is_documented_with_amazons_operation_id(schema):
    for (path, method), (_, operation_id) in OPERATIONS.items():
        operation = schema["paths"][path][method]
        assert operation["operationId"] == operation_id
        assert "202" in operation["responses"] if method == "post" else "200" in operation["responses"]
    parameters = {p["name"]: p for p in schema["paths"]["/vendor/orders/v1/purchaseOrders"]["get"]["parameters"]}
    assert parameters["limit"]["schema"]["type"] == "integer"
    assert {"createdAfter", "changedBefore", "purchaseOrderState", "sortOrder", "nextToken", "includeDetails"} <= set(parameters)
    assert "VendorOrdersOrder" in schema["components"]["schemas"]
    assert "VendorTransactionStatusTransaction" in schema["components"]["schemas"]


def test_documented_examples_match_the_models(schema):
    checked = 0
    for (path, method), (model_file, operation_id) in OPERATIONS.items():
        operation = schema["paths"][path][method]
        for status, response in operation["responses"].items():
            for example in response.get("content", {}).get("application/json", {}).get("examples", {}).values():
                assert_valid_response(model_file, operation_id, int(status), example["value"], strict=False)
                checked += 1
        for example in operation.get("requestBody", {}).get("content", {}).get("application/json", {}).get("examples", {}).values():
            assert_valid_definition(model_file, "SubmitAcknowledgementRequest", example["value"])
            checked += 1
    assert checked >= 15


@pytest.mark.django_db
def test_schema_is_served(client):
    response = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    assert "getPurchaseOrdersStatus" in response.content.decode()
