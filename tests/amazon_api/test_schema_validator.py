"""The SP-API response validator itself: it accepts Amazon's own examples and catches what a loose
implementation gets wrong (floats for money, invented fields, dates without a zone)."""

import copy
import hashlib

import pytest

from amazon_api.spec import MODELS_DIR
from tests.sp_api_schema import assert_valid_definition, assert_valid_response, load_model, response_problems

ORDERS = "vendorOrders.json"


def amazon_example() -> dict:
    """The first order of the first sandbox response Amazon ships for getPurchaseOrders (its second
    order says 'CASES', which Amazon's own model refuses)."""
    operation = load_model(ORDERS)["paths"]["/vendor/orders/v1/purchaseOrders"]["get"]
    example = copy.deepcopy(operation["responses"]["200"]["x-amzn-api-sandbox"]["static"][0]["response"])
    example["payload"]["orders"] = example["payload"]["orders"][:1]
    return example


def test_amazons_own_example_is_valid():
    assert_valid_response(ORDERS, "getPurchaseOrders", 200, amazon_example())


@pytest.mark.parametrize(
    "spoil, problem",
    [
        (lambda o: o["orderDetails"]["items"][0]["netCost"].update(amount=346.27), "is not of type 'string'"),
        (lambda o: o["orderDetails"]["items"][0]["netCost"].update(amount="346,27"), "does not match"),
        (lambda o: o["orderDetails"].update(purchaseOrderDate="2019-08-20T15:51:00"), "is not a 'date-time'"),
        (lambda o: o["orderDetails"].update(shipWindow="2019-08-21T07:00:00Z/2019-08-27T07:00:00Z"), "is not a 'date-time-interval'"),
        (lambda o: o.update(purchaseOrderStatus="New"), "Additional properties are not allowed"),
        (lambda o: o.update(purchaseOrderState="NEW"), "is not one of"),
        (lambda o: o["orderDetails"]["items"][0]["orderedQuantity"].update(amount="1"), "is not of type 'integer'"),
    ],
)
def test_what_the_validator_catches(spoil, problem):
    body = amazon_example()
    spoil(body["payload"]["orders"][0])
    problems = response_problems(ORDERS, "getPurchaseOrders", 200, body)
    assert any(problem in p for p in problems), problems
    with pytest.raises(AssertionError):
        assert_valid_response(ORDERS, "getPurchaseOrders", 200, body)


def test_loose_mode_follows_the_bare_model():
    body = amazon_example()
    body["payload"]["orders"][0]["somethingNew"] = 1
    assert response_problems(ORDERS, "getPurchaseOrders", 200, body, strict=False) == []


def test_error_bodies_validate_and_401_falls_back_to_the_403_model():
    errors = {"errors": [{"code": "Unauthorized", "message": "No token.", "details": ""}]}
    assert_valid_response(ORDERS, "getPurchaseOrders", 401, errors)
    with pytest.raises(AssertionError):
        assert_valid_response(ORDERS, "getPurchaseOrders", 400, {"errors": [{"message": "no code"}]})
    with pytest.raises(AssertionError, match="declares no response"):
        assert_valid_response(ORDERS, "getPurchaseOrders", 418, errors)


def test_request_definitions_validate_too():
    from amazon_api.views import ACKNOWLEDGEMENT_EXAMPLE

    assert_valid_definition(ORDERS, "SubmitAcknowledgementRequest", ACKNOWLEDGEMENT_EXAMPLE)


def test_the_models_are_amazons_unchanged():
    """SHA256SUMS records the models as copied from Amazon's repository: an edit to one of them is a change of contract."""
    recorded = dict(reversed(line.split()) for line in (MODELS_DIR / "SHA256SUMS").read_text().splitlines())
    shipped = {path.name: hashlib.sha256(path.read_bytes()).hexdigest() for path in MODELS_DIR.glob("*.json")}
    assert shipped == recorded
    assert {"vendorOrders.json", "vendorShipments.json", "vendorInvoices.json", "vendorTransactionStatus.json"} <= set(shipped)
    assert "Apache License" in (MODELS_DIR / "LICENSE").read_text() and "Amazon.com" in (MODELS_DIR / "NOTICE").read_text()
