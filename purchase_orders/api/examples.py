"""Request and response examples of the purchase-order API, shown in /api/docs/."""

from drf_spectacular.utils import OpenApiExample

LINE_NEW = {
    "sequence": 1,
    "asin": "B0A0000001",
    "vendor_sku": "ACM-0001",
    "title": "Acme Kettle Classic",
    "unit_of_measure": "Eaches",
    "unit_size": 1,
    "backorder_allowed": True,
    "net_cost": "24.50",
    "list_price": "44.10",
    "line_total": "1470.00",
    "ordered_quantity": 60,
    "accepted_quantity": 0,
    "backordered_quantity": 0,
    "rejected_quantity": 0,
    "cancelled_quantity": 0,
    "shipped_quantity": 0,
    "received_quantity": 0,
    "damaged_quantity": 0,
    "invoiced_quantity": 0,
    "open_to_ship": 0,
    "rejection_reason": "",
    "backorder_date": None,
    "acknowledged_at": None,
}
HEADER = {
    "number": "ACM0000123",
    "vendor": "ACME",
    "marketplace": "US",
    "ship_to": "ABE2",
    "state": "new",
    "order_type": "RegularOrder",
    "order_date": "2026-11-20T14:00:00Z",
    "ship_window_start": "2026-11-24T00:00:00Z",
    "ship_window_end": "2026-12-01T00:00:00Z",
    "delivery_window_start": "2026-11-27T00:00:00Z",
    "delivery_window_end": "2026-12-08T00:00:00Z",
    "currency": "USD",
    "payment_terms": "net60",
    "confirmation_due_at": "2026-11-22T14:00:00Z",
    "needs_confirmation": True,
    "has_unconfirmed_changes": False,
    "changed_at": None,
    "acknowledged_at": None,
    "promised_ship_date": None,
    "estimated_ship_date": None,
    "line_count": 2,
    "total_ordered_quantity": 84,
    "total_accepted_quantity": 0,
    "total_cost": "1950.00",
}
DETAIL_EXTRA = {
    "payment_method": "Invoice",
    "deal_code": "",
    "promised_delivery_date": None,
    "estimated_delivery_date": None,
    "is_confirmable": True,
    "created_at": "2026-11-20T14:00:03Z",
    "updated_at": "2026-11-20T14:00:03Z",
}
LINE_2_NEW = {
    **LINE_NEW,
    "sequence": 2,
    "asin": "B0A0000003",
    "vendor_sku": "ACM-0003",
    "title": "Acme Blender Classic",
    "net_cost": "20.00",
    "list_price": "36.00",
    "line_total": "480.00",
    "ordered_quantity": 24,
    "backorder_allowed": False,
}
ACK_LINES = [
    {"sequence": 1, "accepted": 48, "backordered": 12, "rejected": 0, "rejection_reason": "", "backorder_date": "2026-12-10"},
    {"sequence": 2, "accepted": 0, "backordered": 0, "rejected": 24, "rejection_reason": "ObsoleteProduct", "backorder_date": None},
]
REVISION_1 = {
    "revision": 1,
    "channel": "api",
    "submitted_by": "token:ERP",
    "submitted_at": "2026-11-21T09:12:44Z",
    "scheduled_ship_date": "2026-11-26",
    "scheduled_delivery_date": "2026-11-30",
    "lines": ACK_LINES,
}

DETAIL_NEW_VALUE = {**HEADER, **DETAIL_EXTRA, "lines": [LINE_NEW, LINE_2_NEW], "acknowledgements": [], "availability_warnings": []}
DETAIL_ACKNOWLEDGED_VALUE = {
    **HEADER,
    **DETAIL_EXTRA,
    "state": "acknowledged",
    "needs_confirmation": False,
    "acknowledged_at": "2026-11-21T09:12:44Z",
    "promised_ship_date": "2026-11-26",
    "estimated_ship_date": "2026-11-26",
    "promised_delivery_date": "2026-11-30",
    "estimated_delivery_date": "2026-11-30",
    "total_accepted_quantity": 48,
    "lines": [
        {
            **LINE_NEW,
            "accepted_quantity": 48,
            "backordered_quantity": 12,
            "open_to_ship": 60,
            "backorder_date": "2026-12-10",
            "acknowledged_at": "2026-11-21T09:12:44Z",
        },
        {**LINE_2_NEW, "rejected_quantity": 24, "rejection_reason": "ObsoleteProduct", "acknowledged_at": "2026-11-21T09:12:44Z"},
    ],
    "acknowledgements": [REVISION_1],
    "availability_warnings": ["Line 1 (ACME-MUG-12): 48 eaches accepted, but only 30 reported available to ship."],
}

CREATE_REQUEST = OpenApiExample(
    "Issue a PO",
    request_only=True,
    value={
        "vendor": "ACME",
        "marketplace": "US",
        "number": "ACM0000123",
        "ship_to": "ABE2",
        "order_type": "RegularOrder",
        "ship_window_start": "2026-11-24T00:00:00Z",
        "ship_window_end": "2026-12-01T00:00:00Z",
        "delivery_window_start": "2026-11-27T00:00:00Z",
        "delivery_window_end": "2026-12-08T00:00:00Z",
        "payment_terms": "net60",
        "lines": [
            {
                "sequence": 1,
                "vendor_sku": "ACM-0001",
                "ordered_quantity": 60,
                "unit_of_measure": "Eaches",
                "unit_size": 1,
                "net_cost": "24.50",
                "list_price": "44.10",
                "backorder_allowed": True,
            },
            {"sequence": 2, "asin": "B0A0000003", "ordered_quantity": 24, "net_cost": "20.00", "list_price": "36.00"},
        ],
    },
)
CREATE_ERRORS = OpenApiExample(
    "Nothing saved: errors per field",
    response_only=True,
    status_codes=["400"],
    value={
        "errors": [
            {"code": "duplicate", "message": "PO number ACM0000123 already exists.", "field": "number"},
            {"code": "invalid", "message": "The ship window ends before it starts.", "field": "ship_window_end"},
            {"code": "unknown_product", "message": "No product ACM-9999 in ACME's catalogue.", "field": "lines[1].vendor_sku"},
        ]
    },
)
DETAIL_NEW = OpenApiExample("A new PO", response_only=True, status_codes=["201"], value=DETAIL_NEW_VALUE)
DETAIL_ACKNOWLEDGED = OpenApiExample("An acknowledged PO", response_only=True, status_codes=["200"], value=DETAIL_ACKNOWLEDGED_VALUE)
DETAIL_CHANGED = OpenApiExample(
    "Changed by the buyer: back to new",
    response_only=True,
    status_codes=["200"],
    value={
        **DETAIL_ACKNOWLEDGED_VALUE,
        "state": "new",
        "needs_confirmation": True,
        "has_unconfirmed_changes": True,
        "changed_at": "2026-11-22T08:00:00Z",
        "total_ordered_quantity": 72,
        "total_accepted_quantity": 0,
        "total_cost": "1230.00",
        "lines": [
            {**LINE_NEW, "ordered_quantity": 48, "cancelled_quantity": 12, "line_total": "1176.00"},
            {**LINE_2_NEW, "ordered_quantity": 24, "rejected_quantity": 24, "rejection_reason": "ObsoleteProduct"},
        ],
    },
)
DETAIL_CANCELLED = OpenApiExample(
    "Cancelled",
    response_only=True,
    status_codes=["200"],
    value={**DETAIL_NEW_VALUE, "state": "cancelled", "needs_confirmation": False, "is_confirmable": False},
)
CHANGE_REQUEST = OpenApiExample(
    "Lower a quantity and move the window",
    request_only=True,
    value={"ship_window_end": "2026-12-03T00:00:00Z", "lines": [{"sequence": 1, "ordered_quantity": 48}, {"sequence": 3, "cancel": True}]},
)
CONFIRM_REQUEST = OpenApiExample(
    "Confirm line by line",
    request_only=True,
    value={"scheduled_ship_date": "2026-11-26", "scheduled_delivery_date": "2026-11-30", "lines": ACK_LINES},
)
ACCEPT_ALL_REQUEST = OpenApiExample(
    "Accept everything",
    request_only=True,
    value={"accept_all": True, "scheduled_ship_date": "2026-11-26"},
)
CONFIRM_ERRORS = OpenApiExample(
    "Nothing saved: errors per line",
    response_only=True,
    status_codes=["400"],
    value={
        "errors": [
            {"code": "case_pack", "message": "Line 1: 7 eaches is not a whole number of cases of 6.", "field": "lines[0].accepted"},
            {"code": "backorder_not_allowed", "message": "Line 2 does not allow backorders.", "field": "lines[1].backordered"},
            {"code": "line_missing", "message": "Line 3 has no confirmation: every line must be confirmed.", "field": "lines"},
        ]
    },
)
CONFIRMATION_HISTORY = OpenApiExample(
    "Two revisions",
    response_only=True,
    status_codes=["200"],
    value={
        "number": "ACM0000123",
        "state": "acknowledged",
        "is_confirmable": True,
        "promised_ship_date": "2026-11-26",
        "promised_delivery_date": "2026-11-30",
        "estimated_ship_date": "2026-11-28",
        "estimated_delivery_date": "2026-12-02",
        "revisions": [
            {
                **REVISION_1,
                "revision": 2,
                "submitted_at": "2026-11-22T10:00:00Z",
                "scheduled_ship_date": "2026-11-28",
                "scheduled_delivery_date": "2026-12-02",
            },
            REVISION_1,
        ],
    },
)
CANCEL_REQUEST = OpenApiExample("Cancel", request_only=True, value={"reason": "Demand forecast lowered"})
LIST_PAGE = OpenApiExample("A page (one row shown)", response_only=True, status_codes=["200"], value=HEADER)
VALIDATION_ERROR = OpenApiExample(
    "Validation error",
    response_only=True,
    status_codes=["400"],
    value={"errors": [{"code": "min_value", "message": "Ensure this value is greater than or equal to 0.", "field": "lines[1].accepted"}]},
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
    value={"errors": [{"code": "not_found", "message": "Purchase order not found.", "field": None}]},
)
CONFLICT = OpenApiExample(
    "Wrong state",
    response_only=True,
    status_codes=["409"],
    value={
        "errors": [{"code": "invalid_state", "message": "PO ACM0000123 has shipped units: its confirmation can no longer be revised.", "field": None}]
    },
)

UPLOAD_DRY_RUN_REQUEST = OpenApiExample(
    "Check a file (dry run)",
    request_only=True,
    media_type="multipart/form-data",
    value={"file": "purchase-orders-week-48.csv", "dry_run": True},
)
UPLOAD_COMMIT_REQUEST = OpenApiExample(
    "Create the POs",
    request_only=True,
    media_type="multipart/form-data",
    value={"file": "purchase-orders-week-48.csv", "dry_run": False},
)
UPLOAD_SUMMARY = {
    "dry_run": True,
    "file_name": "purchase-orders-week-48.csv",
    "row_count": 3,
    "po_count": 2,
    "line_count": 3,
    "ignored_columns": ["buyer_note"],
    "purchase_orders": [
        {
            "number": "ACM0000130",
            "vendor": "ACME",
            "marketplace": "US",
            "ship_to": "ABE2",
            "line_count": 2,
            "units": 84,
            "total": "1950.00",
            "currency": "USD",
        },
        {
            "number": "ACM0000131",
            "vendor": "ACME",
            "marketplace": "CA",
            "ship_to": "YYZ4",
            "line_count": 1,
            "units": 12,
            "total": "397.20",
            "currency": "CAD",
        },
    ],
    "created": [],
}
UPLOAD_CHECKED = OpenApiExample("Checked: nothing saved", response_only=True, status_codes=["200"], value=UPLOAD_SUMMARY)
UPLOAD_CREATED = OpenApiExample(
    "Created",
    response_only=True,
    status_codes=["201"],
    value={**UPLOAD_SUMMARY, "dry_run": False, "created": ["ACM0000130", "ACM0000131"]},
)
UPLOAD_ERRORS = OpenApiExample(
    "Row errors: nothing saved",
    response_only=True,
    status_codes=["400"],
    value={
        "errors": [
            {"code": "invalid_row", "message": "Row 3, net_cost: Not a number: 'twelve'.", "field": "rows[3].net_cost"},
            {"code": "invalid_row", "message": "Row 4, vendor_sku: No product ACM-9999 in ACME's catalogue.", "field": "rows[4].vendor_sku"},
        ]
    },
)
UPLOAD_FILE_ERROR = OpenApiExample(
    "Unreadable file",
    response_only=True,
    status_codes=["400"],
    value={
        "errors": [
            {
                "code": "invalid_file",
                "message": "Missing columns: net_cost. The first row must name the columns, as in the template.",
                "field": "file",
            }
        ]
    },
)
