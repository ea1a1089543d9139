"""Request and response examples of the deductions, disputes, payments and payment-run API, shown in /api/docs/.

The money walk of DOMAIN.md: PO 100 @ 10.00, 96 received, invoiced 100 @ 10.50 (1050.00) -> a shortage claim
(42.00) and a price claim (50.00); the late receipt reverses the shortage; the run pays 1000.00, less a
credit note of 105.00 (10 units returned) -> 895.00.
"""

from drf_spectacular.utils import OpenApiExample


def _error(name, status, code, message, field=None):
    return OpenApiExample(
        name, response_only=True, status_codes=[str(status)], value={"errors": [{"code": code, "message": message, "field": field}]}
    )


VALIDATION_ERROR = _error("Past the window", 400, "window_closed", "The dispute window of SC-000042 closed on 2026-10-30.")
BAD_FILTER = _error("A filter value that is not allowed", 400, "invalid_choice", '"claim" is not a valid choice.', "kind")
FORBIDDEN = _error("Not allowed", 403, "permission_denied", "Your role or token scopes do not allow this action.")
NOT_FOUND = _error("Not found (or another vendor's)", 404, "not_found", "Not found.")
CONFLICT = _error("Not in this state", 409, "invalid_state", "Payment run PR-20261227-3F9A1C is paid and cannot be cancelled.")
NOT_AUTHENTICATED = _error("No credentials", 401, "not_authenticated", "Authentication credentials were not provided.")

DEDUCTION_VALUE = {
    "id": 42,
    "reference": "SC-000042",
    "vendor": "ACME",
    "marketplace": "US",
    "kind": "shortage_claim",
    "reason": "SHORTAGES_IN_TRANSIT",
    "reason_label": "Shortage in transit",
    "variance_type": "PQV",
    "variance_reasons": [{"variance_type": "PQV", "defect_types": ["SHORTAGES_IN_TRANSIT"]}],
    "amount": "42.00",
    "currency": "USD",
    "reversed_amount": "0.00",
    "remaining_amount": "42.00",
    "status": "open",
    "description": "4 units invoiced beyond those received, at 10.50",
    "invoice_id": 7,
    "invoice_number": "ACME-2026-0042",
    "invoice_line_id": 11,
    "purchase_order_number": "2ZX9QW1A",
    "shipment_id": 3,
    "reverses_id": None,
    "reverses_reference": None,
    "dispute_deadline": "2026-12-27",
    "disputable": True,
    "remittance_number": None,
    "settled_at": None,
    "evidence": {"po_cost": "10.00", "invoiced_cost": "10.50", "received_quantity": 96, "invoiced_quantity": 100, "shortage_units": 4},
    "created_at": "2026-11-27T02:30:00Z",
}
DEDUCTION = OpenApiExample("A shortage claim", response_only=True, value=DEDUCTION_VALUE)

DISPUTE_VALUE = {
    "id": 5,
    "deduction_id": 42,
    "deduction_reference": "SC-000042",
    "number": 1,
    "reason": "All 100 units were delivered: signed POD attached.",
    "status": "open",
    "amount_reversed": "0.00",
    "currency": "USD",
    "reversal_id": None,
    "answer_note": "",
    "answered_at": None,
    "created_at": "2026-11-28T09:00:00Z",
    "evidence": [{"id": 81, "title": "pod.pdf", "content_type": "application/pdf", "size": 48211, "download_url": "/api/v1/documents/81/download"}],
}
DISPUTE = OpenApiExample("A dispute", response_only=True, value=DISPUTE_VALUE)
DISPUTE_REQUEST = OpenApiExample(
    "Dispute with a proof of delivery",
    request_only=True,
    media_type="multipart/form-data",
    value={"reason": "All 100 units were delivered: signed POD attached.", "evidence": ["pod-4Z32PABC.pdf"]},
)
DISPUTE_ANSWERED = OpenApiExample(
    "Partly reversed",
    response_only=True,
    status_codes=["200"],
    value={
        **DISPUTE_VALUE,
        "status": "partly_reversed",
        "amount_reversed": "21.00",
        "reversal_id": 57,
        "answer_note": "The POD shows 98 units.",
        "answered_at": "2026-12-01T10:15:00Z",
    },
)
ANSWER_PARTLY = OpenApiExample(
    "Reverse part", request_only=True, value={"outcome": "partly_reversed", "amount": "21.00", "note": "The POD shows 98 units."}
)
ANSWER_DENY = OpenApiExample("Deny", request_only=True, value={"outcome": "upheld", "note": "The DC counted 96 units; the POD is unsigned."})
ANSWER_OUT_OF_RANGE = _error("Amount out of range", 400, "out_of_range", "A partial reversal is above zero and below 42.00.", "amount")

REMITTANCE_LINES = [
    {
        "sequence": 1,
        "kind": "invoice_paid",
        "reference": "ACME-2026-0042",
        "description": "Invoice ACME-2026-0042 of 2026-11-27",
        "invoice_id": 7,
        "deduction_id": None,
        "amount": "1050.00",
    },
    {
        "sequence": 2,
        "kind": "deduction",
        "reference": "SC-000042",
        "description": "Shortage claim · Shortage in transit",
        "invoice_id": None,
        "deduction_id": 42,
        "amount": "-42.00",
    },
    {
        "sequence": 3,
        "kind": "deduction",
        "reference": "PC-000043",
        "description": "Price claim · Cost not registered",
        "invoice_id": None,
        "deduction_id": 43,
        "amount": "-50.00",
    },
    {
        "sequence": 4,
        "kind": "reversal",
        "reference": "RV-000044",
        "description": "Reversal · Units received later",
        "invoice_id": None,
        "deduction_id": 44,
        "amount": "42.00",
    },
    {
        "sequence": 5,
        "kind": "credit_note",
        "reference": "CN-ACME-2026-0042",
        "description": "Credit note CN-ACME-2026-0042 of 2026-12-02 (credits ACME-2026-0042)",
        "invoice_id": 9,
        "deduction_id": None,
        "amount": "-105.00",
    },
]
REMITTANCE_VALUE = {
    "id": 3,
    "number": "RA-00002-ACME-US",
    "vendor": "ACME",
    "marketplace": "US",
    "pay_date": "2026-12-27",
    "paid_at": "2026-12-27T08:00:00Z",
    "currency": "USD",
    "gross_paid": "1050.00",
    "deductions_total": "92.00",
    "reversals_total": "42.00",
    "discounts_total": "0.00",
    "credit_notes_total": "105.00",
    "net_amount": "895.00",
    "document_url": "/api/v1/payments/3/document",
    "lines": REMITTANCE_LINES,
}
REMITTANCE = OpenApiExample("A remittance with a credit note", response_only=True, value=REMITTANCE_VALUE)

RUN_VALUE = {
    "id": 2,
    "number": "PR-20261227-3F9A1C",
    "pay_date": "2026-12-27",
    "status": "pending_approval",
    "approval_request_id": 9,
    "created_by": "ap-maker",
    "approved_by": None,
    "approved_at": None,
    "paid_at": None,
    "remittances": [{"id": 3, "number": "RA-00002-ACME-US", "vendor": "ACME", "marketplace": "US", "currency": "USD", "net_amount": "895.00"}],
}
RUN = OpenApiExample("A payment run waiting for approval", response_only=True, value=RUN_VALUE)
RUN_CREATED = OpenApiExample("Created, waiting for approval", response_only=True, status_codes=["201"], value=RUN_VALUE)
RUN_APPROVED = OpenApiExample(
    "Approved",
    response_only=True,
    status_codes=["200"],
    value={**RUN_VALUE, "status": "approved", "approved_by": "ap-checker", "approved_at": "2026-12-26T16:40:00Z"},
)
RUN_PAID = OpenApiExample(
    "Paid",
    response_only=True,
    status_codes=["200"],
    value={**RUN_VALUE, "status": "paid", "approved_by": "ap-checker", "approved_at": "2026-12-26T16:40:00Z", "paid_at": "2026-12-27T08:00:00Z"},
)
RUN_CANCELLED = OpenApiExample("Cancelled", response_only=True, status_codes=["200"], value={**RUN_VALUE, "status": "cancelled"})
RUN_REQUEST = OpenApiExample("Pay what is due by a date", request_only=True, value={"pay_date": "2026-12-27"})
RUN_REQUEST_MARKETPLACE = OpenApiExample("Only one marketplace", request_only=True, value={"pay_date": "2026-12-27", "marketplace": "US"})
NOTHING_DUE = _error("Nothing due", 400, "nothing_due", "Nothing is due by 2026-12-27.", "pay_date")
APPROVE_REQUEST = OpenApiExample("Approve", request_only=True, value={"decision": "approve", "note": "Checked the totals"})
TURN_DOWN_REQUEST = OpenApiExample("Turn down", request_only=True, value={"decision": "reject", "note": "ACME's credit note is disputed"})
SECOND_FACTOR = _error(
    "No fresh two-factor code",
    403,
    "second_factor_required",
    "Enter a code from your authenticator app to approve this: approvals need a code from the last few minutes.",
)
SELF_APPROVAL = _error("Self-approval", 403, "self_approval", "You cannot approve your own request: a second person must check it.")

PREVIEW_VALUE = {
    "pay_date": "2026-12-27",
    "remittances": [
        {
            "vendor": "ACME",
            "marketplace": "US",
            "currency": "USD",
            "gross_paid": "1050.00",
            "deductions_total": "92.00",
            "reversals_total": "42.00",
            "discounts_total": "0.00",
            "credit_notes_total": "105.00",
            "net_amount": "895.00",
            "credit_carried_forward": "0.00",
            "invoices": [
                {"id": 7, "number": "ACME-2026-0042", "invoice_date": "2026-11-27", "due_date": "2026-12-27", "amount": "1050.00", "discount": "0.00"}
            ],
            "deductions": [
                {
                    "id": 42,
                    "reference": "SC-000042",
                    "kind": "shortage_claim",
                    "reason": "SHORTAGES_IN_TRANSIT",
                    "description": "4 units short",
                    "amount": "42.00",
                    "reverses_reference": None,
                },
                {
                    "id": 43,
                    "reference": "PC-000043",
                    "kind": "price_claim",
                    "reason": "PRODUCT_COST_NOT_REGISTERED",
                    "description": "0.50 above the PO cost",
                    "amount": "50.00",
                    "reverses_reference": None,
                },
            ],
            "reversals": [
                {
                    "id": 44,
                    "reference": "RV-000044",
                    "kind": "reversal",
                    "reason": "late_receipt",
                    "description": "4 units received later",
                    "amount": "42.00",
                    "reverses_reference": "SC-000042",
                }
            ],
            "credit_notes": [
                {
                    "id": 9,
                    "number": "CN-ACME-2026-0042",
                    "invoice_date": "2026-12-02",
                    "credited_invoice": "ACME-2026-0042",
                    "open_amount": "105.00",
                    "applied_amount": "105.00",
                    "carried_forward": "0.00",
                }
            ],
            "carried_over": [],
            "lines": REMITTANCE_LINES,
        }
    ],
    "totals": [
        {
            "currency": "USD",
            "remittances": 1,
            "gross_paid": "1050.00",
            "deductions_total": "92.00",
            "reversals_total": "42.00",
            "discounts_total": "0.00",
            "credit_notes_total": "105.00",
            "net_amount": "895.00",
        }
    ],
}
PREVIEW = OpenApiExample("What a run would pay ACME", response_only=True, value=PREVIEW_VALUE)
PREVIEW_CARRIED = OpenApiExample(
    "A credit note larger than the payment",
    response_only=True,
    value={
        "pay_date": "2026-12-27",
        "remittances": [
            {
                "vendor": "ACME",
                "marketplace": "US",
                "currency": "USD",
                "gross_paid": "100.00",
                "deductions_total": "0.00",
                "reversals_total": "0.00",
                "discounts_total": "0.00",
                "credit_notes_total": "100.00",
                "net_amount": "0.00",
                "credit_carried_forward": "50.00",
                "invoices": [
                    {
                        "id": 12,
                        "number": "ACME-2026-0050",
                        "invoice_date": "2026-11-27",
                        "due_date": "2026-12-27",
                        "amount": "100.00",
                        "discount": "0.00",
                    }
                ],
                "deductions": [],
                "reversals": [],
                "credit_notes": [
                    {
                        "id": 13,
                        "number": "CN-ACME-2026-0049",
                        "invoice_date": "2026-12-01",
                        "credited_invoice": "ACME-2026-0049",
                        "open_amount": "150.00",
                        "applied_amount": "100.00",
                        "carried_forward": "50.00",
                    }
                ],
                "carried_over": [],
                "lines": [
                    {
                        "sequence": 1,
                        "kind": "invoice_paid",
                        "reference": "ACME-2026-0050",
                        "description": "Invoice ACME-2026-0050 of 2026-11-27",
                        "invoice_id": 12,
                        "deduction_id": None,
                        "amount": "100.00",
                    },
                    {
                        "sequence": 2,
                        "kind": "credit_note",
                        "reference": "CN-ACME-2026-0049",
                        "description": "Credit note CN-ACME-2026-0049 of 2026-12-01 (credits ACME-2026-0049): 100.00 of 150.00 netted, 50.00 carried forward",
                        "invoice_id": 13,
                        "deduction_id": None,
                        "amount": "-100.00",
                    },
                ],
            }
        ],
        "totals": [
            {
                "currency": "USD",
                "remittances": 1,
                "gross_paid": "100.00",
                "deductions_total": "0.00",
                "reversals_total": "0.00",
                "discounts_total": "0.00",
                "credit_notes_total": "100.00",
                "net_amount": "0.00",
            }
        ],
    },
)
PAY_DATE_PAST = _error("Pay date in the past", 400, "pay_date_past", "The pay date 2026-11-01 is in the past.", "pay_date")

MATCH_RESULT = OpenApiExample(
    "One line",
    response_only=True,
    value={
        "invoice_id": 7,
        "invoice_line_id": 11,
        "sequence": 1,
        "status": "over_tolerance",
        "currency": "USD",
        "po_cost": "10.00",
        "invoiced_cost": "10.50",
        "ordered_quantity": 100,
        "received_quantity": 96,
        "invoiced_quantity": 100,
        "previously_invoiced_quantity": 0,
        "price_claim": "50.00",
        "shortage_claim": "42.00",
        "credited_quantity": 0,
        "credited_amount": "0.00",
        "matching_context": {
            "matched_quantity": 96,
            "matched_amount": {"amount": "1008.00", "currency": "USD"},
            "quantity_variance": 4,
            "price_variance": {"amount": "0.50", "currency": "USD"},
            "variance_reasons": [
                {"variance_type": "PQV", "defect_types": ["SHORTAGES_IN_TRANSIT"]},
                {"variance_type": "PPV", "defect_types": ["PRODUCT_COST_NOT_REGISTERED"]},
            ],
        },
        "evidence": {"po_cost": "10.00", "tolerance": {"over_percent": "0", "over_absolute": "0"}},
        "computed_at": "2026-11-27T02:30:00Z",
    },
)
MATCH_RESULTS_MISSING_INVOICE = _error("No invoice given", 400, "required", "This field is required.", "invoice")

SUMMARY = OpenApiExample(
    "Finance overview",
    response_only=True,
    value={
        "today": "2026-12-28",
        "period_start": "2026-01-01",
        "period_end": "2026-12-28",
        "currencies": ["USD"],
        "open_invoices": [{"state": "approved_for_payment", "currency": "USD", "count": 3, "amount": "4200.00"}],
        "aging": [{"currency": "USD", "bucket": "not_due", "count": 3, "amount": "4200.00"}],
        "paid": [
            {
                "currency": "USD",
                "remittances": 1,
                "gross_paid": "1050.00",
                "deductions_total": "92.00",
                "reversals_total": "42.00",
                "discounts_total": "0.00",
                "credit_notes_total": "105.00",
                "net_amount": "895.00",
            }
        ],
        "open_credit_notes": [{"currency": "USD", "count": 1, "amount": "50.00"}],
        "deductions_by_month": [{"month": "2026-11-01", "kind": "price_claim", "currency": "USD", "count": 1, "amount": "50.00"}],
        "deductions_by_kind": [{"kind": "price_claim", "currency": "USD", "count": 1, "amount": "50.00"}],
        "unsettled_deductions": [{"currency": "USD", "deductions": "25.00", "reversals": "0.00", "net": "25.00"}],
        "open_disputes": [{"currency": "USD", "count": 1, "amount": "25.00"}],
        "cash_expected_by_week": [{"week_start": "2027-01-04", "currency": "USD", "count": 3, "amount": "4200.00"}],
    },
)
SUMMARY_BAD_PERIOD = _error("Period ends before it starts", 400, "invalid_period", "The period ends before it starts.", "period_end")

MATCH_RUN_REQUEST = OpenApiExample("One invoice", request_only=True, value={"invoice_id": 7})
MATCH_RUN_ALL = OpenApiExample("Every open invoice, and the chargebacks", request_only=True, value={})
MATCH_RUN_RESULT = OpenApiExample(
    "Result",
    response_only=True,
    value={
        "lines": 1,
        "by_status": {"over_tolerance": 1},
        "claims_raised": 2,
        "claims_updated": 0,
        "reversals": 0,
        "approved_for_payment": 1,
        "on_hold": 0,
    },
)

# The evidence locker and the dispute packet ------------------------------------------------------------
# A late-ASN chargeback (CB-000042) of shipment 17 (SHIP-1): the compliance event, the ASN sent, the BOL, the
# vendor's photo, the cartons scanned at the DC, the appointment ahead.
EVIDENCE_ROWS = [
    {
        "kind": "compliance_event",
        "kind_label": "Compliance event",
        "title": "ASN late recorded for SHIP-1",
        "detail": "ASN sent Nov 26, 2026, 4:02 p.m.; the ship date was Nov. 24, 2026.",
        "occurred_at": "2026-11-26T16:02:11Z",
        "source": {"type": "shipments.complianceevent", "id": 9, "url": None},
        "document": None,
        "download_url": None,
    },
    {
        "kind": "asn_transmission",
        "kind_label": "ASN transmission",
        "title": "Original ASN SHIP-1 sent",
        "detail": "Through API by ERP (token); ship date Nov. 24, 2026.",
        "occurred_at": "2026-11-26T16:02:11Z",
        "source": {"type": "vendor_portal.auditevent", "id": 1204, "url": "/api/v1/audit-events/1204/"},
        "document": None,
        "download_url": None,
    },
    {
        "kind": "bill_of_lading",
        "kind_label": "BOL and PRO",
        "title": "BOL BOL-1 for SHIP-1",
        "detail": "Carrier ABF Freight, shipped Nov. 24, 2026 to DC-ONT8.",
        "occurred_at": "2026-11-26T16:02:11Z",
        "source": {"type": "shipments.shipment", "id": 17, "url": "/api/v1/shipments/17"},
        "document": None,
        "download_url": None,
    },
    {
        "kind": "attachment",
        "kind_label": "Your attachment",
        "title": "dock-photo.png",
        "detail": "",
        "occurred_at": "2026-11-28T08:15:40Z",
        "source": {"type": "reconciliation.deduction", "id": 42, "url": "/api/v1/deductions/42/"},
        "document": {
            "id": 80,
            "title": "dock-photo.png",
            "content_type": "image/png",
            "size": 183204,
            "download_url": "/api/v1/documents/80/download",
        },
        "download_url": "/api/v1/documents/80/download",
    },
    {
        "kind": "carton_scan",
        "kind_label": "Carton scans",
        "title": "4 cartons scanned at DC-ONT8 for SHIP-1 (24 units)",
        "detail": "",
        "occurred_at": "2026-11-28T11:30:00Z",
        "source": {"type": "shipments.receipt", "id": 31, "url": "/api/v1/receipts/31"},
        "document": None,
        "download_url": None,
    },
    {
        "kind": "appointment",
        "kind_label": "Delivery appointment",
        "title": "Appointment APT-0007 at DC-ONT8 for SHIP-1: Requested",
        "detail": "Slot Dec. 1, 2026, 9 a.m., door 4.",
        "occurred_at": "2026-12-01T09:00:00Z",
        "source": {"type": "appointments.appointment", "id": 7, "url": "/api/v1/appointments/7/"},
        "document": None,
        "download_url": None,
    },
]
# One row per example: drf-spectacular shows each as the list it is part of.
EVIDENCE = [
    OpenApiExample(f"A late-ASN chargeback's evidence: {row['kind_label'].lower()}", response_only=True, status_codes=["200"], value=row)
    for row in EVIDENCE_ROWS
]

PACKET_JOB_VALUE = {
    "id": "6b0f3d8e-2c41-4f6a-9e55-1d7a2b9c4e30",
    "kind": "dispute_packet",
    "status": "queued",
    "percent": 0,
    "progress_done": 0,
    "progress_total": 2,
    "message": "",
    "target_type": "reconciliation.deduction",
    "target_id": "42",
    "attempts": 0,
    "created_at": "2026-11-28T09:00:00Z",
    "started_at": None,
    "finished_at": None,
    "result": None,
}
PACKET_JOB_QUEUED = OpenApiExample("Packet job queued", response_only=True, status_codes=["202"], value=PACKET_JOB_VALUE)
PACKET_DOCUMENT = {
    "id": 83,
    "kind": "dispute_packet",
    "key": "deductions/42/dispute-packet-1.pdf",
    "title": "Dispute packet CB-000042 (dispute 1)",
    "content_type": "application/pdf",
    "size": 412907,
    "sha256": "9f2c1b7e0a4d4c3f8e6b5a2d1c0f9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b3a21",
    "created_at": "2026-11-28T09:00:07Z",
    "download_url": "/api/v1/documents/83/download",
}
PACKET_RUNNING = OpenApiExample(
    "Being built",
    response_only=True,
    status_codes=["200"],
    value={
        "dispute_number": 1,
        "status": "running",
        "job": {
            **PACKET_JOB_VALUE,
            "status": "running",
            "percent": 40,
            "progress_done": 2,
            "progress_total": 5,
            "attempts": 1,
            "started_at": "2026-11-28T09:00:01Z",
        },
        "document": None,
        "download_url": None,
        "dispute_id": None,
    },
)
PACKET_READY = OpenApiExample(
    "Ready to download",
    response_only=True,
    status_codes=["200"],
    value={
        "dispute_number": 1,
        "status": "succeeded",
        "job": {
            **PACKET_JOB_VALUE,
            "status": "succeeded",
            "percent": 100,
            "progress_done": 5,
            "progress_total": 5,
            "attempts": 1,
            "started_at": "2026-11-28T09:00:01Z",
            "finished_at": "2026-11-28T09:00:07Z",
            "result": PACKET_DOCUMENT,
        },
        "document": {k: PACKET_DOCUMENT[k] for k in ("id", "title", "content_type", "size", "download_url")},
        "download_url": "/api/v1/documents/83/download",
        "dispute_id": None,
    },
)
PACKET_NOT_FOUND = _error("No packet yet", 404, "packet_missing", "No dispute packet was built for this deduction.")
DISPUTE_LIMIT = _error("Disputed too often", 400, "dispute_limit", "CB-000042 was disputed 2 times, the most allowed.")
ALREADY_DISPUTED = _error("Already disputed", 409, "already_disputed", "CB-000042 is already disputed; wait for the answer.")
PACKET_MISMATCH = _error(
    "Not this dispute's packet",
    400,
    "packet_mismatch",
    "Document 80 is not the dispute packet of CB-000042 for its next dispute (that is document 83).",
    "packet",
)
DISPUTE_WITH_PACKET_REQUEST = OpenApiExample(
    "File with the dispute packet",
    request_only=True,
    media_type="multipart/form-data",
    value={"reason": "The ASN was sent the day before the truck left: see the packet.", "packet": 83},
)
