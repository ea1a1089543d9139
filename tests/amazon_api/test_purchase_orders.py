"""getPurchaseOrders and getPurchaseOrder: Amazon's shapes, filters, pagination, errors and tenancy."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from purchase_orders.models import PurchaseOrder, PurchaseOrderState, UnitOfMeasure
from tests.amazon_api.conftest import amazon_client
from tests.audit_check import audit_exempt
from tests.factories import api_token
from tests.purchase_orders.factories import PurchaseOrderFactory, PurchaseOrderLineFactory, purchase_order_with_lines
from tests.sp_api_schema import assert_valid_response

ORDERS = "vendorOrders.json"
LIST = "/vendor/orders/v1/purchaseOrders"

pytestmark = pytest.mark.django_db


def get_orders(client, **params):
    response = client.get(LIST, params)
    assert_valid_response(ORDERS, "getPurchaseOrders", response.status_code, response.json())
    return response


def test_list_answers_in_amazons_shape(amazon, vendor, account):
    po = purchase_order_with_lines(
        vendor,
        lines=2,
        number="2JK3S9VC",
        deal_code="SPRING24",
        import_method_of_payment="PrepaidBySeller",
        import_incoterms="FreeOnBoard",
        import_port_of_delivery="INDIA",
        import_containers="2-20'HC",
    )
    with audit_exempt():
        po.lines.filter(sequence=1).update(
            net_cost=Decimal("10.2"), list_price=Decimal("15"), unit_of_measure=UnitOfMeasure.CASES, unit_size=6, ordered_quantity=10
        )

    response = get_orders(amazon)

    assert response.status_code == 200
    order = response.json()["payload"]["orders"][0]
    assert "pagination" not in response.json()["payload"]
    assert order["purchaseOrderNumber"] == "2JK3S9VC" and order["purchaseOrderState"] == "New"
    details = order["orderDetails"]
    assert details["purchaseOrderDate"].endswith("Z")
    start, end = details["shipWindow"].split("--")
    assert start.endswith("Z") and end.endswith("Z")
    assert details["sellingParty"] == {"partyId": "ACMEUS"}
    assert details["shipToParty"]["partyId"] == "ABE2"
    assert details["buyingParty"]["partyId"] and details["billToParty"]["partyId"]
    assert details["importDetails"]["internationalCommercialTerms"] == "FreeOnBoard"
    assert details["dealCode"] == "SPRING24" and details["paymentMethod"] == "Invoice"
    first = details["items"][0]
    assert first["itemSequenceNumber"] == "1"
    # The portal keeps 10.20 a case of 6; Amazon's netCost and listPrice are per each.
    assert first["netCost"] == {"currencyCode": "USD", "amount": "1.70"}
    assert first["listPrice"] == {"currencyCode": "USD", "amount": "2.50"}
    assert first["orderedQuantity"] == {"amount": 10, "unitOfMeasure": "Cases", "unitSize": 6}
    line = po.lines.get(sequence=1)
    assert first["amazonProductIdentifier"] == line.asin and first["vendorProductIdentifier"] == line.vendor_sku
    assert response["x-amzn-RequestId"]
    assert float(response["x-amzn-RateLimit-Limit"]) > 0


def test_include_details_false_gives_number_and_state_only(amazon, vendor):
    purchase_order_with_lines(vendor, lines=1)
    order = get_orders(amazon, includeDetails="false").json()["payload"]["orders"][0]
    assert set(order) == {"purchaseOrderNumber", "purchaseOrderState"}


def test_bearer_token_works_like_the_amazon_header(token_client, vendor):
    purchase_order_with_lines(vendor, lines=1, number="BEARER01")
    response = get_orders(token_client)
    assert [o["purchaseOrderNumber"] for o in response.json()["payload"]["orders"]] == ["BEARER01"]


@pytest.mark.parametrize("limit", ["0", "101", "ten", "-5"])
def test_limit_out_of_bounds_is_400_invalid_input(amazon, limit):
    response = get_orders(amazon, limit=limit)
    assert response.status_code == 400
    error = response.json()["errors"][0]
    assert error["code"] == "InvalidInput" and error["details"] == "field: limit"


@pytest.mark.parametrize("name", ["createdAfter", "createdBefore", "changedAfter", "changedBefore"])
def test_malformed_date_is_400(amazon, name):
    response = get_orders(amazon, **{name: "2024-13-45T99:00:00"})
    assert response.status_code == 400
    assert response.json()["errors"][0]["details"] == f"field: {name}"


def test_unknown_enum_value_is_400_because_enums_are_case_exact(amazon):
    response = get_orders(amazon, purchaseOrderState="new")
    assert response.status_code == 400
    response = get_orders(amazon, sortOrder="desc")
    assert response.status_code == 400


def test_created_window_filters_by_order_date(amazon, vendor):
    now = timezone.now()
    purchase_order_with_lines(vendor, lines=1, number="OLD00001", order_date=now - datetime.timedelta(days=10))
    purchase_order_with_lines(vendor, lines=1, number="NEW00001", order_date=now - datetime.timedelta(hours=1))
    after = (now - datetime.timedelta(days=2)).strftime("%Y-%m-%dT%H:%M:%S")  # no zone: read as UTC, as Amazon does
    numbers = [o["purchaseOrderNumber"] for o in get_orders(amazon, createdAfter=after).json()["payload"]["orders"]]
    assert numbers == ["NEW00001"]
    before = (now - datetime.timedelta(days=2)).isoformat()
    numbers = [o["purchaseOrderNumber"] for o in get_orders(amazon, createdBefore=before).json()["payload"]["orders"]]
    assert numbers == ["OLD00001"]


def test_state_changed_and_cancelled_item_filters(amazon, vendor):
    now = timezone.now()
    purchase_order_with_lines(vendor, lines=1, number="NEWPO001")
    purchase_order_with_lines(vendor, lines=1, number="ACKPO001", state=PurchaseOrderState.PARTIALLY_SHIPPED)
    closed = purchase_order_with_lines(vendor, lines=1, number="CANCEL01", state=PurchaseOrderState.CANCELLED, changed_at=now)
    with audit_exempt():
        closed.lines.update(cancelled_quantity=60, ordered_quantity=0)

    def numbers(**params):
        return sorted(o["purchaseOrderNumber"] for o in get_orders(amazon, **params).json()["payload"]["orders"])

    assert numbers(purchaseOrderState="New") == ["NEWPO001"]
    assert numbers(purchaseOrderState="Acknowledged") == ["ACKPO001"]
    assert numbers(purchaseOrderState="Closed") == ["CANCEL01"]
    assert numbers(isPOChanged="true") == ["CANCEL01"]
    assert numbers(isPOChanged="false") == ["ACKPO001", "NEWPO001"]
    assert numbers(poItemState="Cancelled") == ["CANCEL01"]
    assert numbers(changedAfter=(now - datetime.timedelta(minutes=1)).isoformat()) == ["CANCEL01"]


def test_ordering_vendor_code_matches_the_vendor_code_of_the_po_marketplace(amazon, vendor, account):
    purchase_order_with_lines(vendor, lines=1, number="USPO0001")
    assert len(get_orders(amazon, orderingVendorCode="ACMEUS").json()["payload"]["orders"]) == 1
    assert get_orders(amazon, orderingVendorCode="OTHER").json()["payload"]["orders"] == []


@pytest.mark.parametrize("sort_order", ["ASC", "DESC"])
def test_next_token_walks_every_po_exactly_once(amazon, vendor, sort_order):
    same_moment = timezone.now() - datetime.timedelta(days=1)
    for n in range(11):
        # Four POs share one order date: the cursor must still cut between them without loss.
        order_date = same_moment if n < 4 else same_moment + datetime.timedelta(minutes=n)
        PurchaseOrderFactory(vendor=vendor, number=f"WALK{n:04d}", order_date=order_date)
    seen, token, pages = [], None, 0
    while True:
        params = {"limit": 3, "sortOrder": sort_order, **({"nextToken": token} if token else {})}
        payload = get_orders(amazon, **params).json()["payload"]
        seen += [o["purchaseOrderNumber"] for o in payload["orders"]]
        pages += 1
        token = payload.get("pagination", {}).get("nextToken")
        if not token:
            break
    assert pages == 4
    assert sorted(seen) == [f"WALK{n:04d}" for n in range(11)] and len(set(seen)) == 11
    dates = list(PurchaseOrder.objects.filter(number__in=seen).values_list("number", "order_date"))
    by_number = dict(dates)
    keys = [(by_number[number], PurchaseOrder.objects.get(number=number).pk) for number in seen]
    assert keys == sorted(keys, reverse=sort_order == "DESC")


def test_next_token_continues_without_repeating_sort_order_and_refuses_a_forged_token(amazon, vendor):
    for n in range(3):
        PurchaseOrderFactory(vendor=vendor, number=f"TOKN{n:04d}")
    token = get_orders(amazon, limit=2, sortOrder="ASC").json()["payload"]["pagination"]["nextToken"]
    assert len(get_orders(amazon, limit=2, nextToken=token).json()["payload"]["orders"]) == 1
    assert get_orders(amazon, limit=2, nextToken=token, sortOrder="DESC").status_code == 400
    assert get_orders(amazon, nextToken=token + "x").status_code == 400


def test_next_token_only_when_more_data_exists(amazon, vendor):
    for n in range(2):
        PurchaseOrderFactory(vendor=vendor, number=f"EXACT{n:03d}")
    assert "pagination" not in get_orders(amazon, limit=2).json()["payload"]


def test_a_page_costs_the_same_queries_for_few_and_many_pos(amazon, vendor, account):
    purchase_order_with_lines(vendor, lines=1)
    get_orders(amazon)  # warm the token's last-used stamp
    with CaptureQueriesContext(connection) as few:
        assert len(get_orders(amazon).json()["payload"]["orders"]) == 1
    for _ in range(12):
        po = PurchaseOrderFactory(vendor=vendor)
        for sequence in range(1, 4):
            PurchaseOrderLineFactory(purchase_order=po, sequence=sequence)
    with CaptureQueriesContext(connection) as many:
        assert len(get_orders(amazon).json()["payload"]["orders"]) == 13
    assert len(many) == len(few) <= 5


def test_detail_answers_in_amazons_shape(amazon, vendor, account):
    purchase_order_with_lines(vendor, lines=3, number="4Z32PABC")
    response = amazon.get("/vendor/orders/v1/purchaseOrders/4Z32PABC")
    assert_valid_response(ORDERS, "getPurchaseOrder", 200, response.json())
    payload = response.json()["payload"]
    assert payload["purchaseOrderNumber"] == "4Z32PABC"
    assert [item["itemSequenceNumber"] for item in payload["orderDetails"]["items"]] == ["1", "2", "3"]
    assert response["x-amzn-RateLimit-Limit"]


def test_another_vendors_po_is_404_in_amazons_error_shape(globex, vendor):
    purchase_order_with_lines(vendor, lines=1, number="ACMESECRET9")
    response = globex.get("/vendor/orders/v1/purchaseOrders/ACMESECRET9")
    assert response.status_code == 404
    assert_valid_response(ORDERS, "getPurchaseOrder", 404, response.json())
    assert response.json()["errors"][0]["code"] == "NotFound"
    assert "ACMESECRET" not in response.content.decode()
    assert response["x-amzn-RequestId"] and response["x-amzn-RateLimit-Limit"]
    listed = globex.get(LIST)
    assert listed.json()["payload"]["orders"] == []


def test_missing_token_is_401_in_amazons_error_shape(api_client):
    for url, operation in ((LIST, "getPurchaseOrders"), ("/vendor/orders/v1/purchaseOrders/X1", "getPurchaseOrder")):
        response = api_client.get(url)
        assert response.status_code == 401
        assert_valid_response(ORDERS, operation, 401, response.json())
        assert response.json()["errors"][0]["code"] == "Unauthorized"


def test_revoked_token_is_401(vendor):
    token, raw = api_token(vendor, name="Old ERP")
    with audit_exempt():
        token.revoked_at = timezone.now()
        token.save()
    response = amazon_client(raw).get(LIST)
    assert response.status_code == 401
    assert_valid_response(ORDERS, "getPurchaseOrders", 401, response.json())


def test_token_without_orders_scope_is_403(vendor):
    _, raw = api_token(vendor, scopes=["invoices:read"], name="Invoices only")
    response = amazon_client(raw).get(LIST)
    assert response.status_code == 403
    assert_valid_response(ORDERS, "getPurchaseOrders", 403, response.json())


def test_a_token_over_its_rate_gets_429_with_amazons_headers(amazon, monkeypatch):
    from django.core.cache import cache

    from vendor_portal.api.throttling import TokenRateThrottle

    monkeypatch.setattr(TokenRateThrottle, "THROTTLE_RATES", {"token": "2/min"})
    cache.clear()
    responses = [get_orders(amazon) for _ in range(3)]
    cache.clear()
    assert [r.status_code for r in responses] == [200, 200, 429]
    throttled = responses[-1]
    assert throttled.json()["errors"][0]["code"] == "QuotaExceeded"
    assert throttled["Retry-After"] and throttled["x-amzn-RequestId"]
    assert {r["x-amzn-RateLimit-Limit"] for r in responses} == {"0.0333"}  # requests per second, as Amazon states it
