"""Malformed input an attacker (or a careless integration) sends answers 400 naming the field on both doors,
and a form error on the screens, never a 500: dates no arithmetic survives, quantities and amounts no
column stores, the wrong JSON types, bodies nested tens of thousands deep, and receipts of absurd counts."""

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from invoicing.models import Invoice
from shipments.models import Receipt
from shipments.services.asn import shipment_submit
from shipments.services.plans import shipment_create
from tests.amazon_api.acks import ACKNOWLEDGEMENTS, accepted, acknowledgement, body, item
from tests.factories import VendorAccountFactory, marketplace, retailer_user, vendor_user
from tests.invoicing.factories import shipped_po
from tests.invoicing.test_amazon import amazon_invoice
from tests.invoicing.test_api import draft_body
from tests.purchase_orders.factories import purchase_order_with_lines
from tests.shipments.factories import confirmed_purchase_order, plan, ship_from
from vendor_portal.api.parsers import MAX_JSON_DEPTH
from vendor_portal.roles import Role
from vendor_portal.services.audit import Actor
from vendor_portal.tenancy import Scope

pytestmark = pytest.mark.django_db

API_INVOICES = "/api/v1/invoices/"
AMAZON_INVOICES = "/vendor/payments/v1/invoices"
HUGE = [2**31, 2**70]  # PostgreSQL's integer ends at 2**31 - 1


def api_field_errors(response) -> list[str]:
    assert response.status_code == 400, response.content
    errors = response.json()["errors"]
    assert all(set(error) == {"code", "message", "field"} for error in errors), errors
    return [error["field"] for error in errors]


def amazon_details(response) -> list[str]:
    assert response.status_code == 400, response.content
    errors = response.json()["errors"]
    assert errors and all(set(error) <= {"code", "message", "details"} and error["code"] == "InvalidInput" for error in errors), errors
    return [error.get("details", "") for error in errors]


@pytest.fixture
def amazon(vendor, vendor_token):
    VendorAccountFactory(vendor=vendor, marketplace=marketplace("US"), vendor_code="ACMEUS")
    client = APIClient()
    client.credentials(HTTP_X_AMZ_ACCESS_TOKEN=vendor_token[1])
    return client


# The portal API ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("day", ["9999-12-31", "0001-01-01"])
def test_an_invoice_date_no_due_date_can_follow_is_a_400_on_invoice_date(token_client, vendor, day):
    response = token_client.post(API_INVOICES, draft_body(shipped_po(vendor), invoice_date=day), format="json")
    assert api_field_errors(response) == ["invoice_date"]
    assert not Invoice.objects.exists()


@pytest.mark.parametrize("quantity", [1e30, "1e400", *HUGE])
def test_an_invoice_quantity_no_column_stores_is_a_400_on_the_line(token_client, vendor, quantity):
    response = token_client.post(API_INVOICES, draft_body(shipped_po(vendor), quantity=quantity), format="json")
    assert api_field_errors(response) == ["lines[0].quantity"]
    assert not Invoice.objects.exists()


@pytest.mark.parametrize("cost", ["1e400", "1e30", 1e30, "-1e400"])
def test_an_amount_beyond_the_money_columns_is_a_400_on_the_line(token_client, vendor, cost):
    response = token_client.post(API_INVOICES, draft_body(shipped_po(vendor), cost=cost), format="json")
    assert api_field_errors(response) == ["lines[0].unit_cost"]


def test_a_line_amount_beyond_the_money_columns_is_a_400_on_its_quantity(token_client, vendor):
    response = token_client.post(API_INVOICES, draft_body(shipped_po(vendor), quantity=999_999_999, cost="99999999.00"), format="json")
    assert api_field_errors(response) == ["lines[0].quantity"]


@pytest.mark.parametrize(
    ("charge", "field"),
    [({"charge_type": 7, "amount": "1.00"}, "charges[0].charge_type"), ({"charge_type": "Freight", "amount": 1.5}, "charges[0].amount")],
)
def test_a_json_number_where_a_string_is_expected_is_a_400_naming_the_field(token_client, vendor, charge, field):
    response = token_client.post(API_INVOICES, draft_body(shipped_po(vendor), charges=[{"kind": "charge", **charge}]), format="json")
    assert api_field_errors(response) == [field]


@pytest.mark.parametrize("opening", ["[", '{"a":'])
def test_json_nested_fifty_thousand_deep_is_a_400_on_the_portal_api(token_client, opening):
    closing = "]" if opening == "[" else "}"
    response = token_client.post(API_INVOICES, opening * 50_000 + "1" + closing * 50_000, content_type="application/json")
    assert response.status_code == 400
    assert "nested more than 64 levels" in response.json()["errors"][0]["message"]


def test_json_nested_just_past_the_limit_is_refused_and_at_the_limit_reaches_the_view(token_client):
    at_limit = token_client.post(API_INVOICES, "[" * MAX_JSON_DEPTH + "]" * MAX_JSON_DEPTH, content_type="application/json")
    assert "nested" not in at_limit.content.decode()
    deeper = token_client.post(API_INVOICES, "[" * (MAX_JSON_DEPTH + 1) + "]" * (MAX_JSON_DEPTH + 1), content_type="application/json")
    assert deeper.status_code == 400 and "nested" in deeper.content.decode()


# Receipts --------------------------------------------------------------------------------------------------
@pytest.fixture
def submitted(vendor):
    ship_from(vendor)
    scope = Scope(vendor=vendor)
    shipment = shipment_create(scope=scope, data=plan(confirmed_purchase_order(vendor, lines=1, quantity=12)), actor=Actor.system())
    shipment_submit(scope=scope, shipment_id=shipment.pk, actor=Actor.system())
    return shipment


@pytest.fixture
def dock():
    client = APIClient()
    client.force_authenticate(retailer_user(Role.RECEIVING))
    return client


@pytest.mark.parametrize("quantity", [1e30, "1e400", *HUGE])
def test_a_receipt_quantity_no_column_stores_is_a_400_on_the_line(dock, submitted, quantity):
    line = submitted.lines.get()
    response = dock.post("/api/v1/receipts", {"shipment": submitted.pk, "lines": [{"shipment_line": line.pk, "quantity": quantity}]}, format="json")
    assert api_field_errors(response) == ["lines[0].quantity"]
    assert not Receipt.objects.exists()


def test_a_receipt_beyond_twice_the_ordered_quantity_is_refused_and_up_to_it_is_booked(dock, submitted, settings):
    settings.PORTAL_OVER_RECEIPT_FACTOR = 2
    line = submitted.lines.get()  # 12 ordered

    def receive(quantity):
        return dock.post("/api/v1/receipts", {"shipment": submitted.pk, "lines": [{"shipment_line": line.pk, "quantity": quantity}]}, format="json")

    refused = receive(25)
    assert api_field_errors(refused) == ["lines[0].quantity"]
    assert refused.json()["errors"][0]["code"] == "over_receipt" and "At most 24 more units" in refused.json()["errors"][0]["message"]
    assert receive(20).status_code == 201  # an over-delivery within the bound is booked (and reported as over)
    assert "At most 4 more units" in receive(5).json()["errors"][0]["message"]


def test_the_receiving_screen_shows_an_absurd_count_as_an_error_on_the_page(client, submitted):
    client.force_login(retailer_user(Role.RECEIVING))
    line = submitted.lines.get()
    response = client.post(f"/shipments/receiving/{submitted.pk}/", {f"received_{line.pk}": str(2**31), f"damaged_{line.pk}": "0"}, follow=True)
    assert response.status_code == 200
    assert "more units of this line can be received" in response.content.decode()
    assert not Receipt.objects.exists()


# The Amazon door -------------------------------------------------------------------------------------------
@pytest.mark.parametrize("amount", [1e30, "1e400", *HUGE])
def test_an_acknowledged_quantity_no_column_stores_is_a_400_in_amazons_shape(amazon, vendor, amount):
    po = purchase_order_with_lines(vendor, lines=1)
    response = amazon.post(ACKNOWLEDGEMENTS, body(acknowledgement(po, items=[item(po.lines.get(), accepted(amount))])), format="json")
    assert amazon_details(response) == ["field: acknowledgements[0].items[0].itemAcknowledgements[0].acknowledgedQuantity.amount"]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"quantity": 2**31}, "invoices[0].items[0].invoicedQuantity.amount"),
        ({"quantity": "1e400"}, "invoices[0].items[0].invoicedQuantity.amount"),
        ({"cost": "1e400"}, "invoices[0].items[0].netCost.amount"),
        ({"cost": "1e30"}, "invoices[0].items[0].netCost.amount"),
        ({"cost": 10.5}, "invoices[0].items[0].netCost.amount"),  # a JSON number where Amazon's model has a decimal string
        ({"date": "9999-12-31T00:00:00Z"}, "invoices[0].date"),
        ({"paymentTerms": {"type": "Basic", "netDueDays": 999_999_999}}, "invoices[0].paymentTerms.netDueDays"),
    ],
)
def test_a_malformed_amazon_invoice_is_a_400_naming_the_field(amazon, vendor, change, field):
    response = amazon.post(AMAZON_INVOICES, {"invoices": [amazon_invoice(shipped_po(vendor), **change)]}, format="json")
    assert f"field: {field}" in amazon_details(response)
    assert not Invoice.objects.exists()


@pytest.mark.parametrize("path", [ACKNOWLEDGEMENTS, AMAZON_INVOICES])
def test_json_nested_fifty_thousand_deep_is_a_400_in_amazons_shape(amazon, path):
    response = amazon.post(path, '{"a":' * 50_000 + "1" + "}" * 50_000, content_type="application/json")
    amazon_details(response)
    assert "nested more than 64 levels" in response.json()["errors"][0]["message"]


# The screens ----------------------------------------------------------------------------------------------
def test_the_invoice_editor_shows_out_of_range_values_as_form_errors(client, vendor):
    from tests.invoicing.test_views import make_invoice

    finance = vendor_user(vendor, Role.VENDOR_FINANCE, username="acme-finance")
    client.force_login(finance)
    invoice = make_invoice(vendor, finance)
    data = {
        "h-number": "SCREEN-1",
        "h-invoice_date": "9999-12-31",
        "h-payment_terms": "net60",
        "h-derive_taxes": "on",
        "lines-TOTAL_FORMS": "1",
        "lines-INITIAL_FORMS": "1",
        "lines-0-sequence": "1",
        "lines-0-purchase_order_number": invoice.lines.get().purchase_order_number,
        "lines-0-po_line_sequence": "1",
        "lines-0-quantity": str(2**31),
        "lines-0-unit_cost": "1e400",
        "charges-TOTAL_FORMS": "0",
        "charges-INITIAL_FORMS": "0",
        "taxes-TOTAL_FORMS": "0",
        "taxes-INITIAL_FORMS": "0",
        "save": "1",
    }
    response = client.post(f"/invoices/{invoice.pk}/edit/", data)
    assert response.status_code == 200
    html = response.content.decode()
    assert "less than or equal to 2099-12-31" in html and "less than or equal to 999999999" in html
    invoice.refresh_from_db()
    assert invoice.invoice_date == timezone.localdate() and invoice.lines.get().quantity == 100


def test_a_value_the_database_refuses_is_a_400_and_logged_to_be_bounded_at_its_source(caplog):
    from django.db import DataError

    from vendor_portal.api.errors import portal_exception_handler

    response = portal_exception_handler(DataError("integer out of range"), {})
    assert response.status_code == 400
    assert response.data == {"errors": [{"code": "out_of_range", "message": "A value is out of range or too long to be stored.", "field": None}]}
    assert "input reached the database unchecked" in caplog.text


def test_a_routing_request_dated_9999_with_2_31_pallets_is_a_400_naming_both(token_client, vendor):
    from tests.appointments.factories import dock

    dock()
    body = {"warehouse": "ABE2", "ready_date": "9999-12-31", "pallets": 2**31, "weight": "1", "volume": "1"}
    response = token_client.post("/api/v1/routing-requests/", body, format="json")
    assert set(api_field_errors(response)) == {"ready_date", "pallets"}
