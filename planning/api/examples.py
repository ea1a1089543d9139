"""Request and response examples of the forecast and promotion API, shown in /api/docs/."""

from drf_spectacular.utils import OpenApiExample

FORECAST_ROW = {
    "id": 9120,
    "vendor": "ACME",
    "product_id": 17,
    "vendor_sku": "ACM-0001",
    "asin": "B0A0000001",
    "title": "Acme Kettle Classic",
    "marketplace": "DE",
    "week_start": "2026-11-23",
    "week_starts_at": "2026-11-23T00:00:00+01:00",
    "mean": "412.00",
    "p70": "455.00",
    "p80": "482.00",
    "p90": "530.00",
    "version": 7,
    "published_at": "2026-11-20T06:00:12Z",
}
FORECAST_PAGE = OpenApiExample(
    "A page of forecast weeks (one row shown)",
    response_only=True,
    status_codes=["200"],
    value=FORECAST_ROW,  # drf-spectacular wraps a list example in the page
)
PUBLISH_REQUEST = OpenApiExample(
    "Publish two weeks",
    request_only=True,
    value={
        "vendor": "ACME",
        "forecasts": [
            {"vendor_sku": "ACM-0001", "marketplace": "DE", "week_start": "2026-11-23", "mean": "412", "p70": "455", "p80": "482", "p90": "530"},
            {"asin": "B0A0000001", "marketplace": "DE", "week_start": "2026-11-30", "mean": "388.5", "p70": "430", "p80": "455", "p90": "501"},
        ],
    },
)
DRY_RUN_REQUEST = OpenApiExample(
    "Dry run",
    request_only=True,
    value={
        "vendor": "ACME",
        "dry_run": True,
        "forecasts": [
            {"vendor_sku": "ACM-0001", "marketplace": "US", "week_start": "2026-11-23", "mean": "120", "p70": "135", "p80": "150", "p90": "170"}
        ],
    },
)
PUBLICATION = {
    "id": 31,
    "vendor": "ACME",
    "version": 7,
    "source": "api",
    "dry_run": False,
    "published_at": "2026-11-20T06:00:12Z",
    "published_by": "retail-buyer",
    "row_count": 2,
    "new_count": 1,
    "replaced_count": 1,
    "week_from": "2026-11-23",
    "week_to": "2026-11-30",
}
PUBLISHED = OpenApiExample("Published", response_only=True, status_codes=["201"], value=PUBLICATION)
CHECKED = OpenApiExample(
    "Dry run: what would change",
    response_only=True,
    status_codes=["200"],
    value={
        **PUBLICATION,
        "id": None,
        "version": None,
        "dry_run": True,
        "published_at": None,
        "row_count": 1,
        "new_count": 0,
        "replaced_count": 1,
        "week_to": "2026-11-23",
    },
)
PUBLISH_ERRORS = OpenApiExample(
    "Nothing published: errors per row",
    response_only=True,
    status_codes=["400"],
    value={
        "errors": [
            {"code": "not_monday", "message": "2026-11-25 is a Wednesday: weeks start on a Monday.", "field": "forecasts[0].week_start"},
            {
                "code": "percentiles_order",
                "message": "The percentiles must not decrease: P70 455.00 ≤ P80 440.00 ≤ P90 530.00.",
                "field": "forecasts[1].p80",
            },
            {"code": "unknown_product", "message": "No product ACM-9999 in ACME's catalogue.", "field": "forecasts[2].vendor_sku"},
            {
                "code": "outside_horizon",
                "message": "Week 2027-06-07 is outside the forecast horizon of US: 2026-11-16 to 2027-05-03 (26 weeks from this week).",
                "field": "forecasts[3].week_start",
            },
        ]
    },
)

LINE = {
    "sequence": 1,
    "product_id": 17,
    "vendor_sku": "ACM-0001",
    "asin": "B0A0000001",
    "title": "Acme Kettle Classic",
    "promotional_price": "29.99",
    "currency": "USD",
    "expected_units": 1200,
    "vendor_funding_per_unit": "4.50",
    "expected_funding": "5400.00",
    "committed_units": None,
    "committed_funding": "0.00",
    "commitment_note": "",
}
LINE_2 = {
    **LINE,
    "sequence": 2,
    "product_id": 19,
    "vendor_sku": "ACM-0003",
    "asin": "B0A0000003",
    "title": "Acme Blender Classic",
    "promotional_price": "49.00",
    "expected_units": 400,
    "vendor_funding_per_unit": "6.00",
    "expected_funding": "2400.00",
}
HEADER = {
    "id": 12,
    "name": "Black Friday kitchen week",
    "vendor": "ACME",
    "marketplace": "US",
    "promotion_type": "best_deal",
    "start_date": "2026-11-23",
    "end_date": "2026-11-30",
    "starts_at": "2026-11-23T00:00:00-05:00",
    "ends_at": "2026-12-01T00:00:00-05:00",
    "currency": "USD",
    "state": "shared",
    "shared_at": "2026-10-30T09:15:00Z",
    "responded_at": None,
    "awaiting_vendor": True,
    "line_count": 2,
    "total_expected_units": 1600,
    "total_committed_units": None,
    "total_expected_funding": "7800.00",
}
DETAIL_SHARED_VALUE = {
    **HEADER,
    "buyer_note": "Featured on the deals page; hero slot on day 1.",
    "decline_reason": "",
    "cancel_reason": "",
    "confirmation_revision": 0,
    "responded_by": "",
    "total_committed_funding": "0.00",
    "next_states": ["cancelled", "confirmed", "declined", "ended"],
    "created_at": "2026-10-28T16:02:11Z",
    "updated_at": "2026-10-30T09:15:00Z",
    "lines": [LINE, LINE_2],
}
DETAIL_CONFIRMED_VALUE = {
    **DETAIL_SHARED_VALUE,
    "state": "confirmed",
    "awaiting_vendor": False,
    "responded_at": "2026-11-02T08:41:00Z",
    "responded_by": "acme-ops",
    "confirmation_revision": 1,
    "total_committed_units": 1450,
    "total_committed_funding": "6825.00",
    "next_states": ["cancelled", "declined", "ended"],
    "lines": [
        {**LINE, "committed_units": 1200, "committed_funding": "5400.00"},
        {**LINE_2, "committed_units": 250, "committed_funding": "1500.00", "commitment_note": "Motor supply limited until December."},
    ],
}
DETAIL_DRAFT_VALUE = {
    **DETAIL_SHARED_VALUE,
    "state": "draft",
    "shared_at": None,
    "awaiting_vendor": False,
    "next_states": ["cancelled", "shared"],
}
PROMOTION_PAGE = OpenApiExample(
    "A page of promotions (one row shown)",
    response_only=True,
    status_codes=["200"],
    value=HEADER,
)
DETAIL_SHARED = OpenApiExample("Shared, waiting for the vendor", response_only=True, status_codes=["200"], value=DETAIL_SHARED_VALUE)
DETAIL_CONFIRMED = OpenApiExample("Confirmed by the vendor", response_only=True, status_codes=["200"], value=DETAIL_CONFIRMED_VALUE)
DETAIL_CREATED = OpenApiExample("A new draft", response_only=True, status_codes=["201"], value=DETAIL_DRAFT_VALUE)
DETAIL_DRAFT = OpenApiExample("A changed draft", response_only=True, status_codes=["200"], value=DETAIL_DRAFT_VALUE)
DETAIL_CANCELLED = OpenApiExample(
    "Cancelled",
    response_only=True,
    status_codes=["200"],
    value={**DETAIL_SHARED_VALUE, "state": "cancelled", "awaiting_vendor": False, "cancel_reason": "Budget moved to January.", "next_states": []},
)
DETAIL_DECLINED = OpenApiExample(
    "Declined by the vendor",
    response_only=True,
    status_codes=["200"],
    value={
        **DETAIL_SHARED_VALUE,
        "state": "declined",
        "awaiting_vendor": False,
        "responded_at": "2026-11-02T08:41:00Z",
        "responded_by": "token:SAP",
        "decline_reason": "No stock before January.",
        "next_states": ["cancelled", "draft"],
    },
)
CREATE_REQUEST = OpenApiExample(
    "Draft a promotion",
    request_only=True,
    value={
        "vendor": "ACME",
        "marketplace": "US",
        "name": "Black Friday kitchen week",
        "promotion_type": "best_deal",
        "start_date": "2026-11-23",
        "end_date": "2026-11-30",
        "buyer_note": "Featured on the deals page; hero slot on day 1.",
        "lines": [
            {"vendor_sku": "ACM-0001", "promotional_price": "29.99", "expected_units": 1200, "vendor_funding_per_unit": "4.50"},
            {"asin": "B0A0000003", "promotional_price": "49.00", "expected_units": 400, "vendor_funding_per_unit": "6.00"},
        ],
    },
)
CHANGE_REQUEST = OpenApiExample("Move the dates", request_only=True, value={"start_date": "2026-11-24", "end_date": "2026-12-01"})
CREATE_ERRORS = OpenApiExample(
    "Nothing saved: errors per field",
    response_only=True,
    status_codes=["400"],
    value={
        "errors": [
            {"code": "invalid", "message": "The deal ends before it starts.", "field": "end_date"},
            {"code": "unknown_product", "message": "No product ACM-9999 in ACME's catalogue.", "field": "lines[1].vendor_sku"},
        ]
    },
)
CANCEL_REQUEST = OpenApiExample("Cancel", request_only=True, value={"reason": "Budget moved to January."})
CONFIRM_REQUEST = OpenApiExample(
    "Confirm line by line",
    request_only=True,
    value={
        "decision": "confirm",
        "lines": [
            {"sequence": 1, "committed_units": 1200},
            {"sequence": 2, "committed_units": 250, "note": "Motor supply limited until December."},
        ],
    },
)
DECLINE_REQUEST = OpenApiExample("Decline", request_only=True, value={"decision": "decline", "reason": "No stock before January."})
CONFIRM_ERRORS = OpenApiExample(
    "Nothing saved: errors per line",
    response_only=True,
    status_codes=["400"],
    value={
        "errors": [
            {
                "code": "above_expected",
                "message": "Line 1: 1500 units is more than the 1200 the retailer expects.",
                "field": "lines[0].committed_units",
            },
            {"code": "line_missing", "message": "Line 2 has no answer: give the committed units of every line.", "field": "lines"},
        ]
    },
)
VALIDATION_ERROR = OpenApiExample(
    "Validation error",
    response_only=True,
    status_codes=["400"],
    value={"errors": [{"code": "invalid", "message": "Enter a valid date.", "field": "week_from"}]},
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
    value={"errors": [{"code": "not_found", "message": "Promotion not found.", "field": None}]},
)
CONFLICT = OpenApiExample(
    "Too late",
    response_only=True,
    status_codes=["409"],
    value={
        "errors": [
            {"code": "invalid_state", "message": "The deal started 2026-11-23 00:00 EST: it can no longer be confirmed or declined.", "field": None}
        ]
    },
)


# Availability ---------------------------------------------------------------------------------------
AVAILABILITY_ROW = {
    "id": 812,
    "vendor": "ACME",
    "product_id": 41,
    "vendor_sku": "ACME-MUG-12",
    "asin": "B0ACME0012",
    "ship_from": "RENO",
    "on_hand": 1200,
    "available": 960,
    "reported_at": "2026-11-30T06:00:12Z",
}
AVAILABILITY_PAGE = OpenApiExample("A page of availability (one row shown)", response_only=True, status_codes=["200"], value=AVAILABILITY_ROW)
AVAILABILITY_REQUEST = OpenApiExample(
    "Report two warehouses",
    request_only=True,
    value={
        "items": [
            {"vendor_sku": "ACME-MUG-12", "ship_from": "RENO", "on_hand": 1200, "available": 960},
            {"asin": "B0ACME0012", "ship_from": "NJ1", "on_hand": 300, "available": 300},
        ]
    },
)
AVAILABILITY_REPORT = {
    "id": 57,
    "vendor": "ACME",
    "source": "api",
    "dry_run": False,
    "reported_at": "2026-11-30T06:00:12Z",
    "reported_by": "token:ERP",
    "row_count": 2,
}
AVAILABILITY_SAVED = OpenApiExample("Saved", response_only=True, status_codes=["201"], value=AVAILABILITY_REPORT)
AVAILABILITY_CHECKED = OpenApiExample(
    "Dry run", response_only=True, status_codes=["200"], value={**AVAILABILITY_REPORT, "id": None, "dry_run": True, "reported_at": None}
)
