"""/api/v1/purchase-orders/: the portal's own purchase-order API, for people and tokens."""

import datetime
from urllib.parse import parse_qs, urlparse

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from purchase_orders.models import Acknowledgement, PurchaseOrder, PurchaseOrderState
from tests.audit_check import audit_exempt
from tests.factories import ProductFactory, WarehouseFactory, api_token, marketplace, retailer_user, vendor_user
from tests.purchase_orders.factories import PurchaseOrderLineFactory, purchase_order_with_lines
from vendor_portal.models import AuditEvent, IdempotencyRecord, Notification
from vendor_portal.roles import Role

pytestmark = pytest.mark.django_db

LIST = "/api/v1/purchase-orders/"


def detail_url(po) -> str:
    return f"/api/v1/purchase-orders/{po.number}/"


def confirmation_url(po) -> str:
    return f"/api/v1/purchase-orders/{po.number}/confirmation"


def fields(response) -> dict:
    return {error["field"]: error["code"] for error in response.json()["errors"]}


def numbers(response) -> list[str]:
    return [row["number"] for row in response.json()["results"]]


@pytest.fixture
def buyer_client(db):
    client = APIClient()
    client.force_authenticate(retailer_user(Role.BUYER))
    return client


@pytest.fixture
def ops(vendor):
    return vendor_user(vendor, Role.VENDOR_OPS)


@pytest.fixture
def ops_client(ops):
    client = APIClient()
    client.force_authenticate(ops)
    return client


@pytest.fixture
def catalogue(vendor):
    return [
        ProductFactory(vendor=vendor, vendor_sku="KET-1", asin="B0KETTLE01", case_pack=6, minimum_order_quantity=6),
        ProductFactory(vendor=vendor, vendor_sku="TOA-1", asin="B0TOASTER1", case_pack=1, minimum_order_quantity=1),
    ]


def create_body(number="PO-2001", **changes) -> dict:
    now = timezone.now()
    body = {
        "vendor": "ACME",
        "marketplace": "US",
        "number": number,
        "ship_to": "ABE2",
        "order_type": "RushOrder",
        "ship_window_start": (now + datetime.timedelta(days=3)).isoformat(),
        "ship_window_end": (now + datetime.timedelta(days=10)).isoformat(),
        "delivery_window_start": (now + datetime.timedelta(days=5)).isoformat(),
        "delivery_window_end": (now + datetime.timedelta(days=15)).isoformat(),
        "payment_terms": "net30",
        "lines": [
            {"sequence": 1, "vendor_sku": "KET-1", "ordered_quantity": 60, "net_cost": "24.50", "list_price": "44.10", "backorder_allowed": True},
            {"sequence": 2, "asin": "B0TOASTER1", "ordered_quantity": 5, "unit_of_measure": "Cases", "unit_size": 4, "net_cost": "80.00"},
        ],
    }
    body.update(changes)
    return body


@pytest.fixture
def dcs(db):
    us, ca, de = marketplace("US"), marketplace("CA"), marketplace("DE")
    return {
        "ABE2": WarehouseFactory(code="ABE2", marketplace=us),
        "ONT8": WarehouseFactory(code="ONT8", marketplace=us),
        "YYZ4": WarehouseFactory(code="YYZ4", marketplace=ca),
        "FRA3": WarehouseFactory(code="FRA3", marketplace=de),
    }


# Issuing (retailer) ------------------------------------------------------------------------------
def test_buyer_issues_a_po_and_gets_its_detail_with_money_as_strings(buyer_client, vendor, catalogue, dcs):
    response = buyer_client.post(LIST, create_body(), format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert response["Location"] == "/api/v1/purchase-orders/PO-2001/"
    assert (body["vendor"], body["marketplace"], body["ship_to"], body["currency"], body["state"]) == ("ACME", "US", "ABE2", "USD", "new")
    assert (body["order_type"], body["payment_terms"], body["needs_confirmation"]) == ("RushOrder", "net30", True)
    assert body["total_cost"] == "1870.00" and body["line_count"] == 2
    kettle, toaster = body["lines"]
    assert (kettle["asin"], kettle["net_cost"], kettle["list_price"], kettle["line_total"]) == ("B0KETTLE01", "24.50", "44.10", "1470.00")
    assert (toaster["vendor_sku"], toaster["unit_of_measure"], toaster["unit_size"], toaster["list_price"]) == ("TOA-1", "Cases", 4, None)
    for name in ("ordered", "accepted", "backordered", "rejected", "cancelled", "shipped", "received", "invoiced"):
        assert f"{name}_quantity" in kettle
    event = AuditEvent.objects.get(action="purchase_order.create")
    assert (event.channel, event.actor_label) == ("api", "retail-buyer")


def test_create_errors_name_each_field_and_save_nothing(buyer_client, vendor, catalogue, dcs):
    purchase_order_with_lines(vendor, number="PO-2001", lines=1)
    now = timezone.now()
    body = create_body(ship_window_end=(now - datetime.timedelta(days=1)).isoformat())
    body["lines"][1]["asin"] = "B0NOSUCH01"
    count = PurchaseOrder.objects.count()
    response = buyer_client.post(LIST, body, format="json")
    assert response.status_code == 400
    assert fields(response) == {"number": "duplicate", "ship_window_end": "invalid", "lines[1].asin": "unknown_product"}
    assert PurchaseOrder.objects.count() == count


def test_malformed_create_is_a_400_naming_nested_fields(buyer_client, vendor, catalogue, dcs):
    body = create_body(ship_to="XXX9", order_type="Whenever")
    body["lines"][0]["ordered_quantity"] = -1
    body["lines"][1]["net_cost"] = "12.345"
    body["lines"].append({"sequence": 3, "ordered_quantity": 6, "net_cost": "1.00"})
    response = buyer_client.post(LIST, body, format="json")
    assert response.status_code == 400
    assert set(fields(response)) == {"ship_to", "order_type", "lines[0].ordered_quantity", "lines[1].net_cost", "lines[2].vendor_sku"}
    assert buyer_client.post(LIST, {**create_body(), "lines": []}, format="json").json()["errors"][0]["field"] == "lines"
    assert not PurchaseOrder.objects.exists()


def test_finance_may_read_but_not_confirm(api_client, vendor):
    po = purchase_order_with_lines(vendor, lines=1)
    api_client.force_authenticate(vendor_user(vendor, Role.VENDOR_FINANCE))
    assert api_client.get(detail_url(po)).status_code == 200
    assert api_client.post(confirmation_url(po), {"accept_all": True}, format="json").status_code == 403
    assert not Acknowledgement.objects.exists()


def test_vendors_and_tokens_cannot_issue_pos(api_client, ops_client, vendor, catalogue, dcs):
    assert ops_client.post(LIST, create_body(), format="json").status_code == 403
    _, raw = api_token(vendor)
    api_client.force_authenticate(None)
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert api_client.post(LIST, create_body(), format="json").status_code == 403
    assert not PurchaseOrder.objects.exists()


def test_idempotent_retry_of_create_creates_nothing_new(buyer_client, vendor, catalogue, dcs):
    body = create_body()
    first = buyer_client.post(LIST, body, format="json", HTTP_IDEMPOTENCY_KEY="po-2001")
    events = AuditEvent.objects.count()
    again = buyer_client.post(LIST, body, format="json", HTTP_IDEMPOTENCY_KEY="po-2001")
    assert first.status_code == again.status_code == 201
    assert again["Idempotent-Replayed"] == "true"
    assert (PurchaseOrder.objects.count(), AuditEvent.objects.count()) == (1, events)


# Reading -----------------------------------------------------------------------------------------
def test_detail_shows_every_line_quantity_and_the_revisions(ops_client, vendor):
    po = purchase_order_with_lines(vendor, lines=2, number="PO-3001")
    with audit_exempt():
        po.lines.filter(sequence=1).update(
            accepted_quantity=48, backordered_quantity=12, shipped_quantity=30, received_quantity=24, invoiced_quantity=24
        )
    body = ops_client.get(detail_url(po)).json()
    line = body["lines"][0]
    assert (line["ordered_quantity"], line["accepted_quantity"], line["backordered_quantity"], line["shipped_quantity"]) == (60, 48, 12, 30)
    assert (line["received_quantity"], line["invoiced_quantity"], line["open_to_ship"]) == (24, 24, 30)
    assert body["currency"] == "USD" and body["lines"][1]["net_cost"] == "10.00"
    assert body["acknowledgements"] == []


def test_another_vendors_po_is_404_everywhere(api_client, vendor, other_vendor, token_client):
    theirs = purchase_order_with_lines(other_vendor, lines=1, number="GLB-1")
    api_client.force_authenticate(vendor_user(vendor, Role.VENDOR_ADMIN))
    for client in (api_client, token_client):
        assert client.get(detail_url(theirs)).status_code == 404
        assert client.get(confirmation_url(theirs)).status_code == 404
        assert client.post(confirmation_url(theirs), {"accept_all": True}, format="json").status_code == 404
        assert numbers(client.get(LIST)) == []
    assert not Acknowledgement.objects.exists()


def test_marketplace_limited_user_does_not_see_de_pos(api_client, vendor, dcs):
    us_po = purchase_order_with_lines(vendor, lines=1, number="PO-US-1")
    de_po = purchase_order_with_lines(vendor, lines=1, number="PO-DE-1", marketplace=marketplace("DE"), ship_to=dcs["FRA3"])
    api_client.force_authenticate(vendor_user(vendor, Role.VENDOR_OPS, username="us-only", marketplaces=[marketplace("US")]))
    assert numbers(api_client.get(LIST)) == [us_po.number]
    assert api_client.get(detail_url(de_po)).status_code == 404
    assert api_client.post(confirmation_url(de_po), {"accept_all": True}, format="json").status_code == 404


def test_retailer_sees_every_vendor_and_may_filter_by_vendor(buyer_client, vendor, other_vendor):
    mine = purchase_order_with_lines(vendor, lines=1)
    theirs = purchase_order_with_lines(other_vendor, lines=1)
    assert set(numbers(buyer_client.get(LIST))) == {mine.number, theirs.number}
    assert numbers(buyer_client.get(LIST, {"vendor": "globex"})) == [theirs.number]


def test_orders_read_token_lists_but_cannot_confirm(api_client, vendor):
    po = purchase_order_with_lines(vendor, lines=1)
    _, raw = api_token(vendor, scopes=["orders:read"])
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert numbers(api_client.get(LIST)) == [po.number]
    response = api_client.post(confirmation_url(po), {"accept_all": True}, format="json")
    assert response.status_code == 403 and "errors" in response.json()
    _, raw = api_token(vendor, scopes=["invoices:read"], name="AP")
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert api_client.get(LIST).status_code == 403


def _bulk_pos(vendor, count, lines=5):
    for _ in range(count):
        po = purchase_order_with_lines(vendor, lines=0)
        product = ProductFactory(vendor=vendor)
        for sequence in range(1, lines + 1):
            PurchaseOrderLineFactory(purchase_order=po, sequence=sequence, product=product)


@pytest.mark.parametrize("as_token", [False, True])
def test_list_costs_the_same_queries_for_3_or_30_pos(api_client, vendor, as_token):
    if as_token:
        _, raw = api_token(vendor, scopes=["orders:read"])
        api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    else:
        api_client.force_authenticate(vendor_user(vendor, Role.VENDOR_OPS))

    def queries():
        with CaptureQueriesContext(connection) as captured:
            response = api_client.get(LIST, {"page_size": 100, "state": "new"})
        assert response.status_code == 200
        return len(captured), len(response.json()["results"])

    _bulk_pos(vendor, 3)
    queries()  # a token's first call records its last use; the next ones do not
    small = queries()
    _bulk_pos(vendor, 27)
    large = queries()
    assert (small[1], large[1]) == (3, 30)
    assert small[0] == large[0]


def test_list_rows_carry_codes_and_line_totals(ops_client, vendor):
    po = purchase_order_with_lines(vendor, lines=3, quantity=12)
    row = ops_client.get(LIST).json()["results"][0]
    assert (row["number"], row["vendor"], row["ship_to"], row["line_count"]) == (po.number, "ACME", "ABE2", 3)
    assert (row["total_ordered_quantity"], row["total_accepted_quantity"], row["total_cost"]) == (36, 0, "360.00")


# Filters, ordering, pagination -------------------------------------------------------------------
@pytest.fixture
def varied(vendor, dcs):
    de = marketplace("DE")
    pos = {
        "new_us": purchase_order_with_lines(vendor, lines=1, number="PO-4001"),
        "new_ont": purchase_order_with_lines(vendor, lines=1, number="PO-4002", ship_to=dcs["ONT8"]),
        "acked": purchase_order_with_lines(vendor, lines=1, number="PO-4003", state=PurchaseOrderState.ACKNOWLEDGED),
        "changed": purchase_order_with_lines(vendor, lines=1, number="PO-4004", has_unconfirmed_changes=True),
        "de": purchase_order_with_lines(vendor, lines=1, number="XY-4005", marketplace=de, ship_to=dcs["FRA3"], state=PurchaseOrderState.CANCELLED),
    }
    return pos


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"state": "acknowledged"}, {"acked"}),
        ({"state": ["acknowledged", "cancelled"]}, {"acked", "de"}),
        ({"marketplace": "DE"}, {"de"}),
        ({"ship_to": "ONT8"}, {"new_ont"}),
        ({"needs_confirmation": "true"}, {"new_us", "new_ont", "changed"}),
        ({"needs_confirmation": "false"}, {"acked", "de"}),
        ({"changed": "true"}, {"changed"}),
        ({"q": "po-400"}, {"new_us", "new_ont", "acked", "changed"}),
        ({"q": "XY-4005"}, {"de"}),
    ],
)
def test_filters(ops_client, varied, params, expected):
    response = ops_client.get(LIST, params)
    assert response.status_code == 200
    assert set(numbers(response)) == {varied[name].number for name in expected}


def test_search_finds_a_po_by_asin_or_sku_of_a_line(ops_client, varied):
    line = varied["acked"].lines.get()
    assert numbers(ops_client.get(LIST, {"q": line.asin.lower()})) == ["PO-4003"]
    assert numbers(ops_client.get(LIST, {"q": line.vendor_sku})) == ["PO-4003"]


def test_bad_filter_ordering_cursor_and_page_size_are_400s_naming_the_parameter(ops_client, varied):
    assert fields(ops_client.get(LIST, {"state": "lost"})) == {"state": "invalid"}
    assert fields(ops_client.get(LIST, {"marketplace": "XX"})) == {"marketplace": "invalid"}
    assert fields(ops_client.get(LIST, {"ordering": "vendor__bank"})) == {"ordering": "invalid"}
    assert fields(ops_client.get(LIST, {"cursor": "not-a-cursor"})) == {"cursor": "invalid"}
    assert fields(ops_client.get(LIST, {"page_size": "0"})) == {"page_size": "invalid"}


def test_ordering(ops_client, varied):
    assert numbers(ops_client.get(LIST, {"ordering": "number"})) == ["PO-4001", "PO-4002", "PO-4003", "PO-4004", "XY-4005"]
    assert numbers(ops_client.get(LIST, {"ordering": "-number"}))[0] == "XY-4005"
    by_state = numbers(ops_client.get(LIST, {"ordering": "state"}))
    assert by_state[0] == "PO-4003" and by_state[1] == "XY-4005"  # acknowledged, cancelled, then the new ones
    newest_first = numbers(ops_client.get(LIST))
    assert newest_first == sorted(newest_first, key=lambda n: PurchaseOrder.objects.get(number=n).order_date, reverse=True)


@pytest.mark.parametrize("ordering", ["-order_date", "state", "-ship_window_end", "number"])
def test_cursor_pages_never_overlap_or_skip_and_go_back(ops_client, vendor, ordering):
    with audit_exempt():
        for index in range(7):
            purchase_order_with_lines(vendor, lines=1, state=[PurchaseOrderState.NEW, PurchaseOrderState.ACKNOWLEDGED][index % 2])
    seen, pages, url, params = [], [], LIST, {"page_size": 3, "ordering": ordering}
    while url:
        response = ops_client.get(url, params)
        assert response.status_code == 200
        page = response.json()
        pages.append((url, params, page))
        seen.extend(row["number"] for row in page["results"])
        url, params = page["next"], None
    assert len(seen) == len(set(seen)) == 7
    assert seen == numbers(ops_client.get(LIST, {"ordering": ordering}))
    assert [len(p["results"]) for _, _, p in pages] == [3, 3, 1]
    last = pages[-1][2]
    back = ops_client.get(last["previous"]).json()
    assert [row["number"] for row in back["results"]] == seen[3:6]
    assert "cursor" in parse_qs(urlparse(back["previous"]).query)


def test_page_size_is_capped_at_100(ops_client, vendor):
    for _ in range(101):
        purchase_order_with_lines(vendor, lines=0)
    page = ops_client.get(LIST, {"page_size": 500}).json()
    assert len(page["results"]) == 100 and page["next"]
    assert len(ops_client.get(page["next"]).json()["results"]) == 1


# Confirming (vendor) -----------------------------------------------------------------------------
def test_vendor_confirms_line_by_line(ops_client, vendor):
    po = purchase_order_with_lines(vendor, lines=2, quantity=60)
    ship = timezone.localdate(po.ship_window_start)
    response = ops_client.post(
        confirmation_url(po),
        {
            "scheduled_ship_date": ship.isoformat(),
            "lines": [
                {"sequence": 1, "accepted": 48, "backordered": 12, "backorder_date": (ship + datetime.timedelta(days=10)).isoformat()},
                {"sequence": 2, "rejected": 60, "rejection_reason": "TemporarilyUnavailable"},
            ],
        },
        format="json",
    )
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["state"] == "acknowledged" and body["promised_ship_date"] == ship.isoformat()
    assert [(line["accepted_quantity"], line["backordered_quantity"], line["rejected_quantity"]) for line in body["lines"]] == [
        (48, 12, 0),
        (0, 0, 60),
    ]
    assert body["acknowledgements"][0]["revision"] == 1 and body["acknowledgements"][0]["submitted_by"] == "acme-vendor-ops"


def test_confirmation_errors_name_the_line_and_field(ops_client, vendor):
    po = purchase_order_with_lines(vendor, lines=2, quantity=60)
    response = ops_client.post(
        confirmation_url(po),
        {"lines": [{"sequence": 1, "accepted": 60}, {"sequence": 2, "accepted": 7, "rejected": 53, "rejection_reason": "ObsoleteProduct"}]},
        format="json",
    )
    assert response.status_code == 400
    assert fields(response) == {"lines[1].accepted": "case_pack"}
    response = ops_client.post(
        confirmation_url(po), {"lines": [{"sequence": 1, "accepted": -1}, {"sequence": 2, "rejection_reason": "Bored"}]}, format="json"
    )
    assert fields(response) == {"lines[0].accepted": "min_value", "lines[1].rejection_reason": "invalid_choice"}
    assert fields(ops_client.post(confirmation_url(po), {}, format="json")) == {"lines": "invalid"}
    assert not Acknowledgement.objects.exists()


def test_token_accepts_all_and_reads_the_revisions(token_client, vendor):
    po = purchase_order_with_lines(vendor, lines=2, quantity=24)
    response = token_client.post(
        confirmation_url(po), {"accept_all": True, "scheduled_ship_date": timezone.localdate(po.ship_window_start).isoformat()}, format="json"
    )
    assert response.status_code == 200, response.json()
    assert [line["accepted_quantity"] for line in response.json()["lines"]] == [24, 24]
    token_client.post(
        confirmation_url(po),
        {
            "scheduled_ship_date": timezone.localdate(po.ship_window_end).isoformat(),
            "lines": [
                {"sequence": 1, "accepted": 24},
                {"sequence": 2, "accepted": 18, "backordered": 6, "backorder_date": timezone.localdate(po.ship_window_end).isoformat()},
            ],
        },
        format="json",
    )
    history = token_client.get(confirmation_url(po)).json()
    assert [r["revision"] for r in history["revisions"]] == [2, 1]
    assert history["revisions"][0]["lines"][1]["backordered"] == 6 and history["revisions"][0]["submitted_by"] is None
    assert history["revisions"][0]["channel"] == "api"
    assert history["promised_ship_date"] == timezone.localdate(po.ship_window_start).isoformat()
    assert history["estimated_ship_date"] == timezone.localdate(po.ship_window_end).isoformat()


def test_idempotent_retry_of_a_confirmation_creates_no_new_revision(ops_client, vendor):
    po = purchase_order_with_lines(vendor, lines=1)
    first = ops_client.post(confirmation_url(po), {"accept_all": True}, format="json", HTTP_IDEMPOTENCY_KEY="ack-1")
    events = AuditEvent.objects.count()
    again = ops_client.post(confirmation_url(po), {"accept_all": True}, format="json", HTTP_IDEMPOTENCY_KEY="ack-1")
    assert first.status_code == again.status_code == 200 and again.json() == first.json()
    assert (Acknowledgement.objects.count(), AuditEvent.objects.count()) == (1, events)
    assert IdempotencyRecord.objects.count() == 1


def test_confirmation_after_shipment_is_a_409(ops_client, vendor):
    po = purchase_order_with_lines(vendor, lines=1, state=PurchaseOrderState.PARTIALLY_SHIPPED)
    with audit_exempt():
        po.lines.update(accepted_quantity=60, shipped_quantity=30)
    response = ops_client.post(confirmation_url(po), {"accept_all": True}, format="json")
    assert response.status_code == 409 and response.json()["errors"][0]["code"] == "invalid_state"


# Changing and cancelling (retailer) --------------------------------------------------------------
def test_buyer_change_returns_the_po_to_new_and_tells_the_vendor(buyer_client, ops_client, ops, vendor, django_capture_on_commit_callbacks):
    po = purchase_order_with_lines(vendor, lines=2)
    assert ops_client.post(confirmation_url(po), {"accept_all": True}, format="json").status_code == 200
    new_end = po.ship_window_end + datetime.timedelta(days=2)
    with django_capture_on_commit_callbacks(execute=True):
        response = buyer_client.patch(
            detail_url(po),
            {"ship_window_end": new_end.isoformat(), "lines": [{"sequence": 1, "ordered_quantity": 48}, {"sequence": 2, "cancel": True}]},
            format="json",
        )
    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["state"], body["has_unconfirmed_changes"]) == ("new", True)
    assert [(line["ordered_quantity"], line["cancelled_quantity"], line["accepted_quantity"]) for line in body["lines"]] == [(48, 12, 0), (0, 60, 0)]
    assert Notification.objects.filter(user=ops, kind="po_changed").count() == 1
    assert numbers(ops_client.get(LIST, {"changed": "true"})) == [po.number]


def test_change_input_errors(buyer_client, vendor):
    po = purchase_order_with_lines(vendor, lines=1)
    assert fields(buyer_client.patch(detail_url(po), {}, format="json")) == {None: "invalid"}
    response = buyer_client.patch(detail_url(po), {"lines": [{"sequence": 1}, {"sequence": 9, "ordered_quantity": 5}]}, format="json")
    assert fields(response) == {"lines[0].ordered_quantity": "invalid"}
    response = buyer_client.patch(detail_url(po), {"lines": [{"sequence": 9, "ordered_quantity": 5}]}, format="json")
    assert fields(response) == {"lines[0].sequence": "invalid"}


def test_vendor_cannot_change_or_cancel(ops_client, vendor):
    po = purchase_order_with_lines(vendor, lines=1)
    assert ops_client.patch(detail_url(po), {"lines": [{"sequence": 1, "cancel": True}]}, format="json").status_code == 403
    assert ops_client.post(f"{detail_url(po)}cancel", {}, format="json").status_code == 403
    assert PurchaseOrder.objects.get(pk=po.pk).state == PurchaseOrderState.NEW


def test_buyer_cancels_and_a_second_cancel_is_a_409(buyer_client, vendor):
    po = purchase_order_with_lines(vendor, lines=1)
    response = buyer_client.post(f"{detail_url(po)}cancel", {"reason": "Forecast lowered"}, format="json")
    assert response.status_code == 200 and response.json()["state"] == "cancelled"
    assert buyer_client.post(f"{detail_url(po)}cancel", {}, format="json").status_code == 409


def test_schema_documents_every_operation_with_examples(api_client):
    schema = api_client.get("/api/schema/", HTTP_ACCEPT="application/json").json()
    paths = schema["paths"]
    operations = {
        ("/api/v1/purchase-orders/", "get"),
        ("/api/v1/purchase-orders/", "post"),
        ("/api/v1/purchase-orders/{number}/", "get"),
        ("/api/v1/purchase-orders/{number}/", "patch"),
        ("/api/v1/purchase-orders/{number}/confirmation", "get"),
        ("/api/v1/purchase-orders/{number}/confirmation", "post"),
        ("/api/v1/purchase-orders/{number}/cancel", "post"),
    }
    for path, method in operations:
        operation = paths[path][method]
        assert operation["responses"]["200" if (path, method) != ("/api/v1/purchase-orders/", "post") else "201"]["content"]["application/json"][
            "examples"
        ]
        if method in ("post", "patch"):
            assert operation["requestBody"]["content"]["application/json"]["examples"]
