"""Request and response examples of the portal-level API (me, messages, audit trail, catalogue, approvals, bank
details, team, vendors), shown in /api/docs/. Demo shapes: vendor ACME (GS1 prefix 0614141), marketplace US."""

from drf_spectacular.utils import OpenApiExample, OpenApiResponse

from .errors import documented_error

FORBIDDEN = OpenApiExample(
    "Not allowed",
    response_only=True,
    status_codes=["403"],
    value={"errors": [{"code": "permission_denied", "message": "Your role or token scopes do not allow this action.", "field": None}]},
)
TOKEN_REFUSED = OpenApiExample(
    "A token, where a person must act",
    response_only=True,
    status_codes=["403"],
    value={"errors": [{"code": "permission_denied", "message": "Only a signed-in person can do this: API tokens cannot.", "field": None}]},
)
NOT_FOUND = OpenApiExample(
    "Not found",
    response_only=True,
    status_codes=["404"],
    value={"errors": [{"code": "not_found", "message": "Not found.", "field": None}]},
)
INVALID = OpenApiExample(
    "Errors per field",
    response_only=True,
    status_codes=["400"],
    value={"errors": [{"code": "invalid", "message": "Use a three-letter ISO currency code, e.g. USD.", "field": "currency"}]},
)
CONFLICT = OpenApiExample(
    "Already decided",
    response_only=True,
    status_codes=["409"],
    value={"errors": [{"code": "invalid_state", "message": "This request was already approved.", "field": None}]},
)


def response_403(*examples: OpenApiExample) -> OpenApiResponse:
    return documented_error(
        "Not allowed: self-approval, a kind your role may not decide, an API token, or approving a bank change without a "
        "two-factor code from the last few minutes.",
        *examples,
        TOKEN_REFUSED,
    )


ME_PERSON = OpenApiExample(
    "Vendor ops",
    response_only=True,
    status_codes=["200"],
    value={
        "username": "acme-ops",
        "vendor": "ACME",
        "is_retailer": False,
        "roles": ["vendor_ops"],
        "token_scopes": None,
        "marketplaces": None,
    },
)
ME_TOKEN = OpenApiExample(
    "An API token",
    response_only=True,
    status_codes=["200"],
    value={
        "username": "token:SAP production",
        "vendor": "ACME",
        "is_retailer": False,
        "roles": [],
        "token_scopes": ["orders:read", "orders:write", "shipments:read", "shipments:write"],
        "marketplaces": None,
    },
)

NOTIFICATION = OpenApiExample(
    "A page (one row shown)",
    response_only=True,
    status_codes=["200"],
    value={
        "id": 168,
        "kind": "approval_requested",
        "title": "Approval needed: Submit invoice INV-ACME-0004 for 54128.64 CAD",
        "body": "",
        "url": "/approvals/",
        "created_at": "2026-11-27T07:27:58Z",
        "read_at": None,
        "is_read": False,
    },
)
MARK_SOME_READ = OpenApiExample("These messages", request_only=True, value={"ids": [168, 170]})
MARK_ALL_READ = OpenApiExample("Every message", request_only=True, value={})
MARKED_READ = OpenApiExample("Marked", response_only=True, status_codes=["200"], value={"marked": 2, "detail": "Marked as read."})

AUDIT_EVENT = OpenApiExample(
    "A PO confirmed through the API",
    response_only=True,
    status_codes=["200"],
    value={
        "id": 947,
        "occurred_at": "2026-11-21T09:12:44Z",
        "actor_label": "token:SAP production",
        "channel": "api",
        "vendor": "ACME",
        "action": "purchase_order.acknowledge",
        "object_type": "purchase_orders.purchaseorder",
        "object_id": "123",
        "object_repr": "ACM0000123",
        "before": {"state": "new"},
        "after": {"state": "acknowledged", "promised_ship_date": "2026-11-26"},
        "request_id": "5f0c1f7e8a2b4c3d",
    },
)

PRODUCT = OpenApiExample(
    "A product (a page shows a list)",
    response_only=True,
    status_codes=["200"],
    value={
        "id": 1,
        "vendor": "ACME",
        "asin": "B0A0000001",
        "vendor_sku": "ACM-0001",
        "gtin": "0614141000012",
        "title": "Acme Kettle Classic",
        "case_pack": 6,
        "minimum_order_quantity": 6,
        "carton_length_cm": "40.00",
        "carton_width_cm": "30.00",
        "carton_height_cm": "25.00",
        "carton_weight_kg": "7.200",
        "is_active": True,
        "costs": [
            {"marketplace": "CA", "cost": "33.10", "currency": "CAD", "list_price": "59.99"},
            {"marketplace": "US", "cost": "24.50", "currency": "USD", "list_price": "44.10"},
        ],
    },
)

BANK_PAYLOAD = {
    "account_holder": "Acme Home Goods Inc.",
    "bank_name": "First Bank of Newark",
    "account_number": "000123456789",
    "routing_code": "021000021",
    "currency": "USD",
    "remit_to_address": "1 Main St\nNewark, NJ 07102",
}
APPROVAL_VALUE = {
    "id": 7,
    "kind": "bank_details_change",
    "summary": "Change bank details of ACME to First Bank of Newark ···6789",
    "status": "pending",
    "vendor": "ACME",
    "payload": {**BANK_PAYLOAD, "account_number": "···6789"},
    "target_type": "vendor_portal.bankdetails",
    "target_id": "3",
    "requested_by": "acme-finance",
    "requested_at": "2026-11-27T10:15:00Z",
    "decided_by": None,
    "decided_at": None,
    "decision_note": "",
}
APPROVAL = OpenApiExample("A bank change waiting for a second person", response_only=True, status_codes=["200"], value=APPROVAL_VALUE)
APPROVE_REQUEST = OpenApiExample("Approve", request_only=True, value={"decision": "approve", "note": "Called the bank to confirm."})
REJECT_REQUEST = OpenApiExample(
    "Reject, saying why", request_only=True, value={"decision": "reject", "note": "Account holder does not match our company."}
)
APPROVED = OpenApiExample(
    "Approved and applied",
    response_only=True,
    status_codes=["200"],
    value={
        **APPROVAL_VALUE,
        "status": "approved",
        "decided_by": "acme-admin",
        "decided_at": "2026-11-27T11:02:31Z",
        "decision_note": "Called the bank to confirm.",
    },
)
WITHDRAWN = OpenApiExample("Withdrawn", response_only=True, status_codes=["200"], value={**APPROVAL_VALUE, "status": "cancelled"})
SELF_APPROVAL = OpenApiExample(
    "Your own request",
    response_only=True,
    status_codes=["403"],
    value={"errors": [{"code": "self_approval", "message": "You cannot approve your own request: a second person must check it.", "field": None}]},
)
SECOND_FACTOR = OpenApiExample(
    "No fresh two-factor code",
    response_only=True,
    status_codes=["403"],
    value={
        "errors": [
            {
                "code": "second_factor_required",
                "message": "Enter a code from your authenticator app to approve this: approvals need a code from the last few minutes.",
                "field": None,
            }
        ]
    },
)

BANK_DETAILS = OpenApiExample(
    "Current (masked) and a pending change",
    response_only=True,
    status_codes=["200"],
    value={
        "current": {
            "account_holder": "Acme Home Goods Inc.",
            "bank_name": "Harbor Trust",
            "account_number": "···4410",
            "routing_code": "026009593",
            "currency": "USD",
            "remit_to_address": "1 Main St\nNewark, NJ 07102",
            "updated_at": "2026-03-02T16:20:00Z",
        },
        "pending": [APPROVAL_VALUE],
    },
)
BANK_CHANGE_REQUEST = OpenApiExample("New account", request_only=True, value=BANK_PAYLOAD)
BANK_CHANGE_REQUESTED = OpenApiExample("Waiting for a second person", response_only=True, status_codes=["201"], value=APPROVAL_VALUE)

MEMBER_VALUE = {
    "id": 12,
    "username": "acme-ops",
    "email": "ops@acme.example.com",
    "first_name": "Dana",
    "last_name": "Ruiz",
    "is_active": True,
    "last_login": "2026-11-26T08:01:12Z",
    "roles": ["vendor_ops"],
    "marketplaces": None,
}
MEMBER = OpenApiExample("A person (a page shows a list)", response_only=True, status_codes=["200"], value=MEMBER_VALUE)
INVITE_REQUEST = OpenApiExample(
    "Invite a shipping clerk for the US",
    request_only=True,
    value={
        "username": "acme-shipping",
        "email": "shipping@acme.example.com",
        "first_name": "Lee",
        "last_name": "Chen",
        "roles": ["vendor_ops"],
        "marketplaces": ["US"],
    },
)
MEMBER_INVITED = OpenApiExample(
    "Invited",
    response_only=True,
    status_codes=["201"],
    value={
        "id": 31,
        "username": "acme-shipping",
        "email": "shipping@acme.example.com",
        "first_name": "Lee",
        "last_name": "Chen",
        "is_active": True,
        "last_login": None,
        "roles": ["vendor_ops"],
        "marketplaces": ["US"],
    },
)
EXISTING_ACCOUNT_INVITED = OpenApiExample(
    "Invited (an existing account: joins when they accept)",
    response_only=True,
    status_codes=["202"],
    value={
        "id": 7,
        "username": "lee.chen",
        "roles": ["vendor_ops"],
        "marketplaces": ["US"],
        "status": "pending",
        "created_at": "2026-11-26T08:01:12Z",
    },
)
TEAM_INVITATION_VALUE = {
    "id": 7,
    "username": "lee.chen",
    "roles": ["vendor_ops"],
    "marketplaces": ["US"],
    "status": "pending",
    "created_at": "2026-11-26T08:01:12Z",
}
TEAM_INVITATIONS = OpenApiExample("Waiting for an answer", response_only=True, status_codes=["200"], value=TEAM_INVITATION_VALUE)
TEAM_INVITATION_WITHDRAWN = OpenApiExample(
    "Withdrawn", response_only=True, status_codes=["200"], value={**TEAM_INVITATION_VALUE, "status": "withdrawn"}
)
MY_INVITATION_VALUE = {
    "id": 7,
    "vendor": "ACME",
    "vendor_name": "Acme Home Goods",
    "roles": ["vendor_ops"],
    "marketplaces": ["US"],
    "invited_by": "acme-admin",
    "status": "pending",
    "created_at": "2026-11-26T08:01:12Z",
}
MY_INVITATIONS = OpenApiExample("One invitation", response_only=True, status_codes=["200"], value=MY_INVITATION_VALUE)
ACCEPT_INVITATION = OpenApiExample("Accept, keep starting where I do", request_only=True, value={"answer": "accept", "make_default": False})
INVITATION_ACCEPTED = OpenApiExample("Accepted", response_only=True, status_codes=["200"], value={**MY_INVITATION_VALUE, "status": "accepted"})
CHANGE_ROLES_REQUEST = OpenApiExample(
    "Add finance, every marketplace", request_only=True, value={"roles": ["vendor_ops", "vendor_finance"], "marketplaces": []}
)
MEMBER_CHANGED = OpenApiExample(
    "Changed", response_only=True, status_codes=["200"], value={**MEMBER_VALUE, "roles": ["vendor_finance", "vendor_ops"]}
)

VENDOR_VALUE = {
    "code": "ACME",
    "name": "Acme Home Goods",
    "gs1_company_prefix": "0614141",
    "invoice_approval_threshold": "10000.00",
    "is_active": True,
    "created_at": "2026-01-05T09:00:00Z",
    "accounts": [{"marketplace": "CA", "vendor_code": "ACMECA"}, {"marketplace": "US", "vendor_code": "ACMEUS"}],
    "people": 5,
    "tokens": 1,
}
VENDOR = OpenApiExample("A vendor (a page shows a list)", response_only=True, status_codes=["200"], value=VENDOR_VALUE)
ONBOARD_REQUEST = OpenApiExample(
    "Admit a vendor for US and CA",
    request_only=True,
    value={
        "code": "INITECH",
        "name": "Initech Kitchen Supply",
        "gs1_company_prefix": "0850000",
        "marketplaces": ["US", "CA"],
        "admin_username": "initech-admin",
        "admin_email": "it@initech.example.com",
    },
)
VENDOR_ONBOARDED = OpenApiExample(
    "Onboarded",
    response_only=True,
    status_codes=["201"],
    value={
        "code": "INITECH",
        "name": "Initech Kitchen Supply",
        "gs1_company_prefix": "0850000",
        "invoice_approval_threshold": "10000.00",
        "is_active": True,
        "created_at": "2026-11-27T12:00:00Z",
        "accounts": [{"marketplace": "CA", "vendor_code": "INITECHCA"}, {"marketplace": "US", "vendor_code": "INITECHUS"}],
        "people": 1,
        "tokens": 0,
    },
)
