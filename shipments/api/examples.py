"""Request and response examples of the ship-plan, ASN, label, receipt, job and document API, shown in /api/docs/.

Shapes of the demo data: vendor ACME (GS1 company prefix 0614141, so SSCCs read 0 0614141 serial check),
DC ABE2 in marketplace US, PO ACM0000122.
"""

from drf_spectacular.utils import OpenApiExample

LINE_1 = {"id": 5, "purchase_order_line": 66, "purchase_order_number": "ACM0000122", "sequence": 1, "vendor_sku": "ACM-0023", "quantity": 16}
LINE_2 = {"id": 6, "purchase_order_line": 67, "purchase_order_number": "ACM0000122", "sequence": 2, "vendor_sku": "ACM-0007", "quantity": 48}
DRAFT = {
    "id": 17,
    "shipment_identifier": "ASN-ACME-0017",
    "state": "draft",
    "vendor": "ACME",
    "marketplace": "US",
    "ship_to": "ABE2",
    "ship_from": "MAIN",
    "transport_mode": "ltl",
    "transport_method": "road",
    "carrier_scac": "ODFL",
    "carrier_name": "Old Dominion Freight Line",
    "ship_date": "2026-11-29",
    "estimated_arrival": "2026-12-03",
    "bol_number": "BOLACM000017",
    "pro_number": "PROACM0000017",
    "cartons_per_pallet": 6,
    "weight_unit": "lb",
    "dimension_unit": "in",
    "gross_weight": None,
    "asn_type": "",
    "asn_revision": 0,
    "submitted_at": None,
    "receiving_started_at": None,
    "received_at": None,
    "cancelled_at": None,
    "created_at": "2026-11-27T09:12:03Z",
    "lines": [LINE_1, LINE_2],
}
SUBMITTED = {
    **DRAFT,
    "state": "submitted",
    "gross_weight": "1712.400",
    "asn_type": "Original",
    "asn_revision": 1,
    "submitted_at": "2026-11-28T16:40:11Z",
}
LIST_ROW = {key: value for key, value in SUBMITTED.items() if key != "lines"} | {"carton_count": 24, "pallet_count": 4}

PLAN_REQUEST_VALUE = {
    "ship_to": "ABE2",
    "shipment_identifier": "ASN-ACME-0017",
    "ship_date": "2026-11-29",
    "estimated_arrival": "2026-12-03",
    "transport_mode": "ltl",
    "transport_method": "road",
    "carrier_scac": "ODFL",
    "carrier_name": "Old Dominion Freight Line",
    "bol_number": "BOLACM000017",
    "pro_number": "PROACM0000017",
    "ship_from": "MAIN",
    "cartons_per_pallet": 6,
    "lines": [{"purchase_order_line": 66, "quantity": 16}, {"purchase_order_line": 67, "quantity": 48}],
}
PLAN_REQUEST = OpenApiExample("Build a ship plan", request_only=True, value=PLAN_REQUEST_VALUE)
PLAN_CHANGE_REQUEST = OpenApiExample(
    "Ship fewer units of line 2",
    request_only=True,
    value={**PLAN_REQUEST_VALUE, "lines": [{"purchase_order_line": 66, "quantity": 16}, {"purchase_order_line": 67, "quantity": 36}]},
)
PLAN_CREATED = OpenApiExample("Draft with its cartons", response_only=True, status_codes=["201"], value={**DRAFT, "warnings": []})
PLAN_LATE = OpenApiExample(
    "Draft past the cutoff",
    response_only=True,
    status_codes=["201"],
    value={**DRAFT, "warnings": ["PO ACM0000122 line 2: past the cutoff; the ship window closes on 2026-12-01."]},
)
PLAN_CHANGED = OpenApiExample(
    "Draft, re-cartonized",
    response_only=True,
    status_codes=["200"],
    value={**DRAFT, "lines": [LINE_1, {**LINE_2, "quantity": 36}], "warnings": []},
)
PLAN_ERRORS = OpenApiExample(
    "Nothing saved: errors per field",
    response_only=True,
    status_codes=["400"],
    value={
        "errors": [
            {"code": "duplicate", "message": "Shipment ASN-ACME-0017 already exists.", "field": "shipment_identifier"},
            {
                "code": "invalid",
                "message": "PO ACM0000122 line 2: 60 asked but only 48 open to ship (accepted and backordered, minus shipped).",
                "field": "lines[1].quantity",
            },
        ]
    },
)
DETAIL = OpenApiExample("Submitted ASN", response_only=True, status_codes=["200"], value=SUBMITTED)
LIST_PAGE = OpenApiExample("A page (one row shown)", response_only=True, status_codes=["200"], value=LIST_ROW)
SUBMITTED_ANSWER = OpenApiExample("Submitted", response_only=True, status_codes=["200"], value={**SUBMITTED, "warnings": []})
SUBMIT_ERRORS = OpenApiExample(
    "Not ready",
    response_only=True,
    status_codes=["400"],
    value={
        "errors": [
            {"code": "tracking_required", "message": "Every carton of a small-parcel shipment needs a tracking number.", "field": "tracking_number"}
        ]
    },
)
CANCELLED = OpenApiExample(
    "Cancelled draft",
    response_only=True,
    status_codes=["200"],
    value={**DRAFT, "state": "cancelled", "cancelled_at": "2026-11-28T10:02:45Z", "warnings": []},
)
REPLACE_REQUEST = OpenApiExample(
    "Replace ASN: fewer units, new carrier",
    request_only=True,
    value={
        "lines": [{"purchase_order_line": 66, "quantity": 12}, {"purchase_order_line": 67, "quantity": 48}],
        "carrier_scac": "SAIA",
        "carrier_name": "Saia LTL Freight",
        "estimated_arrival": "2026-12-04",
    },
)
REPLACED = OpenApiExample(
    "Replaced",
    response_only=True,
    status_codes=["200"],
    value={
        **SUBMITTED,
        "asn_type": "Replace",
        "asn_revision": 2,
        "carrier_scac": "SAIA",
        "carrier_name": "Saia LTL Freight",
        "estimated_arrival": "2026-12-04",
        "lines": [{**LINE_1, "quantity": 12}, LINE_2],
        "warnings": [],
    },
)
CONFLICT = OpenApiExample(
    "Wrong state",
    response_only=True,
    status_codes=["409"],
    value={"errors": [{"code": "invalid_state", "message": "Shipment ASN-ACME-0017 cannot be replaced: it is receiving.", "field": None}]},
)
NOT_FOUND = OpenApiExample(
    "Not found",
    response_only=True,
    status_codes=["404"],
    value={"errors": [{"code": "not_found", "message": "Not found.", "field": None}]},
)
FORBIDDEN = OpenApiExample(
    "Not allowed",
    response_only=True,
    status_codes=["403"],
    value={"errors": [{"code": "permission_denied", "message": "Your role or token scopes do not allow this action.", "field": None}]},
)


CARTON_MEASURED = {"weight": "15.870", "weight_unit": "lb", "length": "16.00", "width": "12.00", "height": "10.00", "dimension_unit": "in"}


def _carton(index: int, sscc: str, pallet, items: list[dict], tracking: str = "") -> dict:
    return {"index": index, "sscc": sscc, "pallet": pallet, "tracking_number": tracking, "items": items, **CARTON_MEASURED}


def _item(line: dict, quantity: int) -> dict:
    return {
        "shipment_line": line["id"],
        "purchase_order_number": line["purchase_order_number"],
        "sequence": line["sequence"],
        "vendor_sku": line["vendor_sku"],
        "quantity": quantity,
    }


CARTONS_VALUE = [
    _carton(1, "006141410000000135", 1, [_item(LINE_1, 8)]),
    _carton(2, "006141410000000142", 1, [_item(LINE_1, 8)]),
    _carton(3, "006141410000000159", 1, [_item(LINE_2, 12)]),
]
CARTONS = OpenApiExample("Cartons with their SSCCs", response_only=True, status_codes=["200"], value=CARTONS_VALUE[0])
MOVE_REQUEST = OpenApiExample(
    "Move 4 units into carton 3 (a mixed carton)",
    request_only=True,
    value={"from_carton": 2, "to_carton": 3, "shipment_line": 5, "quantity": 4},
)
NEW_CARTON_REQUEST = OpenApiExample(
    "Split 4 units into a new carton",
    request_only=True,
    value={"from_carton": 2, "shipment_line": 5, "quantity": 4},
)
MOVED = OpenApiExample(
    "Mixed carton",
    response_only=True,
    status_codes=["200"],
    value=_carton(3, "006141410000000159", 1, [_item(LINE_2, 12), _item(LINE_1, 4)]),
)
TRACKING_REQUEST = OpenApiExample(
    "Small-parcel tracking numbers",
    request_only=True,
    value={"cartons": [{"index": 1, "tracking_number": "1Z999AA10123456784"}, {"index": 2, "tracking_number": "1Z999AA10123456795"}]},
)
TRACKED = OpenApiExample(
    "Carton with tracking",
    response_only=True,
    status_codes=["200"],
    value=_carton(1, "006141410000000135", None, [_item(LINE_1, 8)], tracking="1Z999AA10123456784"),
)
CARTON_ERRORS = OpenApiExample(
    "Refused",
    response_only=True,
    status_codes=["400"],
    value={"errors": [{"code": "invalid", "message": "There is no carton 9.", "field": "tracking"}]},
)
PALLETS = OpenApiExample(
    "Pallets",
    response_only=True,
    status_codes=["200"],
    value={
        "index": 1,
        "sscc": "006141410000000463",
        "carton_count": 6,
        "weight": "142.500",
        "weight_unit": "lb",
        "length": "48.00",
        "width": "40.00",
        "height": "52.00",
        "dimension_unit": "in",
    },
)

LABELS_DOCUMENT = {
    "id": 51,
    "kind": "shipment_labels",
    "key": "shipments/17/labels-1.pdf",
    "title": "Labels ASN-ACME-0017",
    "content_type": "application/pdf",
    "size": 48211,
    "sha256": "9f2c6b0e1d3a4f5b8c7d6e5f4a3b2c1d0e9f8a7b6c5d4e3f2a1b0c9d8e7f6a5b",
    "created_at": "2026-11-28T16:41:02Z",
    "download_url": "/api/v1/documents/51/download",
}
PACKING_LIST_DOCUMENT = {
    **LABELS_DOCUMENT,
    "id": 52,
    "kind": "packing_list",
    "key": "shipments/17/packing-list-1.pdf",
    "title": "Packing list ASN-ACME-0017",
    "size": 22904,
    "sha256": "1b0c9d8e7f6a5b9f2c6b0e1d3a4f5b8c7d6e5f4a3b2c1d0e9f8a7b6c5d4e3f2a",
    "download_url": "/api/v1/documents/52/download",
}
UPLOADED_PACKING_LIST = {
    **PACKING_LIST_DOCUMENT,
    "id": 53,
    "kind": "packing_list_upload",
    "key": "shipments/17/packing-list-vendor.pdf",
    "title": "Packing list (vendor) ASN-ACME-0017",
    "download_url": "/api/v1/documents/53/download",
}
DOCUMENTS = OpenApiExample("The shipment's documents", response_only=True, status_codes=["200"], value=LABELS_DOCUMENT)
PACKING_LIST = OpenApiExample("Packing list rendered", response_only=True, status_codes=["201"], value=PACKING_LIST_DOCUMENT)
PACKING_LIST_UPLOAD_REQUEST = OpenApiExample(
    "Your own packing list (PDF)",
    request_only=True,
    media_type="multipart/form-data",
    value={"file": "packing-list-ASN-ACME-0017.pdf"},
)
PACKING_LIST_UPLOADED = OpenApiExample("Stored", response_only=True, status_codes=["201"], value=UPLOADED_PACKING_LIST)
NOT_PDF = OpenApiExample(
    "Not a PDF",
    response_only=True,
    status_codes=["400"],
    value={"errors": [{"code": "not_pdf", "message": "Only PDF files are accepted.", "field": "file"}]},
)

JOB_QUEUED_VALUE = {
    "id": "3f6c1e2a-8b4d-4c1e-9a7f-2d5b6c8e0a1f",
    "kind": "shipment_labels",
    "status": "queued",
    "percent": 0,
    "progress_done": 0,
    "progress_total": 0,
    "message": "",
    "target_type": "shipments.shipment",
    "target_id": "17",
    "attempts": 0,
    "created_at": "2026-11-28T16:40:12Z",
    "started_at": None,
    "finished_at": None,
    "result": None,
}
JOB_QUEUED = OpenApiExample("Label job queued", response_only=True, status_codes=["202"], value=JOB_QUEUED_VALUE)
JOB_RUNNING = OpenApiExample(
    "Running",
    response_only=True,
    status_codes=["200"],
    value={
        **JOB_QUEUED_VALUE,
        "status": "running",
        "percent": 40,
        "progress_done": 12,
        "progress_total": 30,
        "attempts": 1,
        "started_at": "2026-11-28T16:40:13Z",
    },
)
JOB_DONE = OpenApiExample(
    "Done, with its document",
    response_only=True,
    status_codes=["200"],
    value={
        **JOB_QUEUED_VALUE,
        "status": "succeeded",
        "percent": 100,
        "progress_done": 30,
        "progress_total": 30,
        "attempts": 1,
        "started_at": "2026-11-28T16:40:13Z",
        "finished_at": "2026-11-28T16:41:02Z",
        "result": LABELS_DOCUMENT,
    },
)
JOB_FAILED = OpenApiExample(
    "Failed",
    response_only=True,
    status_codes=["200"],
    value={
        **JOB_QUEUED_VALUE,
        "status": "failed",
        "attempts": 3,
        "message": "The GS1 company prefix 0614141 has no SSCC serials left.",
        "started_at": "2026-11-28T16:40:13Z",
        "finished_at": "2026-11-28T16:43:20Z",
    },
)

RECEIPT_VALUE = {
    "id": 2,
    "shipment": 17,
    "shipment_identifier": "ASN-ACME-0017",
    "warehouse": "ABE2",
    "received_at": "2026-12-03T14:05:27Z",
    "note": "Carton 3 arrived crushed.",
    "lines": [
        {"shipment_line": 5, "carton_sscc": "006141410000000135", "quantity": 8, "damaged_quantity": 0},
        {"shipment_line": 5, "carton_sscc": "006141410000000142", "quantity": 8, "damaged_quantity": 0},
        {"shipment_line": 6, "carton_sscc": "006141410000000159", "quantity": 12, "damaged_quantity": 12},
        {"shipment_line": 6, "carton_sscc": None, "quantity": 34, "damaged_quantity": 0},
    ],
}
RECEIPT = OpenApiExample("A receipt", response_only=True, status_codes=["200"], value=RECEIPT_VALUE)
RECEIPT_CREATED = OpenApiExample("Booked", response_only=True, status_codes=["201"], value=RECEIPT_VALUE)
RECEIPT_REQUEST = OpenApiExample(
    "Scan cartons, count the rest, finish",
    request_only=True,
    value={
        "shipment": 17,
        "scanned_ssccs": ["006141410000000135", "006141410000000142"],
        "damaged_ssccs": ["006141410000000159"],
        "lines": [{"shipment_line": 6, "quantity": 34, "damaged": 0}],
        "complete": True,
        "note": "Carton 3 arrived crushed.",
    },
)
RECEIPT_ERRORS = OpenApiExample(
    "Refused",
    response_only=True,
    status_codes=["400"],
    value={"errors": [{"code": "unknown_sscc", "message": "SSCC 006141410000009999 is not a carton of this ASN.", "field": "scanned_ssccs"}]},
)
CARTON_EXCEPTION_REQUEST = OpenApiExample(
    "The label would not scan: the SSCC was keyed from the packing list",
    request_only=True,
    value={"shipment": 17, "sscc": "006141410000000142", "exception": "label_unreadable"},
)
CARTON_EXCEPTION_RECORDED = OpenApiExample(
    "Recorded",
    response_only=True,
    status_codes=["200"],
    value={
        "shipment": 17,
        "shipment_identifier": "ASN-ACME-0017",
        "sscc": "006141410000000142",
        "carton": 2,
        "exception": "label_unreadable",
        "received": True,
        "damaged": False,
        "label_fault": "label_unreadable",
    },
)
CARTON_EXCEPTION_ERRORS = OpenApiExample(
    "Refused",
    response_only=True,
    status_codes=["400"],
    value={
        "errors": [
            {
                "code": "not_received",
                "message": "Carton 006141410000000159 is not received yet: receive it (key in its SSCC) before reporting its label.",
                "field": "sscc",
            }
        ]
    },
)
MEASURE_REQUEST = OpenApiExample(
    "Cartons and a pallet weighed and measured",
    request_only=True,
    value={
        "cartons": [{"index": 1, "weight": "15.87", "length": "16", "width": "12", "height": "10"}, {"index": 2, "weight": None}],
        "pallets": [{"index": 1, "weight": "142.5", "weight_unit": "lb", "length": "48", "width": "40", "height": "52", "dimension_unit": "in"}],
    },
)
MEASURED = OpenApiExample(
    "Every carton and pallet",
    response_only=True,
    status_codes=["200"],
    value={"cartons": CARTONS_VALUE[:1], "pallets": [PALLETS.value]},
)
MEASURE_ERRORS = OpenApiExample(
    "Refused",
    response_only=True,
    status_codes=["400"],
    value={
        "errors": [
            {"code": "dimensions_incomplete", "message": "Give length, width and height together.", "field": "cartons[1].length"},
            {"code": "not_found", "message": "There is no pallet 3.", "field": "pallets[3].index"},
        ]
    },
)
