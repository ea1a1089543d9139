from drf_spectacular.utils import OpenApiExample

LEVELS = [
    {"level": "each", "units": 1, "length_cm": "20.00", "width_cm": "15.00", "height_cm": "25.00", "weight_kg": "1.200"},
    {"level": "case", "units": 6, "length_cm": "45.00", "width_cm": "32.00", "height_cm": "52.00", "weight_kg": "7.600"},
]
ITEM_REQUEST = OpenApiExample(
    "Propose an item",
    request_only=True,
    value={
        "vendor_sku": "KTL-GLS-15",
        "title": "Acme glass kettle 1.5 L",
        "brand": "Acme",
        "gtin": "0614141007776",
        "case_gtin": "10614141007773",
        "case_pack": 6,
        "minimum_order_quantity": 6,
        "country_of_origin": "CN",
        "hs_code": "851671",
        "pack_levels": [{k: v for k, v in level.items() if k != "units"} for level in LEVELS],
        "offers": [{"marketplace": "US", "cost": "18.40", "list_price": "39.99", "local_title": ""}],
        "submit": True,
    },
)
ITEM = {
    "id": 12,
    "vendor": "ACME",
    "vendor_sku": "KTL-GLS-15",
    "title": "Acme glass kettle 1.5 L",
    "brand": "Acme",
    "gtin": "0614141007776",
    "case_gtin": "10614141007773",
    "case_pack": 6,
    "minimum_order_quantity": 6,
    "country_of_origin": "CN",
    "hs_code": "851671",
    "state": "submitted",
    "review_comment": "",
    "submitted_at": "2026-12-03T17:00:00Z",
    "reviewed_at": None,
    "asin": None,
    "pack_levels": LEVELS,
    "offers": [{"marketplace": "US", "local_title": "", "cost": "18.40", "list_price": "39.99", "currency": "USD"}],
}
ITEM_RESPONSE = OpenApiExample("An item proposal", response_only=True, value=ITEM)
ITEM_APPROVED = OpenApiExample(
    "Approved", response_only=True, value={**ITEM, "state": "approved", "reviewed_at": "2026-12-04T09:30:00Z", "asin": "B0K7Q2M9XA"}
)
ITEM_PAGE = OpenApiExample("A page of item proposals (one shown)", response_only=True, status_codes=["200"], value=ITEM)
REVIEW_REQUEST = OpenApiExample("With a comment", request_only=True, value={"comment": "Use the HS code for electric kettles."})

COST_CHANGE = {
    "id": 40,
    "vendor": "ACME",
    "vendor_sku": "KTL-1700-SS",
    "asin": "B0T0000001",
    "marketplace": "US",
    "currency": "USD",
    "current_cost": "10.00",
    "new_cost": "11.00",
    "counter_cost": None,
    "agreed_cost": None,
    "effective_from": "2026-12-07",
    "reason": "Steel prices rose 9% this quarter.",
    "buyer_comment": "",
    "state": "proposed",
    "created_at": "2026-12-03T17:00:00Z",
    "decided_at": None,
}
COST_RESPONSE = OpenApiExample("A cost change", response_only=True, value=COST_CHANGE)
COST_ACCEPTED = OpenApiExample(
    "Accepted", response_only=True, value={**COST_CHANGE, "state": "accepted", "agreed_cost": "11.00", "decided_at": "2026-12-04T09:30:00Z"}
)
COST_COUNTERED = OpenApiExample(
    "Countered",
    response_only=True,
    value={**COST_CHANGE, "state": "countered", "counter_cost": "10.60", "buyer_comment": "Meet halfway", "decided_at": "2026-12-04T09:30:00Z"},
)
COST_PAGE = OpenApiExample("A page of cost changes (one shown)", response_only=True, status_codes=["200"], value=COST_CHANGE)
PROPOSE_REQUEST = OpenApiExample(
    "Propose cost changes",
    request_only=True,
    value={
        "changes": [
            {
                "vendor_sku": "KTL-1700-SS",
                "asin": "",
                "marketplace": "US",
                "new_cost": "11.00",
                "effective_from": "2026-12-07",
                "reason": "Steel prices rose 9% this quarter.",
            }
        ],
        "dry_run": False,
    },
)
PROPOSED = OpenApiExample("Proposed", response_only=True, status_codes=["201"], value={"dry_run": False, "count": 1, "cost_changes": [COST_CHANGE]})
CHECKED = OpenApiExample("Dry run", response_only=True, status_codes=["200"], value={"dry_run": True, "count": 1, "cost_changes": []})
COUNTER_REQUEST = OpenApiExample("Counter offer", request_only=True, value={"counter_cost": "10.60", "comment": "Meet halfway"})

IMPORT_REQUEST = OpenApiExample("Upload the filled template", request_only=True, media_type="multipart/form-data", value={"file": "new-items.xlsx"})
IMPORTED_ITEM = {
    "row": 2,
    "id": None,
    "vendor_sku": "KTL-GLS-15",
    "title": "Acme glass kettle 1.5 L",
    "gtin": "0614141007776",
    "case_gtin": "10614141007773",
    "case_pack": 6,
    "marketplaces": ["US"],
}
IMPORT_SUMMARY = {"dry_run": True, "file_name": "new-items.xlsx", "row_count": 1, "ignored_columns": [], "items": [IMPORTED_ITEM]}
IMPORT_CHECKED = OpenApiExample("Checked: nothing saved", response_only=True, status_codes=["200"], value=IMPORT_SUMMARY)
IMPORT_QUEUED = OpenApiExample(
    "Checked and stored; a worker proposes the items",
    response_only=True,
    status_codes=["202"],
    value={
        "id": "5b2e7c1a-9d4f-4a8e-b6c3-1f0e2d3c4b5a",
        "kind": "item_proposal_upload",
        "status": "queued",
        "percent": 0,
        "progress_done": 0,
        "progress_total": 0,
        "message": "",
        "target_type": "catalogue.itemproposalupload",
        "target_id": "7",
        "attempts": 0,
        "created_at": "2026-12-03T09:00:00Z",
        "started_at": None,
        "finished_at": None,
        "result": None,
        "upload_id": 7,
    },
)
IMPORT_ERRORS = OpenApiExample(
    "Row errors: nothing saved",
    response_only=True,
    status_codes=["400"],
    value={
        "errors": [
            {
                "code": "invalid_gtin",
                "message": "Row 2, Item GTIN (UPC/EAN): 0614141007770 ends in 0 but its check digit is 6.",
                "field": "rows[2].gtin",
            },
            {"code": "min_value", "message": "Row 3, Case pack: A case holds at least one each.", "field": "rows[3].case_pack"},
        ]
    },
)
IMPORT_FILE_ERROR = OpenApiExample(
    "Unreadable file",
    response_only=True,
    status_codes=["400"],
    value={"errors": [{"code": "invalid_file", "message": "new-items.pdf is not a CSV or XLSX file.", "field": "file"}]},
)
_UPLOAD_JOB = {
    "id": "5b2e7c1a-9d4f-4a8e-b6c3-1f0e2d3c4b5a",
    "kind": "item_proposal_upload",
    "status": "succeeded",
    "percent": 100,
    "progress_done": 2,
    "progress_total": 2,
    "message": "2 new items submitted; the buyer has been told.",
    "target_type": "catalogue.itemproposalupload",
    "target_id": "7",
    "attempts": 1,
    "created_at": "2026-12-03T09:00:00Z",
    "started_at": "2026-12-03T09:00:01Z",
    "finished_at": "2026-12-03T09:00:02Z",
    "result": None,
}
UPLOAD_PROPOSED = OpenApiExample(
    "Proposed: each row's item proposal",
    response_only=True,
    status_codes=["200"],
    value={
        "id": 7,
        "file_name": "new-items.xlsx",
        "status": "proposed",
        "row_count": 2,
        "proposed_count": 2,
        "items": [
            {"row": 2, "id": 311, "vendor_sku": "KTL-GLS-15", "gtin": "0614141007776"},
            {"row": 3, "id": 312, "vendor_sku": "KTL-STL-17", "gtin": "0614141007783"},
        ],
        "errors": [],
        "created_at": "2026-12-03T09:00:00Z",
        "processed_at": "2026-12-03T09:00:02Z",
        "job": _UPLOAD_JOB,
    },
)
UPLOAD_REFUSED = OpenApiExample(
    "Refused: nothing saved",
    response_only=True,
    status_codes=["200"],
    value={
        "id": 8,
        "file_name": "new-items.xlsx",
        "status": "refused",
        "row_count": 2,
        "proposed_count": 0,
        "items": [],
        "errors": [
            {
                "row": 3,
                "column": "gtin",
                "title": "Item GTIN (UPC/EAN)",
                "code": "duplicate",
                "message": "GTIN 0614141007783 is already in the catalogue or on an open proposal.",
            }
        ],
        "created_at": "2026-12-03T09:05:00Z",
        "processed_at": "2026-12-03T09:05:01Z",
        "job": {
            **_UPLOAD_JOB,
            "status": "failed",
            "message": "1 problem; nothing was saved. Row 3, Item GTIN (UPC/EAN): GTIN 0614141007783 is already in the catalogue or on an open proposal.",
        },
    },
)
