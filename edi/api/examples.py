"""Request and response examples of the EDI API, shown in /api/docs/: vendor ACME (ISA id ACMEEDI) and the
retailer (NORTHWIND) exchanging an 855 and its 997."""

from drf_spectacular.utils import OpenApiExample

X12_855 = (
    "ISA*00*          *00*          *ZZ*ACMEEDI        *ZZ*NORTHWIND      *261127*0800*U*00401*000000001*0*P*>~\n"
    "GS*PR*ACMEEDI*NORTHWIND*20261127*0800*1*X*004010~\n"
    "ST*855*0001~\n"
    "BAK*00*AC*ACM0000123*20261127~\n"
    "PO1*1*60*EA*24.50*NT*BP*B0A0000001*VN*ACM-0001~\n"
    "ACK*IA*60*EA*068*20261130~\n"
    "PO1*2*24*EA*20.00*NT*BP*B0A0000003*VN*ACM-0003~\n"
    "ACK*IA*24*EA*068*20261130~\n"
    "CTT*2~\n"
    "SE*8*0001~\n"
    "GE*1*1~\n"
    "IEA*1*000000001~\n"
)
X12_997 = (
    "ISA*00*          *00*          *ZZ*NORTHWIND      *ZZ*ACMEEDI        *261127*0801*U*00401*000000007*0*P*>~\n"
    "GS*FA*NORTHWIND*ACMEEDI*20261127*0801*7*X*004010~\n"
    "ST*997*0007~\n"
    "AK1*PR*1~\n"
    "AK2*855*0001~\n"
    "AK5*A~\n"
    "AK9*A*1*1*1~\n"
    "SE*6*0007~\n"
    "GE*1*7~\n"
    "IEA*1*000000007~\n"
)
INBOUND = {
    "id": 31,
    "vendor": "ACME",
    "direction": "inbound",
    "status": "accepted",
    "source": "api",
    "filename": "",
    "control_number": "000000001",
    "sender": "ZZ:ACMEEDI",
    "receiver": "ZZ:NORTHWIND",
    "set_ids": "855",
    "size": 396,
    "created_at": "2026-11-27T08:00:04Z",
    "problems": [],
    "transactions": [
        {
            "set_id": "855",
            "group_control_number": "1",
            "control_number": "0001",
            "status": "accepted",
            "reference": "ACM0000123",
            "object_type": "purchase_orders.purchaseorder",
            "object_id": "123",
            "errors": [],
        }
    ],
    "acknowledgement_id": 32,
    "duplicate_of_id": None,
}
ACKNOWLEDGEMENT = {
    "id": 32,
    "control_number": "000000007",
    "status": "sent",
    "set_ids": "997",
    "created_at": "2026-11-27T08:00:04Z",
    "content": X12_997,
}
RESULT = {**INBOUND, "set_count": 1, "problem_count": 0, "acknowledgement": ACKNOWLEDGEMENT}
SUMMARY = {key: value for key, value in INBOUND.items() if key not in ("problems", "transactions")} | {
    "set_count": 1,
    "problem_count": 0,
    "first_problem": "",
}
DUPLICATE_PROBLEM = {
    "set": "",
    "code": "025",
    "group": "",
    "level": "interchange",
    "element": None,
    "segment": "",
    "position": None,
    "bad_value": "000000001",
    "message": "Interchange 000000001 was already received on 2026-11-27 08:00; it is not processed again.",
}
REJECTED = {
    **INBOUND,
    "id": 33,
    "status": "rejected",
    "problems": [DUPLICATE_PROBLEM],
    "transactions": [
        {
            "set_id": "855",
            "group_control_number": "1",
            "control_number": "0001",
            "status": "rejected",
            "reference": "",
            "object_type": "",
            "object_id": "",
            "errors": [{"code": "025", "element": None, "segment": "", "position": None, "message": DUPLICATE_PROBLEM["message"]}],
        }
    ],
    "acknowledgement_id": 34,
    "duplicate_of_id": 31,
    "set_count": 1,
    "problem_count": 1,
    "acknowledgement": {
        **ACKNOWLEDGEMENT,
        "id": 34,
        "control_number": "000000008",
        "content": X12_997.replace("AK5*A", "AK5*R").replace("AK9*A*1*1*1", "AK9*R*1*1*0"),
    },
}

UPLOAD_TEXT = OpenApiExample("855 as the body", request_only=True, media_type="text/plain", value=X12_855)
UPLOAD_X12 = OpenApiExample("855 as application/edi-x12", request_only=True, media_type="application/edi-x12", value=X12_855)
UPLOAD_FILE = OpenApiExample("855 as a multipart file", request_only=True, media_type="multipart/form-data", value={"file": "855-ACM0000123.edi"})
QUEUED = OpenApiExample(
    "Stored; a worker applies it",
    response_only=True,
    status_codes=["202"],
    value={
        "id": "6f1c2a9e-3b7d-4c8e-9a51-2d4e8f0b7c13",
        "kind": "edi_receive",
        "status": "queued",
        "percent": 0,
        "progress_done": 0,
        "progress_total": 0,
        "message": "",
        "target_type": "edi.interchange",
        "target_id": "31",
        "attempts": 0,
        "created_at": "2026-11-27T08:00:04Z",
        "started_at": None,
        "finished_at": None,
        "result": None,
        "interchange_id": 31,
    },
)
DETAIL = OpenApiExample("An inbound 855 and its 997", response_only=True, status_codes=["200"], value=RESULT)
REJECTED_DETAIL = OpenApiExample("Nothing applied: a duplicate interchange", response_only=True, status_codes=["200"], value=REJECTED)
LIST_PAGE = OpenApiExample("A page (one row shown)", response_only=True, status_codes=["200"], value=SUMMARY)
PROBLEM_PAGE = OpenApiExample(
    "The first page",
    response_only=True,
    status_codes=["200"],
    value={"count": 1, "page": 1, "next": None, "previous": None, "results": [DUPLICATE_PROBLEM]},
)
RAW = OpenApiExample("X12 text", response_only=True, status_codes=["200"], media_type="application/edi-x12", value=X12_855)
TOO_LARGE = OpenApiExample(
    "Too large",
    response_only=True,
    status_codes=["413"],
    value={
        "errors": [{"code": "too_large", "message": "The file is 6291456 bytes; an interchange may be at most 5242880 bytes.", "field": "content"}]
    },
)
TOO_MANY_SETS = OpenApiExample(
    "Too many transaction sets",
    response_only=True,
    status_codes=["400"],
    value={
        "errors": [
            {
                "code": "too_many_sets",
                "message": "The interchange holds 100000 transaction sets; one interchange may hold at most 10000. Split it into several interchanges.",
                "field": "content",
            }
        ]
    },
)
UNSUPPORTED = OpenApiExample(
    "Not X12",
    response_only=True,
    status_codes=["415"],
    value={
        "errors": [
            {
                "code": "unsupported_media_type",
                "message": "Send the X12 interchange as text/plain or application/edi-x12, or as a multipart file.",
                "field": None,
            }
        ]
    },
)
NOT_FOUND = OpenApiExample(
    "Not found",
    response_only=True,
    status_codes=["404"],
    value={"errors": [{"code": "not_found", "message": "Not found.", "field": None}]},
)

PARTNER_VALUE = {
    "id": 3,
    "vendor": "ACME",
    "name": "Acme SAP EDI",
    "syntax": "x12",
    "isa_qualifier": "ZZ",
    "isa_id": "ACMEEDI",
    "gs_application_id": "",
    "gln": "",
    "is_active": True,
    "created_at": "2026-10-02T09:30:00Z",
}
PARTNER = OpenApiExample("A trading partner (a page shows a list)", response_only=True, status_codes=["200"], value=PARTNER_VALUE)
PARTNER_REQUEST = OpenApiExample(
    "Register the ISA id your EDI system sends from",
    request_only=True,
    value={
        "isa_qualifier": "ZZ",
        "isa_id": "ACMEEDI",
        "name": "Acme SAP EDI",
    },
)
PARTNER_CREATED = OpenApiExample("Registered", response_only=True, status_codes=["201"], value=PARTNER_VALUE)
PARTNER_DEACTIVATE = OpenApiExample("Deactivate", request_only=True, value={"is_active": False})
PARTNER_DEACTIVATED = OpenApiExample("Deactivated", response_only=True, status_codes=["200"], value={**PARTNER_VALUE, "is_active": False})
PARTNER_ERRORS = OpenApiExample(
    "Refused",
    response_only=True,
    status_codes=["400"],
    value={"errors": [{"code": "invalid", "message": "ISA id ZZ:ACMEEDI is already in use.", "field": "isa_id"}]},
)
FORBIDDEN = OpenApiExample(
    "Not allowed",
    response_only=True,
    status_codes=["403"],
    value={"errors": [{"code": "permission_denied", "message": "Your role or token scopes do not allow this action.", "field": None}]},
)
