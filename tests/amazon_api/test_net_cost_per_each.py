"""netCost is per each on the Amazon door (Amazon's model: "The net cost of an item per each or weight unit"),
while the portal keeps a Cases line's price per case: the PO, its status, submitInvoices and the invoice's
Amazon shape, each with a line ordered in cases."""

from decimal import Decimal

import pytest
from django.utils import timezone

from amazon_api.models import Transaction
from invoicing.models import Invoice, InvoiceState
from invoicing.selectors import invoice_amazon_payload
from invoicing.services.checks import invoice_preflight
from invoicing.services.document import InvoiceDocument
from purchase_orders.models import UnitOfMeasure
from tests.audit_check import audit_exempt
from tests.invoicing.factories import shipped_po
from tests.sp_api_schema import assert_valid_definition, assert_valid_response
from vendor_portal.tenancy import Scope

pytestmark = pytest.mark.django_db
ORDERS = "vendorOrders.json"
INVOICES = "/vendor/payments/v1/invoices"


def cased_po(vendor, *, case_price="120.00", size=12, cases=10, number="CASES001"):
    """A shipped PO whose one line is 10 cases of 12 at `case_price` a case (the portal's price per unit of measure)."""
    po = shipped_po(vendor, quantity=cases, cost=case_price, number=number)
    with audit_exempt():
        po.lines.update(unit_of_measure=UnitOfMeasure.CASES, unit_size=size, list_price=Decimal("180.00"))
    return po


def money(amount):
    return {"currencyCode": "USD", "amount": amount}


def invoice_body(po, *, net_cost, total, cases=10, unit_size=12, invoice_id="AMZ-CASES"):
    line = po.lines.get()
    quantity = {"amount": cases, "unitOfMeasure": "Cases"}
    if unit_size is not None:
        quantity["unitSize"] = unit_size
    return {
        "invoices": [
            {
                "invoiceType": "Invoice",
                "id": invoice_id,
                "date": timezone.now().strftime("%Y-%m-%dT%H:%M:%SZ"),
                "remitToParty": {"partyId": "ACMEUS"},
                "invoiceTotal": money(total),
                "items": [
                    {
                        "itemSequenceNumber": 1,
                        "purchaseOrderNumber": po.number,
                        "amazonProductIdentifier": line.asin,
                        "invoicedQuantity": quantity,
                        "netCost": money(net_cost),
                    }
                ],
            }
        ]
    }


def submit(amazon, body, django_capture_on_commit_callbacks) -> dict:
    assert_valid_definition("vendorInvoices.json", "SubmitInvoicesRequest", body)
    with django_capture_on_commit_callbacks(execute=True):
        response = amazon.post(INVOICES, body, format="json")
    assert response.status_code == 202, response.json()
    status = amazon.get(f"/vendor/transactions/v1/transactions/{response.json()['payload']['transactionId']}")
    assert_valid_response("vendorTransactionStatus.json", "getTransaction", 200, status.json())
    return status.json()["payload"]["transactionStatus"]


def test_purchase_order_states_the_cost_of_one_each(amazon, vendor, account):
    po = cased_po(vendor)

    response = amazon.get(f"/vendor/orders/v1/purchaseOrders/{po.number}")

    assert_valid_response(ORDERS, "getPurchaseOrder", response.status_code, response.json())
    item = response.json()["payload"]["orderDetails"]["items"][0]
    assert item["orderedQuantity"] == {"amount": 10, "unitOfMeasure": "Cases", "unitSize": 12}
    assert item["netCost"] == money("10.00")  # 120.00 a case of 12
    assert item["listPrice"] == money("15.00")


def test_a_case_price_that_does_not_divide_is_given_to_six_places(amazon, vendor, account):
    po = cased_po(vendor, case_price="25.00")

    item = amazon.get(f"/vendor/orders/v1/purchaseOrders/{po.number}").json()["payload"]["orderDetails"]["items"][0]

    assert item["netCost"] == money("2.083333")


def test_purchase_order_status_states_the_cost_of_one_each(amazon, vendor, account):
    cased_po(vendor)

    response = amazon.get("/vendor/orders/v1/purchaseOrdersStatus")

    assert_valid_response(ORDERS, "getPurchaseOrdersStatus", response.status_code, response.json())
    item = response.json()["payload"]["ordersStatus"][0]["itemStatus"][0]
    assert item["netCost"] == money("10.00") and item["listPrice"] == money("15.00")
    assert item["orderedQuantity"]["orderedQuantity"] == {"amount": 10, "unitOfMeasure": "Cases", "unitSize": 12}


def test_submit_invoices_accepts_amazons_arithmetic_for_cases(amazon, vendor, account, django_capture_on_commit_callbacks):
    po = cased_po(vendor)
    # Amazon's arithmetic: 10 cases × 12 eaches × 10.00 an each.
    result = submit(amazon, invoice_body(po, net_cost="10.00", total="1200.00"), django_capture_on_commit_callbacks)

    assert result["status"] == "Success", result
    invoice = Invoice.objects.get(number="AMZ-CASES")
    line = invoice.lines.get()
    assert invoice.state == InvoiceState.SUBMITTED and invoice.grand_total == Decimal("1200.00")
    # Kept per unit of measure, like the PO line: no price claim against the PO's 120.00 a case.
    assert (line.quantity, line.unit_of_measure, line.unit_size, line.unit_cost, line.line_amount) == (
        10,
        UnitOfMeasure.CASES,
        12,
        Decimal("120.00"),
        Decimal("1200.00"),
    )
    assert invoice_preflight(scope=Scope(vendor=vendor), invoice=invoice)["price_claim_total"] == Decimal("0.00")


def test_submit_invoices_takes_the_po_lines_case_size_when_unit_size_is_left_out(amazon, vendor, account, django_capture_on_commit_callbacks):
    po = cased_po(vendor)
    result = submit(amazon, invoice_body(po, net_cost="10.00", total="1200.00", unit_size=None), django_capture_on_commit_callbacks)

    assert result["status"] == "Success", result
    assert Invoice.objects.get(number="AMZ-CASES").lines.get().unit_cost == Decimal("120.00")


def test_submit_invoices_accepts_the_six_place_each_cost_of_the_po(amazon, vendor, account, django_capture_on_commit_callbacks):
    po = cased_po(vendor, case_price="25.00")
    # 10 × 12 × 2.083333 = 249.99996: 250.00 to the cent, as 10 cases at 25.00.
    result = submit(amazon, invoice_body(po, net_cost="2.083333", total="250.00"), django_capture_on_commit_callbacks)

    assert result["status"] == "Success", result
    assert Invoice.objects.get(number="AMZ-CASES").lines.get().unit_cost == Decimal("25.00")


def test_submit_invoices_refuses_a_total_that_does_not_add_up(amazon, vendor, account, django_capture_on_commit_callbacks):
    po = cased_po(vendor)
    # The case price taken as netCost (10 × 120.00) is not Amazon's arithmetic for a per-each netCost.
    result = submit(amazon, invoice_body(po, net_cost="10.00", total="120.00"), django_capture_on_commit_callbacks)

    assert result["status"] == "Failure"
    details = [error["details"] for error in result["errors"]]
    assert any("rule=arithmetic" in d and "field=invoices[0].invoiceTotal.amount" in d for d in details), details
    assert not Invoice.objects.exists()


def test_submit_invoices_refuses_an_each_cost_that_is_no_case_cost_in_cents(amazon, vendor, account, django_capture_on_commit_callbacks):
    po = cased_po(vendor, case_price="25.00", cases=100)
    # 100 × 12 × 2.0834 = 2500.08, but a case at 25.0008 is 25.00 to the cent: 2500.00.
    result = submit(amazon, invoice_body(po, net_cost="2.0834", total="2500.08", cases=100), django_capture_on_commit_callbacks)

    assert result["status"] == "Failure"
    error = next(error for error in result["errors"] if "rule=case_cost_not_exact" in error["details"])
    assert "field=invoices[0].items[0].netCost.amount" in error["details"] and "itemSequenceNumber=1" in error["details"]
    assert "2500.08" in error["message"]
    assert not Invoice.objects.exists()


def test_items_priced_by_weight_are_refused_at_the_door(amazon, vendor, account):
    po = cased_po(vendor)
    body = invoice_body(po, net_cost="10.00", total="1200.00")
    body["invoices"][0]["items"][0]["netCostUnitOfMeasure"] = "POUNDS"

    response = amazon.post(INVOICES, body, format="json")

    assert response.status_code == 400
    assert_valid_response("vendorInvoices.json", "submitInvoices", 400, response.json())
    assert "invoices[0].items[0].netCostUnitOfMeasure" in response.json()["errors"][0]["details"]
    assert not Transaction.objects.exists()


def test_an_invoice_in_amazons_shape_states_the_cost_of_one_each(amazon, vendor, account, django_capture_on_commit_callbacks):
    po = cased_po(vendor)
    submit(amazon, invoice_body(po, net_cost="10.00", total="1200.00"), django_capture_on_commit_callbacks)

    payload = invoice_amazon_payload(InvoiceDocument.load(Invoice.objects.get(number="AMZ-CASES")))

    assert_valid_definition("vendorInvoices.json", "Invoice", payload)
    item = payload["items"][0]
    assert item["invoicedQuantity"] == {"amount": 10, "unitOfMeasure": "Cases", "unitSize": 12}
    assert item["netCost"] == money("10.00")
    quantity = item["invoicedQuantity"]
    assert Decimal(payload["invoiceTotal"]["amount"]) == quantity["amount"] * quantity["unitSize"] * Decimal(item["netCost"]["amount"])


def eaches_body(po, *, eaches, net_cost, total):
    body = invoice_body(po, net_cost=net_cost, total=total)
    body["invoices"][0]["items"][0]["invoicedQuantity"] = {"amount": eaches, "unitOfMeasure": "Eaches"}
    return body


def test_an_invoice_line_in_eaches_against_a_line_ordered_in_cases_is_kept_in_cases(amazon, vendor, account, django_capture_on_commit_callbacks):
    """120 eaches at 10.00 bill the 10 cases of 12 at 120.00: no over-invoicing, no price claim."""
    po = cased_po(vendor)

    result = submit(amazon, eaches_body(po, eaches=120, net_cost="10.00", total="1200.00"), django_capture_on_commit_callbacks)

    assert result["status"] == "Success", result
    invoice = Invoice.objects.get(number="AMZ-CASES")
    line = invoice.lines.get()
    assert (line.quantity, line.unit_of_measure, line.unit_size, line.unit_cost, line.line_amount) == (
        10,
        UnitOfMeasure.CASES,
        12,
        Decimal("120.00"),
        Decimal("1200.00"),
    )
    preflight = invoice_preflight(scope=Scope(vendor=vendor), invoice=invoice)
    assert preflight["price_claim_total"] == Decimal("0.00")


def test_eaches_that_make_no_whole_case_are_refused_at_the_quantity(amazon, vendor, account, django_capture_on_commit_callbacks):
    po = cased_po(vendor)

    result = submit(amazon, eaches_body(po, eaches=125, net_cost="10.00", total="1250.00"), django_capture_on_commit_callbacks)

    assert result["status"] == "Failure"
    error = next(error for error in result["errors"] if "rule=not_whole_cases" in error["details"])
    assert "field=invoices[0].items[0].invoicedQuantity.amount" in error["details"]
    assert "cases of 12" in error["message"] and "125" in error["message"]
    assert not Invoice.objects.exists()


def test_eaches_beyond_what_shipped_are_over_invoiced_in_cases(amazon, vendor, account, django_capture_on_commit_callbacks):
    po = cased_po(vendor)

    result = submit(amazon, eaches_body(po, eaches=132, net_cost="10.00", total="1320.00"), django_capture_on_commit_callbacks)

    assert result["status"] == "Failure"
    assert any("rule=over_invoiced" in error["details"] for error in result["errors"]), result["errors"]
