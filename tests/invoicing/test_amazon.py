"""POST /vendor/payments/v1/invoices (Amazon's submitInvoices) and its transaction outcome."""

import copy
from decimal import Decimal

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from amazon_api.models import Transaction
from invoicing.models import Invoice, InvoiceState
from tests.factories import api_token
from tests.invoicing.factories import shipped_po
from tests.sp_api_schema import assert_valid_definition, assert_valid_response

pytestmark = [pytest.mark.django_db]
URL = "/vendor/payments/v1/invoices"


@pytest.fixture
def amazon(vendor_token):
    client = APIClient()
    client.credentials(HTTP_X_AMZ_ACCESS_TOKEN=vendor_token[1])
    return client


def money(amount):
    return {"currencyCode": "USD", "amount": amount}


def amazon_invoice(po, *, invoice_id="AMZ-1", quantity=10, cost="10.00", total="119.50", **extra):
    line = po.lines.get(sequence=1)
    invoice = {
        "invoiceType": "Invoice",
        "id": invoice_id,
        "date": timezone.now().strftime("%Y-%m-%dT%H:%M:%SZ"),
        "remitToParty": {"partyId": "ACMEUS", "address": {"name": "Acme Home Goods", "addressLine1": "1 Main St", "countryCode": "US"}},
        "billToParty": {"partyId": "AMZNUS"},
        "paymentTerms": {"type": "Basic", "netDueDays": 30},
        "invoiceTotal": money(total),
        "taxDetails": [{"taxType": "ST", "taxRate": "6", "taxAmount": money("6.00"), "taxableAmount": money("100.00")}],
        "chargeDetails": [{"type": "Freight", "description": "LTL", "chargeAmount": money("15.00")}],
        "allowanceDetails": [{"type": "Discount", "allowanceAmount": money("1.50")}],
        "items": [
            {
                "itemSequenceNumber": 1,
                "purchaseOrderNumber": po.number,
                "amazonProductIdentifier": line.asin,
                "vendorProductIdentifier": line.vendor_sku,
                "invoicedQuantity": {"amount": quantity, "unitOfMeasure": "Eaches"},
                "netCost": money(cost),
                "taxDetails": [{"taxType": "ST", "taxRate": "6", "taxAmount": money("6.00"), "taxableAmount": money("100.00")}],
            }
        ],
    }
    invoice.update(extra)
    return invoice


def submit(amazon, body, django_capture_on_commit_callbacks):
    assert_valid_definition("vendorInvoices.json", "SubmitInvoicesRequest", body)
    with django_capture_on_commit_callbacks(execute=True):
        response = amazon.post(URL, body, format="json")
    assert response.status_code == 202, response.json()
    assert_valid_response("vendorInvoices.json", "submitInvoices", 202, response.json())
    status = amazon.get(f"/vendor/transactions/v1/transactions/{response.json()['payload']['transactionId']}")
    assert_valid_response("vendorTransactionStatus.json", "getTransaction", 200, status.json())
    return status.json()["payload"]["transactionStatus"]


def test_submit_invoices_creates_and_submits_through_the_services(amazon, vendor, django_capture_on_commit_callbacks):
    po = shipped_po(vendor, quantity=10)
    result = submit(amazon, {"invoices": [amazon_invoice(po)]}, django_capture_on_commit_callbacks)
    assert result["status"] == "Success", result
    invoice = Invoice.objects.get(number="AMZ-1")
    assert invoice.state == InvoiceState.SUBMITTED and invoice.grand_total == Decimal("119.50")
    assert (invoice.items_subtotal, invoice.charges_total, invoice.allowances_total, invoice.tax_total) == (
        Decimal("100.00"),
        Decimal("15.00"),
        Decimal("1.50"),
        Decimal("6.00"),
    )
    assert invoice.payment_terms == "net30" and invoice.remit_to_party_id == "ACMEUS"
    assert po.lines.get().invoiced_quantity == 10


def test_each_refused_invoice_is_named_with_its_line_and_rule(amazon, vendor, django_capture_on_commit_callbacks):
    po = shipped_po(vendor, quantity=10)
    good = amazon_invoice(po, invoice_id="AMZ-OK", quantity=5, total="69.50")
    good["items"][0]["taxDetails"][0]["taxAmount"] = money("6.00")
    good["taxDetails"][0]["taxableAmount"] = money("50.00")
    bad_total = amazon_invoice(po, invoice_id="AMZ-TOTAL", quantity=5, total="70.00")
    unknown_po = amazon_invoice(po, invoice_id="AMZ-PO", quantity=1, total="25.50")
    unknown_po["items"][0]["purchaseOrderNumber"] = "NOPE1234"
    result = submit(amazon, {"invoices": [good, bad_total, unknown_po]}, django_capture_on_commit_callbacks)
    assert result["status"] == "Failure"
    details = [error["details"] for error in result["errors"]]
    assert any("invoiceId=AMZ-TOTAL" in d and "rule=arithmetic" in d and "field=invoices[1].invoiceTotal.amount" in d for d in details)
    assert any("invoiceId=AMZ-PO" in d and "itemSequenceNumber=1" in d and "field=invoices[2].items[0].purchaseOrderNumber" in d for d in details)
    assert set(Invoice.objects.values_list("number", flat=True)) == {"AMZ-OK"}  # refused ones left nothing behind


def test_credit_note_details_on_an_invoice_are_refused_at_the_door(amazon, vendor):
    po = shipped_po(vendor, quantity=10)
    invoice = amazon_invoice(po)
    invoice["items"][0]["creditNoteDetails"] = {"referenceInvoiceNumber": "X"}
    response = amazon.post(URL, {"invoices": [invoice]}, format="json")
    assert response.status_code == 400
    assert_valid_response("vendorInvoices.json", "submitInvoices", 400, response.json())
    assert "items[0].creditNoteDetails" in response.json()["errors"][0]["details"]
    assert not Transaction.objects.exists()


def test_body_breaking_the_model_is_a_400_naming_the_field(amazon, vendor):
    po = shipped_po(vendor)
    invoice = amazon_invoice(po)
    invoice["invoiceTotal"] = {"currencyCode": "USD", "amount": 119.5}
    del invoice["remitToParty"]
    response = amazon.post(URL, {"invoices": [invoice]}, format="json")
    assert response.status_code == 400
    assert_valid_response("vendorInvoices.json", "submitInvoices", 400, response.json())
    details = " ".join(e.get("details", "") for e in response.json()["errors"])
    assert "invoices[0].remitToParty" in details and "invoices[0].invoiceTotal.amount" in details


def test_future_date_zero_total_and_missing_po_number(amazon, vendor, django_capture_on_commit_callbacks):
    po = shipped_po(vendor, quantity=10)
    future = amazon_invoice(po, invoice_id="AMZ-FUTURE", date="2099-01-01T00:00:00Z")
    zero = amazon_invoice(po, invoice_id="AMZ-ZERO", cost="0.00", total="0.00", taxDetails=[], chargeDetails=[], allowanceDetails=[])
    del zero["items"][0]["taxDetails"]
    no_po = amazon_invoice(po, invoice_id="AMZ-NOPO")
    del no_po["items"][0]["purchaseOrderNumber"]
    result = submit(amazon, {"invoices": [future, zero, no_po]}, django_capture_on_commit_callbacks)
    rules = {(e["details"].split(";")[0], e["details"].split("rule=")[1].split(";")[0]) for e in result["errors"]}
    assert ("invoiceId=AMZ-FUTURE", "future_date") in rules
    assert ("invoiceId=AMZ-ZERO", "zero_total") in rules
    assert ("invoiceId=AMZ-NOPO", "required") in rules
    assert not Invoice.objects.exists()


def test_credit_note_against_an_earlier_invoice(amazon, vendor, django_capture_on_commit_callbacks):
    po = shipped_po(vendor, quantity=10)
    assert submit(amazon, {"invoices": [amazon_invoice(po)]}, django_capture_on_commit_callbacks)["status"] == "Success"
    line = po.lines.get()
    credit = {
        "invoiceType": "CreditNote",
        "id": "AMZ-CN-1",
        "date": timezone.now().strftime("%Y-%m-%dT%H:%M:%SZ"),
        "remitToParty": {"partyId": "ACMEUS"},
        "invoiceTotal": money("20.00"),
        "items": [
            {
                "itemSequenceNumber": 1,
                "purchaseOrderNumber": po.number,
                "vendorProductIdentifier": line.vendor_sku,
                "invoicedQuantity": {"amount": 2, "unitOfMeasure": "Eaches"},
                "netCost": money("10.00"),
                "creditNoteDetails": {"referenceInvoiceNumber": "AMZ-1", "rmaId": "RMA-5"},
            }
        ],
    }
    too_much = copy.deepcopy(credit)
    too_much.update(id="AMZ-CN-2", invoiceTotal=money("110.00"))
    too_much["items"][0]["invoicedQuantity"]["amount"] = 11
    result = submit(amazon, {"invoices": [credit, too_much]}, django_capture_on_commit_callbacks)
    assert result["status"] == "Failure"
    assert all("AMZ-CN-2" in e["details"] for e in result["errors"])
    credit_note = Invoice.objects.get(number="AMZ-CN-1")
    assert credit_note.reference_invoice.number == "AMZ-1" and credit_note.credit_reference == "RMA-5"
    assert credit_note.lines.get().credited_line is not None


def test_credit_note_and_allowance_refusals_name_the_item_or_row_they_are_about(amazon, vendor, django_capture_on_commit_callbacks):
    """Fields Amazon carries on each item (the credited invoice) or on each row (an allowance's taxes) are named
    with that item's or row's index, never as a bare list."""
    po = shipped_po(vendor, quantity=10)
    line = po.lines.get()
    credit_item = {
        "purchaseOrderNumber": po.number,
        "vendorProductIdentifier": line.vendor_sku,
        "invoicedQuantity": {"amount": 1, "unitOfMeasure": "Eaches"},
        "netCost": money("10.00"),
    }
    credit = {
        "invoiceType": "CreditNote",
        "id": "AMZ-CN-NOREF",
        "date": timezone.now().strftime("%Y-%m-%dT%H:%M:%SZ"),
        "remitToParty": {"partyId": "ACMEUS"},
        "invoiceTotal": money("20.00"),
        "items": [
            {**credit_item, "itemSequenceNumber": 1},
            {**credit_item, "itemSequenceNumber": 2, "creditNoteDetails": {"rmaId": "RMA-7"}},  # but no referenceInvoiceNumber
        ],
    }
    taxed_allowance = amazon_invoice(po, invoice_id="AMZ-ALLOW")
    taxed_allowance["allowanceDetails"].append(
        {"type": "Discount", "allowanceAmount": money("1.00"), "taxDetails": [{"taxType": "ST", "taxRate": "6", "taxAmount": money("0.06")}]}
    )
    result = submit(amazon, {"invoices": [credit, taxed_allowance]}, django_capture_on_commit_callbacks)
    assert result["status"] == "Failure"
    fields = {error["details"].split("field=")[1] for error in result["errors"]}
    assert "invoices[0].items[1].creditNoteDetails.referenceInvoiceNumber" in fields
    assert "invoices[1].allowanceDetails[1].taxDetails" in fields
    assert not any(field.endswith((".items", ".allowanceDetails")) or ".items." in field for field in fields), fields
    assert not Invoice.objects.exists()


def test_another_vendors_token_cannot_read_the_transaction(amazon, vendor, other_vendor):
    po = shipped_po(vendor)
    response = amazon.post(URL, {"invoices": [amazon_invoice(po)]}, format="json")
    _, raw = api_token(other_vendor, name="GLOBEX ERP")
    globex = APIClient()
    globex.credentials(HTTP_X_AMZ_ACCESS_TOKEN=raw)
    assert globex.get(f"/vendor/transactions/v1/transactions/{response.json()['payload']['transactionId']}").status_code == 404


def test_read_only_token_is_refused(vendor):
    po = shipped_po(vendor)
    _, raw = api_token(vendor, scopes=["invoices:read"], name="reader")
    client = APIClient()
    client.credentials(HTTP_X_AMZ_ACCESS_TOKEN=raw)
    response = client.post(URL, {"invoices": [amazon_invoice(po)]}, format="json")
    assert response.status_code == 403
    assert_valid_response("vendorInvoices.json", "submitInvoices", 403, response.json())
