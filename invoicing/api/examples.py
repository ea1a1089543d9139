"""Request and response examples of the invoice API, shown in /api/docs/ (demo shapes: vendor ACME, marketplace US)."""

from drf_spectacular.utils import OpenApiExample

LINE = {
    "sequence": 1,
    "purchase_order_number": "ACM0000123",
    "po_line_sequence": 1,
    "credited_line": None,
    "asin": "B0A0000001",
    "vendor_sku": "ACM-0001",
    "title": "Acme Kettle Classic",
    "quantity": 96,
    "unit_of_measure": "Eaches",
    "unit_size": 1,
    "unit_cost": "10.00",
    "line_amount": "960.00",
    "tax_type": "ST",
    "tax_rate": "6.0000",
    "tax_amount": "57.60",
    "id": 311,
}
HEADER = {
    "id": 42,
    "number": "ACME-2026-0042",
    "invoice_type": "Invoice",
    "state": "draft",
    "invoice_date": "2026-11-20",
    "due_date": "2027-01-19",
    "currency": "USD",
    "marketplace": "US",
    "vendor": "ACME",
    "source": "po",
    "purchase_order_number": "ACM0000123",
    "shipment_id": None,
    "shipment_identifier": "",
    "items_subtotal": "960.00",
    "charges_total": "25.00",
    "allowances_total": "0.00",
    "tax_total": "57.60",
    "grand_total": "1042.60",
    "submitted_at": None,
    "rejection_reason": "",
    "approval_request": None,
}
DETAIL_VALUE = {
    **HEADER,
    "payment_terms": "net60",
    "discount_percent": "0.00",
    "discount_due_days": 0,
    "remit_to_party_id": "ACMEUS",
    "remit_to_address": {
        "name": "Acme Home Goods",
        "addressLine1": "1 Main St",
        "city": "Newark",
        "stateOrRegion": "NJ",
        "postalOrZipCode": "07102",
        "countryCode": "US",
    },
    "ship_from_party_id": "ACMEUS",
    "ship_from_address": {
        "name": "Acme Newark DC",
        "addressLine1": "200 Port St",
        "city": "Newark",
        "stateOrRegion": "NJ",
        "postalOrZipCode": "07114",
        "countryCode": "US",
    },
    "bill_to_party_id": "AMZN",
    "bill_to_address": {
        "name": "Amazon.com Services LLC",
        "addressLine1": "410 Terry Avenue North",
        "city": "Seattle",
        "stateOrRegion": "WA",
        "postalOrZipCode": "98109",
        "countryCode": "US",
    },
    "ship_to_party_id": "ABE2",
    "remit_to_tax_id": "98-7654321",
    "bill_to_tax_id": "91-1646860",
    "reference_invoice_number": None,
    "credit_reason": "",
    "credit_reference": "",
    "lines": [LINE],
    "charges": [
        {"kind": "charge", "charge_type": "Freight", "description": "", "amount": "25.00", "tax_type": "", "tax_rate": "0.0000", "tax_amount": "0.00"}
    ],
    "taxes": [{"tax_type": "ST", "rate": "6.0000", "taxable_amount": "960.00", "amount": "57.60"}],
}
LIST_ROW = {**HEADER, "state": "submitted", "submitted_at": "2026-11-20T15:02:11Z", "line_count": 1}

ERRORS = OpenApiExample(
    "Refused at submission",
    response_only=True,
    status_codes=["400"],
    value={
        "errors": [
            {"code": "not_found", "message": "Purchase order ACM0000999 not found.", "field": "lines[2].purchase_order_number"},
            {"code": "arithmetic", "message": "Items + charges − allowances + tax is 1042.60, not 1052.60.", "field": "grand_total"},
        ]
    },
)
FORBIDDEN = OpenApiExample(
    "Not allowed",
    response_only=True,
    status_codes=["403"],
    value={"errors": [{"code": "permission_denied", "message": "Your role or token scopes do not allow this action.", "field": None}]},
)
NOT_FOUND = OpenApiExample(
    "Not found",
    response_only=True,
    status_codes=["404"],
    value={"errors": [{"code": "not_found", "message": "Not found.", "field": None}]},
)
CONFLICT = OpenApiExample(
    "Wrong state",
    response_only=True,
    status_codes=["409"],
    value={"errors": [{"code": "invalid_state", "message": "Invoice ACME-2026-0042 is not waiting for approval.", "field": None}]},
)
DRAFT_REQUEST = OpenApiExample(
    "Invoice draft",
    request_only=True,
    value={
        "number": "ACME-2026-0042",
        "invoice_date": "2026-11-20",
        "lines": [
            {
                "purchase_order_number": "ACM0000123",
                "po_line_sequence": 1,
                "quantity": 96,
                "unit_cost": "10.00",
                "tax_type": "ST",
                "tax_rate": "6.0000",
            }
        ],
        "charges": [{"kind": "charge", "charge_type": "Freight", "amount": "25.00"}],
    },
)
DETAIL = OpenApiExample("Invoice", response_only=True, status_codes=["200", "201"], value=DETAIL_VALUE)
LIST_PAGE = OpenApiExample("A page (one row shown)", response_only=True, status_codes=["200"], value=LIST_ROW)
CHANGE_REQUEST = OpenApiExample(
    "Change quantities",
    request_only=True,
    value={"lines": [{"purchase_order_number": "ACM0000123", "po_line_sequence": 1, "quantity": 90}]},
)
CHANGED = OpenApiExample(
    "Changed draft",
    response_only=True,
    status_codes=["200"],
    value={
        **DETAIL_VALUE,
        "items_subtotal": "900.00",
        "tax_total": "54.00",
        "grand_total": "979.00",
        "lines": [{**LINE, "quantity": 90, "line_amount": "900.00", "tax_amount": "54.00"}],
        "taxes": [{"tax_type": "ST", "rate": "6.0000", "taxable_amount": "900.00", "amount": "54.00"}],
    },
)
PREFLIGHT_STORED = OpenApiExample("A stored invoice", request_only=True, value={"invoice_id": 42})
PREFLIGHT = OpenApiExample(
    "Claims the match would raise",
    response_only=True,
    status_codes=["200"],
    value={
        "currency": "USD",
        "grand_total": "1050.00",
        "price_claim_total": "50.00",
        "shortage_claim_total": "42.00",
        "claims_total": "92.00",
        "awaiting_receipt_units": 0,
        "expected_payment": "958.00",
        "errors": [],
        "lines": [
            {
                "index": 0,
                "sequence": 1,
                "purchase_order_number": "ACM0000123",
                "asin": "B0A0000001",
                "vendor_sku": "ACM-0001",
                "po_cost": "10.00",
                "invoiced_cost": "10.50",
                "received_quantity": 96,
                "previously_invoiced_quantity": 0,
                "invoiced_quantity": 100,
                "shortage_units": 4,
                "awaiting_receipt": False,
                "awaiting_units": 0,
                "price_claim": "50.00",
                "shortage_claim": "42.00",
                "warnings": [
                    "Unit cost 10.50 is above the PO cost 10.00: a price claim (PPV) of 50.00.",
                    "4 units more than received: a shortage claim (PQV) of 42.00.",
                ],
            }
        ],
    },
)
PENDING_APPROVAL = OpenApiExample(
    "Above the threshold: waits for a second person",
    response_only=True,
    status_codes=["200"],
    value={**DETAIL_VALUE, "state": "pending_approval", "approval_request": 7},
)
SUBMITTED = OpenApiExample(
    "Submitted",
    response_only=True,
    status_codes=["200"],
    value={**DETAIL_VALUE, "state": "submitted", "submitted_at": "2026-11-20T15:02:11Z"},
)
APPROVE_REQUEST = OpenApiExample("Approve", request_only=True, value={"decision": "approve", "note": "Checked against the ASN"})
REJECT_REQUEST = OpenApiExample("Send back", request_only=True, value={"decision": "reject", "note": "Freight is not on the PO terms"})
APPROVED = OpenApiExample(
    "Approved and submitted",
    response_only=True,
    status_codes=["200"],
    value={**DETAIL_VALUE, "state": "submitted", "submitted_at": "2026-11-21T08:30:00Z", "approval_request": 7},
)
SELF_APPROVAL = OpenApiExample(
    "Self-approval",
    response_only=True,
    status_codes=["403"],
    value={"errors": [{"code": "self_approval", "message": "You cannot approve your own request: a second person must check it.", "field": None}]},
)
DECISION_REQUEST = OpenApiExample("Reject", request_only=True, value={"state": "rejected", "reason": "Cost not registered"})
ACCEPT_REQUEST = OpenApiExample("Accept", request_only=True, value={"state": "accepted"})
REJECTED = OpenApiExample(
    "Rejected",
    response_only=True,
    status_codes=["200"],
    value={**DETAIL_VALUE, "state": "rejected", "submitted_at": "2026-11-20T15:02:11Z", "rejection_reason": "Cost not registered"},
)
FROM_PO_REQUEST = OpenApiExample("Flip a PO", request_only=True, value={"po_number": "ACM0000123"})
FROM_ASN_REQUEST = OpenApiExample("Flip an ASN", request_only=True, value={"shipment_id": 17})
FROM_ASN = OpenApiExample(
    "Invoice from an ASN",
    response_only=True,
    status_codes=["201"],
    value={**DETAIL_VALUE, "number": "INV-ACM0000123", "source": "asn", "shipment_id": 17, "shipment_identifier": "ASN-ACME-0017"},
)
CREDIT_NOTE_REQUEST = OpenApiExample(
    "Credit 4 returned units",
    request_only=True,
    value={"reason": "return", "reference": "RMA-881", "lines": [{"credited_line": 311, "quantity": 4}]},
)
CREDIT_NOTE = OpenApiExample(
    "Credit note draft",
    response_only=True,
    status_codes=["201"],
    value={
        **DETAIL_VALUE,
        "id": 43,
        "number": "CN-ACME-2026-0042",
        "invoice_type": "CreditNote",
        "source": "credit",
        "items_subtotal": "40.00",
        "charges_total": "0.00",
        "tax_total": "2.40",
        "grand_total": "42.40",
        "reference_invoice_number": "ACME-2026-0042",
        "credit_reason": "return",
        "credit_reference": "RMA-881",
        "lines": [{**LINE, "id": 377, "credited_line": 311, "quantity": 4, "line_amount": "40.00", "tax_amount": "2.40"}],
        "charges": [],
        "taxes": [{"tax_type": "ST", "rate": "6.0000", "taxable_amount": "40.00", "amount": "2.40"}],
    },
)
EINVOICE_MISSING = OpenApiExample(
    "No file",
    response_only=True,
    status_codes=["400"],
    value={"errors": [{"code": "required", "message": "Send the e-invoice in the multipart field 'file'.", "field": "file"}]},
)
EINVOICE_TOO_LARGE = OpenApiExample(
    "Too large",
    response_only=True,
    status_codes=["413"],
    value={"errors": [{"code": "too_large", "message": "An e-invoice is at most 10 MB.", "field": "file"}]},
)
EINVOICE_UNSUPPORTED = OpenApiExample(
    "Not XML, PDF or a multipart file",
    response_only=True,
    status_codes=["415"],
    value={
        "errors": [{"code": "unsupported_media_type", "message": "Send the e-invoice as a multipart file, or as an XML or PDF body.", "field": None}]
    },
)
